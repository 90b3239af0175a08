package dpop

import (
	"net/url"
	"strings"
)

// NormalizeHTU puts an http(s) URI in the form RFC 9449 §4.3 check 9
// compares: query and fragment dropped, then the syntax- and scheme-based
// normalisation of RFC 3986 §6.2.2 and §6.2.3 (scheme and host in lower
// case, the default port and dot segments removed, an empty path as "/",
// percent-encodings in upper case with unreserved characters decoded).
// ok is false for anything that is not an absolute http or https URI.
func NormalizeHTU(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" {
		return "", false
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" && !(scheme == "http" && port == "80") && !(scheme == "https" && port == "443") {
		host += ":" + port
	}
	// EscapedPath re-encodes the decoded path the way net/url prefers
	// (unreserved characters plain, the rest in upper-case %XX) unless the
	// raw form is itself valid, which it then keeps: normalise through
	// the decoded path so both spellings compare equal.
	path := (&url.URL{Path: removeDotSegments(u.Path)}).EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path, true
}

// removeDotSegments is RFC 3986 §5.2.4 for an absolute path.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	var out []string
	segs := strings.Split(p, "/")
	for i, s := range segs {
		switch s {
		case ".":
			if i == len(segs)-1 {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if i == len(segs)-1 {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return strings.Join(out, "/")
}
