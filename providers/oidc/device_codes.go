package oidc

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// userCodeAlphabet is RFC 8628 §6.1's example: no vowels (so no words)
// and no digits (so no 0/O or 1/I mix-ups). 20^8 codes.
const (
	userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"
	userCodeLength   = 8
)

// newUserCode draws a user code uniformly from the alphabet: bytes of 240
// and above are redrawn, as 240 is the largest multiple of 20 below 256.
func (p *Provider) newUserCode() (string, error) {
	out := make([]byte, 0, userCodeLength)
	for len(out) < userCodeLength {
		b, err := p.deps.RandomBytes(2 * userCodeLength)
		if err != nil {
			return "", err
		}
		for _, c := range b {
			if c < 240 && len(out) < userCodeLength {
				out = append(out, userCodeAlphabet[int(c)%len(userCodeAlphabet)])
			}
		}
	}
	return string(out), nil
}

// normalizeUserCode turns what a person typed ("wdjb mjht", "WDJB-MJHT")
// into the stored form, or reports that it cannot be a user code. Case,
// dashes and white space are ignored (RFC 8628 §6.1).
func normalizeUserCode(s string) (string, bool) {
	if len(s) > 64 {
		return "", false
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '-' || r == ' ' || r == '\t' || r == '\n' || r == '\r':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		if r > 'Z' || !strings.ContainsRune(userCodeAlphabet, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != userCodeLength {
		return "", false
	}
	return b.String(), true
}

// formatUserCode shows a stored user code the way people read it.
func formatUserCode(code string) string {
	if len(code) != userCodeLength {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// The device code is a random token followed by the user code it belongs
// to, so that a poll finds its record in one atomic store call; only its
// hash is stored.
func newDeviceCode(token, userCode string) string { return token + "." + userCode }

func deviceCodeUserCode(deviceCode string) (string, bool) {
	i := strings.LastIndexByte(deviceCode, '.')
	if i < 0 {
		return "", false
	}
	uc := deviceCode[i+1:]
	if n, ok := normalizeUserCode(uc); !ok || n != uc {
		return "", false
	}
	return uc, true
}

func hashDeviceCode(deviceCode string) string {
	sum := sha256.Sum256([]byte(deviceCode))
	return hex.EncodeToString(sum[:])
}
