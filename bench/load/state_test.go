package main

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseVmRSS(t *testing.T) {
	for _, tc := range []struct {
		name, status string
		want         int64
		err          string
	}{
		{"kB line", "Name:\tauthmock\nVmPeak:\t  99999 kB\nVmRSS:\t   23456 kB\nRssAnon:\t1 kB\n", 23456 << 10, ""},
		{"missing", "Name:\tauthmock\n", 0, "no VmRSS line"},
		{"malformed", "VmRSS:\tlots\n", 0, `malformed VmRSS line "VmRSS:\tlots"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseVmRSS([]byte(tc.status))
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestSoakFigures(t *testing.T) {
	s := func(sec int, mb int64) rssSample {
		return rssSample{at: time.Duration(sec) * time.Second, rss: mb << 20}
	}
	r := soakResult{during: []rssSample{s(5, 30), s(10, 40), s(15, 45), s(20, 50)}, end: 55 << 20}
	assert.Equal(t, int64(50<<20), at(r.during, 20*time.Second))
	assert.Equal(t, int64(-1), at(r.during, 40*time.Second), "no sample near 40 s")
	assert.InDelta(t, 0.10, r.drift(), 1e-9)
	assert.True(t, math.IsNaN(soakResult{end: 1}.drift()), "no 20 s sample, no drift")
}

func TestParseFlagsModes(t *testing.T) {
	var sink strings.Builder
	o, err := parseFlags([]string{"-mode", "state", "-refresh-tokens", "5000"}, &sink)
	require.NoError(t, err)
	assert.Equal(t, modeState, o.mode)
	assert.Equal(t, stateConcurrency, o.concurrency, "a full load unless -concurrency says otherwise")
	assert.Equal(t, 5000, o.refreshTokens)
	assert.Equal(t, time.Minute, o.soak)

	o, err = parseFlags([]string{"-mode", "soak", "-concurrency", "8"}, &sink)
	require.NoError(t, err)
	assert.Equal(t, 8, o.concurrency)

	o, err = parseFlags(nil, &sink)
	require.NoError(t, err)
	assert.Equal(t, modeCompare, o.mode)
	assert.Equal(t, 16, o.concurrency)

	for _, args := range [][]string{
		{"-mode", "flood"},
		{"-mode", "refresh", "-advance", "-1h"},
		{"-mode", "refresh", "-refresh-tokens", "0"},
		{"-mode", "soak", "-soak", "11m"},
	} {
		sink.Reset()
		_, err = parseFlags(args, &sink)
		assert.Error(t, err, "%v", args)
		assert.Contains(t, sink.String(), "load: ", "%v", args)
	}
}
