package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
)

// Fingerprint is what the journal shows instead of a secret: the first four
// bytes of its SHA-256, enough to tell tokens apart, too little to replay.
func Fingerprint(secret string) string {
	var b strings.Builder // one allocation, for the string itself
	b.Grow(fingerprintLen)
	writeFingerprint(&b, secret)
	return b.String()
}

const fingerprintLen = len("[redacted sha256:") + 8 + len("]")

func writeFingerprint(b *strings.Builder, secret string) {
	sum := sha256.Sum256([]byte(secret))
	var hx [8]byte
	hex.Encode(hx[:], sum[:4])
	b.WriteString("[redacted sha256:")
	b.Write(hx[:])
	b.WriteByte(']')
}

// secretFields are form, query and JSON names whose values are credentials,
// compared case-insensitively with '-' and '_' ignored, so that
// "refresh_token", "refreshToken" and "refresh-token" are all one name.
var secretFields = map[string]bool{}

func init() {
	for _, f := range []string{
		"password", "client_secret", "secret", "signature",
		"code", "code_verifier", "token", "access_token", "refresh_token",
		"id_token", "id_token_hint", "logout_token", "assertion", "client_assertion",
		"subject_token", "actor_token", "device_code", "user_code",
		// A login page's pending sign-in (/authorize, /device): whoever
		// holds a live one can answer the page.
		"request_id",
		"api_key", "authorization",
	} {
		secretFields[normalise(f)] = true
	}
}

func normalise(name string) string {
	return strings.ToLower(separators.Replace(name))
}

// separators is built once: a Replacer compiles its table on first use, a
// cost no request should pay again.
var separators = strings.NewReplacer("_", "", "-", "")

// IsSecretField reports whether a parameter or JSON member called name
// carries a credential.
func IsSecretField(name string) bool { return secretFields[normalise(name)] }

// secretHeaders carry credentials whole; Authorization keeps its scheme.
// A DPoP proof (RFC 9449) is spent once, but within its iat window a copy
// could still be replayed where no jti is tracked: its decoded header and
// claims are shown under the entry's tokens instead.
var secretHeaders = map[string]bool{
	"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true,
	"Refresh-Token": true, "X-Api-Key": true, "X-Admin-Token": true, "Dpop": true,
}

// headerList is the response headers an entry keeps until it is listed
// (then as a map, toMap): one allocation per exchange where a map took a
// table of its own.
type headerList []headerField

type headerField struct {
	name   string
	values []string
}

// toMap returns the headers as Entry shows them; never nil.
func (l headerList) toMap() map[string][]string {
	m := make(map[string][]string, len(l))
	for _, f := range l {
		m[f.name] = f.values
	}
	return m
}

// size is sizeOfValues(l.toMap()) for distinct names.
func (l headerList) size() int {
	n := 0
	for _, f := range l {
		n += 48 + len(f.name)
		for _, v := range f.values {
			n += 16 + len(v)
		}
	}
	return n
}

// redactHeaders returns headers as an entry shows them: credentials
// fingerprinted (a URL-valued header such as Location or Referer has its
// secret query parameters fingerprinted) and long names and values cut
// (cutValue). It runs when an entry is listed, never per request.
func redactHeaders(h map[string][]string) map[string][]string {
	out := make(map[string][]string, len(h))
	for name, values := range h {
		shown := make([]string, len(values))
		for i, v := range values {
			r, redacted := redactHeaderValue(name, v)
			if !redacted || len(r) > maxValueBytes {
				r = cutValue(r)
			}
			shown[i] = r
		}
		if len(name) > maxValueBytes {
			name = cutValue(name)
		}
		out[name] = shown
	}
	return out
}

// redactHeaderValue is v as the journal shows it in header name, and
// whether that is a new string rather than v. A URL-valued header
// (Location) has its secret query parameters fingerprinted, since a
// redirect may carry a code or token.
func redactHeaderValue(name, v string) (string, bool) {
	switch {
	case name == "Authorization" || name == "Proxy-Authorization":
		return redactAuthorization(v), true
	case secretHeaders[name]:
		return Fingerprint(v), true
	case name == "Location" || name == "Referer":
		return redactURL(v), true
	}
	return v, false
}

// redactAuthorization keeps the scheme ("Basic", "Bearer", "User") so the
// tester sees which method the client used, and fingerprints the rest.
func redactAuthorization(v string) string {
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok {
		return Fingerprint(v)
	}
	var b strings.Builder
	b.Grow(len(scheme) + 1 + fingerprintLen)
	b.WriteString(scheme)
	b.WriteByte(' ')
	writeFingerprint(&b, strings.TrimSpace(cred))
	return b.String()
}

// redactValues copies form or query values with secret fields
// fingerprinted.
func redactValues(vs url.Values) map[string][]string {
	if len(vs) == 0 {
		return nil
	}
	out := make(map[string][]string, len(vs))
	for k, values := range vs {
		cp := make([]string, len(values))
		for i, v := range values {
			if IsSecretField(k) {
				v = Fingerprint(v)
			}
			cp[i] = v
		}
		out[k] = cp
	}
	return out
}

// redactURL fingerprints the secret query and fragment parameters of a URL,
// leaving everything else readable. The result is for reading, not for
// following: fingerprints are inserted unescaped.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Fingerprint(raw)
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "redacted")
		}
	}
	fragment := u.EscapedFragment()
	u.Fragment, u.RawFragment = "", ""
	query := u.RawQuery
	u.RawQuery = ""
	out := u.String()
	if query != "" {
		out += "?" + redactEncoded(query)
	}
	if fragment != "" {
		out += "#" + redactEncoded(fragment)
	}
	return out
}

// redactEncoded fingerprints secret values in an encoded query, keeping
// parameter order.
func redactEncoded(query string) string {
	parts := strings.Split(query, "&")
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		name, err := url.QueryUnescape(k)
		if err != nil || !IsSecretField(name) {
			continue
		}
		if value, err := url.QueryUnescape(v); err == nil {
			v = value
		}
		parts[i] = k + "=" + Fingerprint(v)
	}
	return strings.Join(parts, "&")
}

// RedactJSON fingerprints the string values of secret members anywhere in a
// decoded JSON document, in place.
func RedactJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if s, ok := e.(string); ok {
				switch {
				case IsSecretField(k):
					v[k] = Fingerprint(s)
				case looksLikeURLWithQuery(s):
					// RFC 8628's verification_uri_complete carries the
					// user_code in its query.
					v[k] = redactURL(s)
				}
				continue
			}
			v[k] = RedactJSON(e)
		}
	case []any:
		for i, e := range v {
			v[i] = RedactJSON(e)
		}
	}
	return v
}

// looksLikeURLWithQuery is a cheap test for a JSON string worth parsing as
// a URL whose query may hold a secret.
func looksLikeURLWithQuery(s string) bool {
	return strings.Contains(s, "://") && strings.ContainsRune(s, '?')
}
