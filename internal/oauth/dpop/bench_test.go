package dpop

import (
	"context"
	"testing"
)

// BenchmarkVerify is one ES256 proof checked end to end (parse, signature,
// request checks, the jti recorded in the memory store): the cost DPoP
// adds to a token or userinfo request.
func BenchmarkVerify(b *testing.B) {
	k := newKey(b, "ES256")
	v, _ := newVerifier(b, false)
	proofs := make([]string, b.N)
	for i := range proofs {
		proofs[i] = k.proof(b, nil, nil)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := v.Verify(context.Background(), Request{Proofs: proofs[i : i+1], Method: "POST", URLs: []string{tokenURL}}); err != nil {
			b.Fatal(err)
		}
	}
}
