package oidc

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// AppendClaimsJSON must write exactly what encoding/json writes, or tokens
// would change with the encoder.
func TestAppendClaimsJSONMatchesEncodingJSON(t *testing.T) {
	now := time.Unix(1767225600, 0)
	date := func(t time.Time) *jwt.NumericDate { return jwt.NewNumericDate(t) }
	cases := map[string]accessClaims{
		"empty": {},
		"client_credentials": {RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "http://127.0.0.1:8080/oidc", Subject: "demo-service", Audience: jwt.ClaimStrings{"demo-service"},
			ExpiresAt: date(now.Add(time.Hour)), NotBefore: date(now), IssuedAt: date(now), ID: "0123456789abcdef",
		}, ClientID: "demo-service", Scope: "api:read"},
		"user": {RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "https://idp.example/o", Subject: "alice", Audience: jwt.ClaimStrings{"a", "b"},
			ExpiresAt: date(now.Add(90 * time.Second)), IssuedAt: date(now),
		}, ClientID: "demo-web", Scope: "openid profile", SID: "f00d", AuthTime: date(now.Add(-time.Minute))},
		"escapes": {RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "http://x/<o>&\"q\"\\", Subject: "ünïcode\u2028\x01", Audience: jwt.ClaimStrings{"\xff"},
		}, ClientID: "", Scope: "a&b"},
		"sub-second and negative dates": {RegisteredClaims: jwt.RegisteredClaims{
			ExpiresAt: date(now.Add(1500 * time.Millisecond)), NotBefore: date(time.Unix(-5, 300)), IssuedAt: date(time.Time{}),
		}},
		"empty audience": {RegisteredClaims: jwt.RegisteredClaims{Audience: jwt.ClaimStrings{}}},
		"cnf":            {ClientID: "c", Cnf: &confirmation{JKT: "thumb"}},
	}
	for name, c := range cases {
		want, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := accessPayload(c).AppendClaimsJSON([]byte("prefix"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if string(got) != "prefix"+string(want) {
			t.Errorf("%s:\n got %s\nwant prefix%s", name, got, want)
		}
	}
}

func TestAppendClaimsJSONSingleAudienceAsString(t *testing.T) {
	defer func(v bool) { jwt.MarshalSingleStringAsArray = v }(jwt.MarshalSingleStringAsArray)
	jwt.MarshalSingleStringAsArray = false
	c := accessClaims{RegisteredClaims: jwt.RegisteredClaims{Audience: jwt.ClaimStrings{"one"}}, ClientID: "c"}
	want, _ := json.Marshal(c)
	got, _ := accessPayload(c).AppendClaimsJSON(nil)
	if string(got) != string(want) {
		t.Errorf("got %s, want %s", got, want)
	}
}
