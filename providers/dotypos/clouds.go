package dotypos

import (
	"cmp"
	"maps"
	"slices"
	"sync"

	"github.com/authmock/authmock/fixtures"
)

// cloudDirectory holds the instance's clouds and which user can grant
// which, behind one lock, so that the admin API can change them while
// requests read them and a reset can return to the configured set.
type cloudDirectory struct {
	mu         sync.RWMutex
	clouds     map[int64]fixtures.Cloud
	userClouds map[string][]int64

	initialClouds     []fixtures.Cloud
	initialUserClouds map[string][]int64
}

func newCloudDirectory(clouds []fixtures.Cloud, userClouds map[string][]int64) *cloudDirectory {
	d := &cloudDirectory{initialClouds: make([]fixtures.Cloud, len(clouds)), initialUserClouds: map[string][]int64{}}
	for i, c := range clouds {
		d.initialClouds[i] = c.Clone()
	}
	for u, ids := range userClouds {
		d.initialUserClouds[u] = slices.Clone(ids)
	}
	d.load()
	return d
}

func (d *cloudDirectory) load() {
	d.clouds = make(map[int64]fixtures.Cloud, len(d.initialClouds))
	for _, c := range d.initialClouds {
		d.clouds[c.ID] = c.Clone()
	}
	d.userClouds = make(map[string][]int64, len(d.initialUserClouds))
	for u, ids := range d.initialUserClouds {
		d.userClouds[u] = slices.Clone(ids)
	}
}

// cloud returns a cloud by id.
func (d *cloudDirectory) cloud(id int64) (fixtures.Cloud, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	c, ok := d.clouds[id]
	return c.Clone(), ok
}

// ofUser returns the clouds a user can grant, in the configured order,
// skipping ids whose cloud has been removed.
func (d *cloudDirectory) ofUser(username string) []fixtures.Cloud {
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []fixtures.Cloud
	for _, id := range d.userClouds[username] {
		if c, ok := d.clouds[id]; ok {
			out = append(out, c.Clone())
		}
	}
	return out
}

// byIDs returns the existing clouds among ids, sorted by id.
func (d *cloudDirectory) byIDs(ids []int64) []fixtures.Cloud {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]fixtures.Cloud, 0, len(ids))
	for _, id := range ids {
		if c, ok := d.clouds[id]; ok {
			out = append(out, c.Clone())
		}
	}
	slices.SortFunc(out, func(a, b fixtures.Cloud) int { return cmp.Compare(a.ID, b.ID) })
	return slices.CompactFunc(out, func(a, b fixtures.Cloud) bool { return a.ID == b.ID })
}

// all lists every cloud sorted by id.
func (d *cloudDirectory) all() []fixtures.Cloud {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]fixtures.Cloud, 0, len(d.clouds))
	for _, id := range slices.Sorted(maps.Keys(d.clouds)) {
		out = append(out, d.clouds[id].Clone())
	}
	return out
}

// put adds or replaces a cloud after validating it.
func (d *cloudDirectory) put(c fixtures.Cloud) fixtures.Problems {
	if ps := c.Validate(); len(ps) > 0 {
		return ps
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.clouds[c.ID] = c.Clone()
	return nil
}

// remove deletes a cloud and every user's access to it; it reports whether
// the cloud existed. Refresh tokens granting it can no longer sign in to it.
func (d *cloudDirectory) remove(id int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.clouds[id]
	delete(d.clouds, id)
	for u, ids := range d.userClouds {
		d.userClouds[u] = slices.DeleteFunc(ids, func(x int64) bool { return x == id })
	}
	return ok
}

// setUser replaces the clouds a user can grant; every id must exist.
func (d *cloudDirectory) setUser(username string, ids []int64) fixtures.Problems {
	d.mu.Lock()
	defer d.mu.Unlock()
	var ps fixtures.Problems
	seen := map[int64]bool{}
	for i, id := range ids {
		if _, ok := d.clouds[id]; !ok {
			ps.Add(fixtures.Index("clouds", i), "no cloud with id %d", id)
		} else if seen[id] {
			ps.Add(fixtures.Index("clouds", i), "cloud %d is listed twice", id)
		}
		seen[id] = true
	}
	if len(ps) == 0 {
		d.userClouds[username] = slices.Clone(ids)
	}
	return ps
}

// has reports whether a cloud exists.
func (d *cloudDirectory) has(id int64) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	_, ok := d.clouds[id]
	return ok
}

// idsOf returns the ids of the clouds a user can grant, in connector
// order; never nil, so that it marshals as [].
func (d *cloudDirectory) idsOf(username string) []int64 {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return append([]int64{}, d.userClouds[username]...)
}

// checkUser checks a user's list of cloud ids against the clouds that exist
// now, with paths under at, changing nothing.
func (d *cloudDirectory) checkUser(at string, ids []int64) fixtures.Problems {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return checkUserClouds(at, ids, d.exists)
}

// replaceUser checks a user's list of cloud ids and, when it is good,
// replaces the user's list, in one step; an empty list removes the user's
// entry.
func (d *cloudDirectory) replaceUser(username, at string, ids []int64) fixtures.Problems {
	d.mu.Lock()
	defer d.mu.Unlock()
	if ps := checkUserClouds(at, ids, d.exists); len(ps) > 0 {
		return ps
	}
	if len(ids) == 0 {
		delete(d.userClouds, username)
	} else {
		d.userClouds[username] = slices.Clone(ids)
	}
	return nil
}

// exists is has for callers holding the lock.
func (d *cloudDirectory) exists(id int64) bool {
	_, ok := d.clouds[id]
	return ok
}
