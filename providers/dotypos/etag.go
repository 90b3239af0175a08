package dotypos

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// entityTag is a strong validator of a response body (RFC 9110 §8.8.3).
func entityTag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// ifNoneMatch reports whether If-None-Match header values match tag: "*",
// or a list member equal to it under the weak comparison GET requires (RFC
// 9110 §13.1.2: W/ prefixes are ignored).
func ifNoneMatch(values []string, tag string) bool {
	for _, v := range values {
		for member := range strings.SplitSeq(v, ",") {
			member = strings.TrimSpace(member)
			if member == "*" {
				return true
			}
			if strings.TrimPrefix(member, "W/") == strings.TrimPrefix(tag, "W/") && member != "" {
				return true
			}
		}
	}
	return false
}
