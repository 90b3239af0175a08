package oidc

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/internal/httpx"
)

// accessPayload is what signAccessToken signs: accessClaims with its own
// encoder. A type of its own, not a method on accessClaims, which the
// token-exchange claims embed and would inherit, losing their act member.
type accessPayload accessClaims

// AppendClaimsJSON writes the bytes json.Marshal would write for c (member
// order, omitempty, golang-jwt's encodings of aud and the dates), without
// reflection: an access token is signed on every token request, and
// encoding/json's per-member allocations cost more than an HS256
// signature. What it cannot write the same way (a cnf member, a date
// precision or audience form changed in golang-jwt's settings) it leaves
// to encoding/json.
func (c accessPayload) AppendClaimsJSON(dst []byte) ([]byte, error) {
	if c.Cnf != nil || jwt.TimePrecision != time.Second {
		b, err := json.Marshal(c)
		return append(dst, b...), err
	}
	b := append(dst, '{')
	b = appendStringMember(b, "iss", c.Issuer)
	b = appendStringMember(b, "sub", c.Subject)
	if len(c.Audience) > 0 {
		b = appendKey(b, "aud")
		if len(c.Audience) == 1 && !jwt.MarshalSingleStringAsArray {
			b = httpx.AppendJSONString(b, c.Audience[0])
		} else {
			b = append(b, '[')
			for i, a := range c.Audience {
				if i > 0 {
					b = append(b, ',')
				}
				b = httpx.AppendJSONString(b, a)
			}
			b = append(b, ']')
		}
	}
	b = appendDateMember(b, "exp", c.ExpiresAt)
	b = appendDateMember(b, "nbf", c.NotBefore)
	b = appendDateMember(b, "iat", c.IssuedAt)
	b = appendStringMember(b, "jti", c.ID)
	b = appendKey(b, "client_id") // no omitempty
	b = httpx.AppendJSONString(b, c.ClientID)
	b = appendStringMember(b, "scope", c.Scope)
	b = appendStringMember(b, "sid", c.SID)
	b = appendDateMember(b, "auth_time", c.AuthTime)
	return append(b, '}'), nil
}

// appendKey writes `"key":`, after a comma unless it is the first member.
func appendKey(b []byte, key string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendStringMember writes an omitempty string member.
func appendStringMember(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return httpx.AppendJSONString(appendKey(b, key), v)
}

// appendDateMember writes an omitempty *jwt.NumericDate member as
// golang-jwt does at whole-second precision: the Unix seconds.
func appendDateMember(b []byte, key string, d *jwt.NumericDate) []byte {
	if d == nil {
		return b
	}
	return strconv.AppendInt(appendKey(b, key), d.Truncate(time.Second).Unix(), 10)
}
