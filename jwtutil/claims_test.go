package jwtutil

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMergeClaimsOwnClaimsWin(t *testing.T) {
	own := jwt.RegisteredClaims{Issuer: "https://iss", Subject: "alice", ExpiresAt: jwt.NewNumericDate(time.Unix(100, 0))}
	got, err := MergeClaims(own, map[string]any{"sub": "mallory", "exp": 999999, "team": "blue"})
	require.NoError(t, err)
	assert.Equal(t, jwt.MapClaims{"iss": "https://iss", "sub": "alice", "exp": float64(100), "team": "blue"}, got)

	got, err = MergeClaims(own, nil)
	require.NoError(t, err)
	assert.Equal(t, jwt.MapClaims{"iss": "https://iss", "sub": "alice", "exp": float64(100)}, got)
}
