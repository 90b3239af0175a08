package jwtutil

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The seed corpora under testdata/fuzz are generated from the demo keys:
//
//	go test ./jwtutil -run TestWriteFuzzCorpus -gencorpus
var genCorpus = flag.Bool("gencorpus", false, "rewrite the seed corpora under testdata/fuzz")

// fuzzSet is the KeySet FuzzVerify attacks: every demo key plus a
// verify-only RSA key.
func fuzzSet(tb testing.TB) *KeySet {
	tb.Helper()
	rfc, err := ParseJWK([]byte(rfc7638Key))
	require.NoError(tb, err)
	return newSet(tb, demoKey(tb, RS256), demoKey(tb, ES256), demoKey(tb, EdDSA), demoKey(tb, HS256), rfc)
}

// fuzzOpts are permissive so that the fuzzer can reach the accept path.
var fuzzOpts = VerifyOptions{Now: fixedNow, AllowMissingExp: true, Leeway: time.Hour}

func FuzzVerify(f *testing.F) {
	s := fuzzSet(f)
	algByKID := make(map[string]Algorithm) // independent of KeySet.lookup
	for _, k := range s.Keys() {
		algByKID[k.KID()] = k.Alg()
	}
	f.Fuzz(func(t *testing.T, token string) {
		tok, err := s.Verify(token, nil, fuzzOpts)
		if err != nil {
			if tok != nil {
				t.Fatalf("token returned with error %v", err)
			}
			return
		}
		if tok == nil || !tok.Valid {
			t.Fatalf("accepted but token nil or not valid")
		}
		alg, _ := tok.Header["alg"].(string)
		if alg == "" || strings.EqualFold(alg, "none") {
			t.Fatalf("accepted alg %q", alg)
		}
		kid, hasKID := tok.Header["kid"].(string)
		if !hasKID {
			t.Fatalf("accepted a token without kid by a %d-key set", len(algByKID))
		}
		want, ok := algByKID[kid]
		if !ok {
			t.Fatalf("accepted a token whose kid %q names no key", kid)
		}
		if alg != string(want) {
			t.Fatalf("accepted alg %q for key %s of alg %s", alg, kid, want)
		}
	})
}

func FuzzParseJWK(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParseJWK(data)
		if err != nil {
			return
		}
		checkParsedKey(t, k)
	})
}

func FuzzParsePEM(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, alg string) {
		k, err := ParsePEM(data, Algorithm(alg))
		if err != nil {
			return
		}
		if alg != "" && k.Alg() != Algorithm(alg) {
			t.Fatalf("asked for %q, got %s", alg, k.Alg())
		}
		checkParsedKey(t, k)
	})
}

// checkParsedKey holds for every key a parser accepts: it has a kid and a
// thumbprint, its public JWK parses back to the same thumbprint, and if it
// can sign, its tokens verify.
func checkParsedKey(t *testing.T, k *Key) {
	t.Helper()
	if k.KID() == "" || len(k.Thumbprint()) != 43 {
		t.Fatalf("kid %q thumbprint %q", k.KID(), k.Thumbprint())
	}
	if jwk := k.PublicJWK(); jwk != nil {
		back, err := ParseJWK(mustJSON(t, jwk))
		if err != nil {
			t.Fatalf("public JWK does not parse back: %v", err)
		}
		if back.Thumbprint() != k.Thumbprint() || back.KID() != k.KID() || back.Alg() != k.Alg() {
			t.Fatalf("public JWK round trip changed the key")
		}
	}
	if k.CanSign() {
		s, err := NewKeySet(k)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := s.Sign(validClaims())
		if err != nil {
			t.Fatalf("sign: %v", err)
		}
		if _, err := s.Verify(tok, nil, verifyOpts()); err != nil {
			t.Fatalf("verify own token: %v", err)
		}
	}
}

// TestWriteFuzzCorpus regenerates the checked-in seed corpora.
func TestWriteFuzzCorpus(t *testing.T) {
	if !*genCorpus {
		t.Skip("run with -gencorpus to rewrite testdata/fuzz")
	}
	rs, es, ed, hs := demoKey(t, RS256), demoKey(t, ES256), demoKey(t, EdDSA), demoKey(t, HS256)
	sign := func(k *Key, typ string) string {
		tok, err := newSet(t, k).SignWithType(typ, validClaims())
		require.NoError(t, err)
		return tok
	}
	rsaPub := publicPEM(t, rs)
	hmacWith := func(secret []byte) func(string) []byte {
		return func(in string) []byte {
			m := hmac.New(sha256.New, secret)
			m.Write([]byte(in))
			return m.Sum(nil)
		}
	}
	validRS := sign(rs, "JWT")
	parts := strings.Split(validRS, ".")

	verify := map[string]string{
		"valid-rs256":           validRS,
		"valid-es256":           sign(es, "JWT"),
		"valid-eddsa-at+jwt":    sign(ed, "at+jwt"),
		"valid-hs256":           sign(hs, "JWT"),
		"alg-none":              craft(t, map[string]any{"alg": "none", "kid": rs.KID()}, claimsMap(), nil),
		"alg-none-no-kid":       craft(t, map[string]any{"alg": "none"}, claimsMap(), nil),
		"hs256-rsa-public-pem":  craft(t, map[string]any{"alg": "HS256", "kid": rs.KID()}, claimsMap(), hmacWith(rsaPub)),
		"es256-alg-on-rsa-kid":  craft(t, map[string]any{"alg": "ES256", "kid": rs.KID()}, claimsMap(), func(string) []byte { return make([]byte, 64) }),
		"verify-only-kid":       craft(t, map[string]any{"alg": "RS256", "kid": "2011-04-29"}, claimsMap(), func(string) []byte { return make([]byte, 256) }),
		"crit-header":           craft(t, map[string]any{"alg": "EdDSA", "kid": ed.KID(), "crit": []string{"b64"}, "b64": false}, claimsMap(), nil),
		"kid-number":            craft(t, map[string]any{"alg": "EdDSA", "kid": 1}, claimsMap(), nil),
		"duplicate-kid-members": b64.EncodeToString([]byte(`{"alg":"EdDSA","kid":"x","kid":"`+ed.KID()+`"}`)) + "." + parts[1] + "." + parts[2],
		"tampered-payload":      parts[0] + "." + b64.EncodeToString([]byte(`{"sub":"mallory"}`)) + "." + parts[2],
		"five-segments":         validRS + ".x.y",
		"garbage":               "eyJ.eyJ.",
	}
	for name, tok := range verify {
		writeCorpus(t, "FuzzVerify", name, fmt.Sprintf("string(%q)", tok))
	}

	jwks := map[string][]byte{
		"rfc7638-public": []byte(rfc7638Key),
		"rfc8037-private": []byte(`{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",` +
			`"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`),
		"rsa-public":  mustJSON(t, rs.PublicJWK()),
		"ec-public":   mustJSON(t, es.PublicJWK()),
		"okp-public":  mustJSON(t, ed.PublicJWK()),
		"ec-private":  privateJWK(t, es),
		"okp-private": privateJWK(t, ed),
		"oct":         privateJWK(t, hs),
		"oct-short":   []byte(`{"kty":"oct","k":"c2hvcnQ"}`),
		"jwk-set":     []byte(`{"keys":[` + rfc7638Key + `]}`),
		"ec-p384":     []byte(`{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}`),
	}
	for name, data := range jwks {
		writeCorpus(t, "FuzzParseJWK", name, fmt.Sprintf("[]byte(%q)", data))
	}

	ecPriv := es.signer.(*ecdsa.PrivateKey)
	sec1, err := x509.MarshalECPrivateKey(ecPriv)
	require.NoError(t, err)
	rsaPriv := rs.signer.(*rsa.PrivateKey)
	pems := map[string]struct {
		data []byte
		alg  Algorithm
	}{
		"rsa-pkcs8":        {readDemo(t, RS256), ""},
		"es256-pkcs8":      {readDemo(t, ES256), ES256},
		"eddsa-pkcs8":      {readDemo(t, EdDSA), ""},
		"ec-sec1":          {pemOf("EC PRIVATE KEY", sec1), ""},
		"rsa-pkcs1":        {pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaPriv)), RS256},
		"rsa-public":       {rsaPub, ""},
		"ed-public":        {publicPEM(t, ed), EdDSA},
		"mismatch-es-rsa":  {readDemo(t, RS256), ES256},
		"hs256-requested":  {readDemo(t, EdDSA), HS256},
		"truncated":        {readDemo(t, ES256)[:100], ""},
		"rsa-public-pkcs1": {pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsaPriv.PublicKey)), ""},
	}
	for name, p := range pems {
		writeCorpus(t, "FuzzParsePEM", name, fmt.Sprintf("[]byte(%q)\nstring(%q)", p.data, p.alg))
	}
}

func writeCorpus(t *testing.T, target, name, body string) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("go test fuzz v1\n"+body+"\n"), 0o644))
}

// The corpus must keep exercising the accept path: the valid seeds verify.
func TestFuzzVerifySeedsStillValid(t *testing.T) {
	s := fuzzSet(t)
	for _, name := range []string{"valid-rs256", "valid-es256", "valid-eddsa-at+jwt", "valid-hs256"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzVerify", name))
			require.NoError(t, err)
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			require.Len(t, lines, 2)
			tok := strings.TrimSuffix(strings.TrimPrefix(lines[1], `string("`), `")`)
			parsed, err := s.Verify(tok, nil, verifyOpts())
			require.NoError(t, err)
			require.Contains(t, []string{"JWT", "at+jwt"}, parsed.Header["typ"])
		})
	}
}
