package dotypos

import (
	"context"
	"encoding/json"
	"unicode/utf8"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/provider"
)

// KindClouds is the dialect's own fixture collection: the clouds, keyed by
// their decimal id.
const KindClouds = "clouds"

// memberUserClouds is the member of a users item holding the user's cloud
// ids, named as the configuration's "user_clouds" map is.
const memberUserClouds = "user_clouds"

// userItem is a users item of the admin API: the user as the configuration
// writes it, plus the clouds the user can grant, in connector order (the
// user's entry of the configuration's "user_clouds").
type userItem struct {
	fixtures.User
	UserClouds []int64 `json:"user_clouds"`
}

// FixtureKinds implements provider.FixtureEditor.
func (p *Provider) FixtureKinds() []string {
	return append(p.editor.FixtureKinds(), KindClouds)
}

// ListFixtures implements provider.FixtureEditor.
func (p *Provider) ListFixtures(ctx context.Context, kind string) ([]json.RawMessage, error) {
	switch kind {
	case directory.KindUsers:
		users := p.dir.Users()
		out := make([]json.RawMessage, len(users))
		for i, u := range users {
			b, err := json.Marshal(userItem{User: u, UserClouds: p.clouds.idsOf(u.Username)})
			if err != nil {
				return nil, err
			}
			out[i] = b
		}
		return out, nil
	case KindClouds:
		clouds := p.clouds.all()
		out := make([]json.RawMessage, len(clouds))
		for i, c := range clouds {
			b, err := json.Marshal(c)
			if err != nil {
				return nil, err
			}
			out[i] = b
		}
		return out, nil
	}
	return p.editor.ListFixtures(ctx, kind)
}

// GetFixture implements provider.FixtureEditor.
func (p *Provider) GetFixture(ctx context.Context, kind, id string) (json.RawMessage, error) {
	switch kind {
	case directory.KindUsers:
		u, ok := p.dir.User(id)
		if !ok {
			return nil, provider.ErrNoFixture
		}
		return json.Marshal(userItem{User: u, UserClouds: p.clouds.idsOf(u.Username)})
	case KindClouds:
		cloudID, ok := parseCloudID(id)
		if !ok {
			return nil, provider.ErrNoFixture
		}
		c, ok := p.clouds.cloud(cloudID)
		if !ok {
			return nil, provider.ErrNoFixture
		}
		return json.Marshal(c)
	}
	return p.editor.GetFixture(ctx, kind, id)
}

// PutFixture implements provider.FixtureEditor. Clients follow the
// configuration's rules (the directory's, plus: always a secret, an
// access_token_ttl of at least 1s). A user's user_clouds replaces the
// clouds the user can grant (left out: none); every id must be a cloud, none
// twice. A cloud is checked as the configuration checks it; the path's id
// is its id.
//
// Each change is one kept change (directory.Keeper) of the users, the
// clients and the clouds together.
func (p *Provider) PutFixture(ctx context.Context, kind, id string, item json.RawMessage) (created bool, err error) {
	err = p.keep.Change(ctx, func() (err error) {
		switch kind {
		case directory.KindUsers:
			created, err = p.putUser(ctx, id, item)
		case KindClouds:
			created, err = p.putCloud(id, item)
		default:
			created, err = p.editor.PutFixture(ctx, kind, id, item)
		}
		return err
	})
	return err == nil && created, err
}

// putUser checks the user's clouds before the directory sees the user, so
// that a refused item changes nothing.
func (p *Provider) putUser(ctx context.Context, username string, item json.RawMessage) (bool, error) {
	var it userItem
	if err := directory.DecodeFixture(item, &it); err != nil {
		return false, err
	}
	ps := p.clouds.checkUser(memberUserClouds, it.UserClouds)
	switch {
	case !utf8.ValidString(username):
		ps.Add("username", "must be valid UTF-8")
	case it.Username != "" && it.Username != username:
		ps.Add("username", "is %q but the path names %q", it.Username, username)
	}
	if len(ps) > 0 {
		return false, &provider.FixtureError{Problems: ps}
	}
	user, err := json.Marshal(it.User)
	if err != nil {
		return false, err
	}
	created, err := p.editor.PutFixture(ctx, directory.KindUsers, username, user)
	if err != nil {
		return false, err
	}
	// Only a cloud deleted since the check can make this fail.
	if ps := p.clouds.replaceUser(username, memberUserClouds, it.UserClouds); len(ps) > 0 {
		return created, &provider.FixtureError{Problems: ps}
	}
	return created, nil
}

func (p *Provider) putCloud(id string, item json.RawMessage) (bool, error) {
	var c fixtures.Cloud
	if err := directory.DecodeFixture(item, &c); err != nil {
		return false, err
	}
	cloudID, ok := parseCloudID(id)
	var ps fixtures.Problems
	switch {
	case !ok:
		ps.Add("id", "the path names %q, which is not a cloud id (a positive 32-bit integer, no leading zero)", id)
	case c.ID == 0:
		c.ID = cloudID // the path names it
	case c.ID != cloudID:
		ps.Add("id", "is %d but the path names %s", c.ID, id)
	}
	if len(ps) > 0 {
		// Every problem at once: the item's own, less a second word on its id.
		for _, pr := range c.Validate() {
			if pr.Path != "id" {
				ps = append(ps, pr)
			}
		}
		return false, &provider.FixtureError{Problems: ps}
	}
	existed := p.clouds.has(c.ID)
	if ps := p.clouds.put(c); len(ps) > 0 {
		return false, &provider.FixtureError{Problems: ps}
	}
	return !existed, nil
}

// DeleteFixture implements provider.FixtureEditor. Deleting a client or a
// user revokes its tokens; a deleted user's clouds are forgotten, so a user
// created again under that name starts with none. Deleting a cloud takes
// it from every user: refresh tokens granting it get 403 CLOUD_FORBIDDEN at
// signin for it, and access tokens bound to it get 403 CLOUD_FORBIDDEN on
// /v2/clouds/{cloudId}; the cloud list leaves it out. Tokens for other
// clouds keep working.
func (p *Provider) DeleteFixture(ctx context.Context, kind, id string) error {
	if kind == KindClouds {
		return p.keep.Change(ctx, func() error {
			cloudID, ok := parseCloudID(id)
			if !ok || !p.clouds.remove(cloudID) {
				return provider.ErrNoFixture
			}
			return nil
		})
	}
	var sel provider.TokenSelector
	err := p.keep.Change(ctx, func() (err error) {
		if sel, err = p.editor.Remove(kind, id); err != nil {
			return err
		}
		if kind == directory.KindUsers {
			p.clouds.replaceUser(id, memberUserClouds, nil)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return p.editor.RevokeRemoved(ctx, kind, id, sel)
}
