package jwtutil

import (
	"encoding/json"
	"fmt"
	"maps"

	"github.com/golang-jwt/jwt/v5"
)

// MergeClaims adds extra claims (from a mint request or a config) to a
// token's own claims. The token's own win, so extras can never forge iss,
// sub, exp or a dialect's binding claims.
func MergeClaims(own jwt.Claims, extra map[string]any) (jwt.MapClaims, error) {
	b, err := json.Marshal(own)
	if err != nil {
		return nil, fmt.Errorf("jwtutil: merge claims: %w", err)
	}
	var ownMap map[string]any
	if err := json.Unmarshal(b, &ownMap); err != nil {
		return nil, fmt.Errorf("jwtutil: merge claims: %w", err)
	}
	merged := make(jwt.MapClaims, len(extra)+len(ownMap))
	maps.Copy(merged, extra)
	maps.Copy(merged, ownMap)
	return merged, nil
}
