package dotypos

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/directory"
)

// kindUserClouds is the overlay kind of which user can grant which clouds:
// a user's list of cloud ids, null when the user has none left of a
// configured list.
const kindUserClouds = "user_clouds"

// Overlay implements directory.Collection: the clouds, and the users'
// cloud lists, that differ from the configured ones.
func (d *cloudDirectory) Overlay() (directory.Overlay, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	cur := make(map[string]fixtures.Cloud, len(d.clouds))
	for id, c := range d.clouds {
		cur[strconv.FormatInt(id, 10)] = c
	}
	clouds, err := directory.Diff(d.initialClouds, cur, func(c fixtures.Cloud) string { return strconv.FormatInt(c.ID, 10) })
	if err != nil {
		return nil, err
	}
	lists := map[string]json.RawMessage{}
	for u, ids := range d.userClouds {
		if !slices.Equal(ids, d.initialUserClouds[u]) && (len(ids) > 0 || len(d.initialUserClouds[u]) > 0) {
			b, err := json.Marshal(ids)
			if err != nil {
				return nil, err
			}
			lists[u] = b
		}
	}
	for u, ids := range d.initialUserClouds {
		if _, ok := d.userClouds[u]; !ok && len(ids) > 0 {
			lists[u] = json.RawMessage("null")
		}
	}
	return directory.Overlay{KindClouds: clouds, kindUserClouds: lists}, nil
}

// Restore implements directory.Collection.
func (d *cloudDirectory) Restore(ov directory.Overlay) error {
	clouds, err := directory.Decode[fixtures.Cloud](ov[KindClouds], KindClouds)
	if err != nil {
		return err
	}
	lists, err := directory.Decode[[]int64](ov[kindUserClouds], kindUserClouds)
	if err != nil {
		return err
	}
	ids := make(map[string]int64, len(clouds))
	for key := range clouds {
		id, ok := parseCloudID(key)
		if !ok {
			return fmt.Errorf("%s %q: not a cloud id", KindClouds, key)
		}
		ids[key] = id
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.load()
	for key, c := range clouds {
		if c == nil {
			delete(d.clouds, ids[key])
			continue
		}
		c.ID = ids[key]
		d.clouds[c.ID] = *c
	}
	for u, l := range lists {
		if l == nil || len(*l) == 0 {
			delete(d.userClouds, u)
			continue
		}
		d.userClouds[u] = *l
	}
	return nil
}
