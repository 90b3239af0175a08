package memory

import (
	"maps"

	"github.com/authmock/authmock/internal/store"
)

// grant is a refresh token's store.Grant as the namespace keeps it: 32
// bytes that tokens share, instead of some 250 per token. Its family id is
// its family's; who it is for is an interned principal; its times are
// nanoseconds; what only grants born of an authorization code carry sits
// behind a pointer that is nil for the rest. A grant is never changed once
// stored, so the tokens of a family point to one grant for as long as
// rotations keep it the same.
type grant struct {
	who      *principal
	authTime int64 // instantOf
	seq      uint64
	code     *codeFields // nil when all are empty
}

// codeFields are the store.Grant fields of an authorization code's grant,
// and its dialect extras.
type codeFields struct {
	redirectURI, codeChallenge, codeChallengeMethod, nonce string
	extra                                                  map[string]string
}

func codeFieldsOf(g store.Grant) *codeFields {
	if g.RedirectURI == "" && g.CodeChallenge == "" && g.CodeChallengeMethod == "" && g.Nonce == "" && len(g.Extra) == 0 {
		return nil
	}
	c := &codeFields{redirectURI: g.RedirectURI, codeChallenge: g.CodeChallenge, codeChallengeMethod: g.CodeChallengeMethod, nonce: g.Nonce}
	if g.Extra != nil {
		c.extra = maps.Clone(g.Extra)
	}
	return c
}

// same reports whether c holds exactly g's code fields.
func (c *codeFields) same(g store.Grant) bool {
	if c == nil {
		return codeFieldsOf(g) == nil
	}
	return c.redirectURI == g.RedirectURI && c.codeChallenge == g.CodeChallenge &&
		c.codeChallengeMethod == g.CodeChallengeMethod && c.nonce == g.Nonce &&
		(c.extra == nil) == (g.Extra == nil) && maps.Equal(c.extra, g.Extra)
}

// same reports whether gr is g, apart from the family id, which is the
// family's.
func (gr *grant) same(g store.Grant) bool {
	return gr.who.is(g.ClientID, g.Subject, g.Username, g.Scopes) && gr.authTime == instantOf(g.AuthTime) &&
		gr.seq == g.Seq && gr.code.same(g)
}

// set fills gr from g, with who acquired for it.
func (gr *grant) set(g store.Grant, who *principal) {
	*gr = grant{who: who, authTime: instantOf(g.AuthTime), seq: g.Seq, code: codeFieldsOf(g)}
}

// expand returns the store.Grant, fresh: the caller may change it.
func (gr *grant) expand(familyID string) store.Grant {
	g := store.Grant{
		FamilyID: familyID,
		ClientID: gr.who.client, Subject: gr.who.subject, Username: gr.who.username,
		Scopes:   cloneScopes(gr.who.scopes),
		AuthTime: instantTime(gr.authTime),
		Seq:      gr.seq,
	}
	if c := gr.code; c != nil {
		g.RedirectURI, g.CodeChallenge, g.CodeChallengeMethod, g.Nonce = c.redirectURI, c.codeChallenge, c.codeChallengeMethod, c.nonce
		if c.extra != nil {
			g.Extra = maps.Clone(c.extra)
		}
	}
	return g
}

// cloneScopes copies the slice (strings are immutable and may be shared).
func cloneScopes(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}
