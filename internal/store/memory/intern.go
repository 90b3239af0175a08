package memory

import (
	"slices"
	"strconv"
	"strings"
)

// principal is who a grant is for: its client, subject, username and
// scopes. A million refresh tokens usually name a handful of them (the
// fixtures' users and clients), so each namespace keeps one copy of each
// and grants point to it. The table holds a principal while some refresh
// token does (refs), so it shrinks as tokens are dropped and empties on
// sweep and reset: it is bounded by the live tokens, never by history.
type principal struct {
	key                       principalKey
	client, subject, username string
	scopes                    []string // nil for none; never handed out
	refs                      int
}

// principalKey is a principal's identity in the table. scopes is the
// scopes' length-prefixed concatenation, so no scope's text can pass for a
// split between two.
type principalKey struct {
	client, subject, username, scopes string
}

func scopesKey(scopes []string) string {
	var b strings.Builder
	n := 0
	for _, s := range scopes {
		n += len(s) + 3
	}
	b.Grow(n)
	for _, s := range scopes {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	return b.String()
}

// is reports whether p is the principal of these values, without building
// a key: a rotation usually keeps its grant's.
func (p *principal) is(client, subject, username string, scopes []string) bool {
	return p.client == client && p.subject == subject && p.username == username && slices.Equal(p.scopes, scopes)
}

// acquire returns the shared principal of these values with one more
// reference, adding it to the table if needed. The table copies the
// strings, so that a request's buffers are not kept alive by it.
//
// The principal acquired last is tried first, without building a key:
// logins come in runs of one user at one client.
func (ns *namespace) acquire(client, subject, username string, scopes []string) *principal {
	if p := ns.lastWho; p != nil && p.refs > 0 && p.is(client, subject, username, scopes) {
		p.refs++
		return p
	}
	k := principalKey{client, subject, username, scopesKey(scopes)}
	p := ns.principals[k]
	if p == nil {
		p = &principal{
			key:    principalKey{strings.Clone(client), strings.Clone(subject), strings.Clone(username), k.scopes},
			scopes: cloneStrings(scopes),
		}
		p.client, p.subject, p.username = p.key.client, p.key.subject, p.key.username
		ns.principals[p.key] = p
	}
	p.refs++
	ns.lastWho = p
	return p
}

// hold takes one more reference to a principal already in the table.
func (p *principal) hold() { p.refs++ }

// release drops a reference; the last one takes the principal out of the
// table.
func (ns *namespace) release(p *principal) {
	if p.refs--; p.refs == 0 {
		delete(ns.principals, p.key)
	}
}

// cloneStrings copies a slice of strings and their text; empty gives nil,
// as store.Grant.Clone does.
func cloneStrings(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.Clone(s)
	}
	return out
}
