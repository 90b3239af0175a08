package memory

import (
	"hash/maphash"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestIndexAgreesWithAMap drives an index through random puts and deletes,
// growing past several resizes and shrinking back, and checks it against a
// Go map after each step: every entry is found, nothing else is, and the
// backward shift on delete never cuts a probe run.
func TestIndexAgreesWithAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := newIndex[*family](maphash.MakeSeed())
	want := map[hashKey]*family{}
	// A small key space makes runs collide and deletes hit present keys.
	key := func(space int) hashKey {
		var k hashKey
		n := rng.IntN(space)
		k[0], k[1], k[2] = byte(n), byte(n>>8), byte(n>>16)
		return k
	}
	check := func(step int) {
		require.Equal(t, len(want), x.len(), "step %d", step)
		for k, f := range want {
			got, ok := x.get(k)
			require.True(t, ok, "step %d: %x lost", step, k)
			require.Same(t, f, got, "step %d", step)
		}
		n := 0
		for f := range x.all() {
			require.Same(t, want[f.key], f, "step %d: %x is not in the map", step, f.key)
			n++
		}
		require.Equal(t, len(want), n, "step %d", step)
	}
	for step := range 20000 {
		phase := step / 5000 // grow, churn, shrink, grow again
		space := 4096
		switch k := key(space); {
		case phase == 2 || (phase == 1 && rng.IntN(2) == 0):
			x.del(k)
			delete(want, k)
		default:
			if _, ok := want[k]; !ok {
				f := &family{key: k}
				x.put(f)
				want[k] = f
			}
		}
		if step%500 == 0 {
			x.shrink()
			check(step)
		}
		probe := key(space * 2) // half of these were never put
		_, ok := x.get(probe)
		require.Equal(t, want[probe] != nil, ok, "step %d: %x", step, probe)
	}
	check(-1)
	for k := range want {
		x.del(k)
	}
	x.shrink()
	require.Zero(t, x.len())
	require.LessOrEqual(t, len(x.slots), shrinkMin, "an empty index gives its slots back")
	_, ok := x.get(hashKey{})
	require.False(t, ok)
}
