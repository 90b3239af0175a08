package dotypos

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/jwtutil"
)

const (
	bistroJSON = `{"id":123456789,"1ClickId":77,"_companyId":4242,"country":"CZ","deleted":false,"expired":false,"name":"Bistro Praha","restricted":false,"segment":"HORECA"}`
	cafeJSON   = `{"id":987654321,"1ClickId":null,"_companyId":null,"country":"CZ","deleted":false,"expired":false,"name":"Café Brno","restricted":true,"segment":null}`
	bakeryJSON = `{"id":2147483647,"1ClickId":null,"_companyId":null,"country":null,"deleted":false,"expired":true,"name":"Bakery Ostrava","restricted":false,"segment":null}`
)

func TestCloudList(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	_, cloudless := ts.accessToken(`{}`)
	_, bound := ts.accessToken(`{"_cloudId":123456789}`)
	want := `{"currentPage":1,"perPage":20,"totalItemsOnPage":1,"totalItemsCount":1,"firstPage":1,"lastPage":1,"nextPage":null,"prevPage":null,"data":[` + bistroJSON + `]}`
	for name, token := range map[string]string{"cloudless token": cloudless, "cloud token": bound} {
		t.Run(name, func(t *testing.T) {
			res := ts.get(PathClouds, token)
			require.Equal(t, http.StatusOK, res.status, "%s", res.body)
			assert.JSONEq(t, want, string(res.body))
			assert.Equal(t, "application/json;charset=UTF-8", res.header.Get("Content-Type"))
			assert.Equal(t, entityTag(res.body), res.header.Get("ETag"))
			assert.Equal(t, "ETag", res.header.Get("Access-Control-Expose-Headers"))
		})
	}
}

func TestCloudListPaging(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.GrantClouds = GrantAll })
	_, token := ts.accessToken(`{}`)
	tests := []struct {
		query  string
		status int
		body   string
	}{
		{"", 200, `{"currentPage":1,"perPage":20,"totalItemsOnPage":3,"totalItemsCount":3,"firstPage":1,"lastPage":1,"nextPage":null,"prevPage":null,"data":[` + bistroJSON + `,` + cafeJSON + `,` + bakeryJSON + `]}`},
		{"?limit=2", 200, `{"currentPage":1,"perPage":2,"totalItemsOnPage":2,"totalItemsCount":3,"firstPage":1,"lastPage":2,"nextPage":2,"prevPage":null,"data":[` + bistroJSON + `,` + cafeJSON + `]}`},
		{"?limit=2&page=2", 200, `{"currentPage":2,"perPage":2,"totalItemsOnPage":1,"totalItemsCount":3,"firstPage":1,"lastPage":2,"nextPage":null,"prevPage":1,"data":[` + bakeryJSON + `]}`},
		{"?limit=1&page=2", 200, `{"currentPage":2,"perPage":1,"totalItemsOnPage":1,"totalItemsCount":3,"firstPage":1,"lastPage":3,"nextPage":3,"prevPage":1,"data":[` + cafeJSON + `]}`},
		{"?limit=100", 200, `{"currentPage":1,"perPage":100,"totalItemsOnPage":3,"totalItemsCount":3,"firstPage":1,"lastPage":1,"nextPage":null,"prevPage":null,"data":[` + bistroJSON + `,` + cafeJSON + `,` + bakeryJSON + `]}`},
		{"?limit=2&page=3", 404, ``},
		{"?limit=101", 400, ts.errBody(400, ReasonInvalidQuery, msgInvalidQuery, Violation{FieldName: "limit", Message: "must be an integer from 1 to 100"})},
		{"?limit=0", 400, ts.errBody(400, ReasonInvalidQuery, msgInvalidQuery, Violation{FieldName: "limit", Message: "must be an integer from 1 to 100"})},
		{"?limit=-1", 400, ts.errBody(400, ReasonInvalidQuery, msgInvalidQuery, Violation{FieldName: "limit", Message: "must be an integer from 1 to 100"})},
		{"?limit=x", 400, ts.errBody(400, ReasonInvalidQuery, msgInvalidQuery, Violation{FieldName: "limit", Message: "must be an integer from 1 to 100"})},
		{"?page=0", 400, ts.errBody(400, ReasonInvalidQuery, msgInvalidQuery, Violation{FieldName: "page", Message: "must be a positive integer"})},
		{"?page=01", 400, ts.errBody(400, ReasonInvalidQuery, msgInvalidQuery, Violation{FieldName: "page", Message: "must be a positive integer"})},
		{"?page=1.5", 400, ts.errBody(400, ReasonInvalidQuery, msgInvalidQuery, Violation{FieldName: "page", Message: "must be a positive integer"})},
		{"?page=99999999999", 400, ts.errBody(400, ReasonInvalidQuery, msgInvalidQuery, Violation{FieldName: "page", Message: "must be a positive integer"})},
		{"?page=0&limit=0", 400, ts.errBody(400, ReasonInvalidQuery, msgInvalidQuery, Violation{FieldName: "page", Message: "must be a positive integer"}, Violation{FieldName: "limit", Message: "must be an integer from 1 to 100"})},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			res := ts.get(PathClouds+tc.query, token)
			assert.Equal(t, tc.status, res.status)
			if tc.body == "" {
				assert.Empty(t, res.body)
				assert.Empty(t, res.header.Get("ETag"))
				return
			}
			assert.JSONEq(t, tc.body, string(res.body))
		})
	}
}

func TestCloudListEmptyIs404(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	_, token := ts.accessToken(`{}`)
	require.True(t, ts.p.DeleteCloud(cloudBistro))
	res := ts.get(PathClouds, token)
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Empty(t, res.body)
}

func TestCloudGet(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	_, bistro := ts.accessToken(`{"_cloudId":123456789}`)
	_, cloudless := ts.accessToken(`{}`)

	res := ts.get(PathClouds+"/123456789", bistro)
	require.Equal(t, http.StatusOK, res.status)
	assert.JSONEq(t, bistroJSON, string(res.body))
	assert.Equal(t, entityTag(res.body), res.header.Get("ETag"))
	assert.Equal(t, "ETag", res.header.Get("Access-Control-Expose-Headers"))

	for _, tc := range []struct{ name, path, token string }{
		{"a token for cloud A on cloud B", "/987654321", bistro},
		{"another user's cloud", "/555", bistro},
		{"a cloudless token", "/123456789", cloudless},
		{"the id with a leading zero", "/0123456789", bistro},
		{"not a number", "/bistro", bistro},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ts.get(PathClouds+tc.path, tc.token)
			assert.Equal(t, http.StatusForbidden, res.status)
			assert.JSONEq(t, ts.errBody(403, ReasonCloudForbidden, msgNotThisCloud), string(res.body))
		})
	}
	t.Run("a token whose cloud was removed may no longer use it", func(t *testing.T) {
		ts := newTestServer(t, nil)
		_, token := ts.accessToken(`{"_cloudId":123456789}`)
		require.True(t, ts.p.DeleteCloud(cloudBistro))
		for _, path := range []string{PathClouds + "/123456789", PathClouds + "/123456789/customers"} {
			res := ts.get(path, token)
			assert.Equal(t, http.StatusForbidden, res.status, path)
			assert.JSONEq(t, ts.errBody(403, ReasonCloudForbidden, msgCloudDeleted), string(res.body), path)
		}
	})
}

func TestCloudSubtree(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	_, bistro := ts.accessToken(`{"_cloudId":123456789}`)
	_, cloudless := ts.accessToken(`{}`)
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		t.Run(method, func(t *testing.T) {
			res := ts.request(method, PathClouds+"/123456789/customers/5", strings.NewReader(`{}`), "Authorization", "Bearer "+bistro, "Content-Type", "application/json")
			assert.Equal(t, http.StatusNotFound, res.status)
			assert.Empty(t, res.body)

			res = ts.request(method, PathClouds+"/987654321/customers", nil, "Authorization", "Bearer "+bistro)
			assert.Equal(t, http.StatusForbidden, res.status)
			assert.JSONEq(t, ts.errBody(403, ReasonCloudForbidden, msgNotThisCloud), string(res.body))

			res = ts.request(method, PathClouds+"/123456789/customers", nil, "Authorization", "Bearer "+cloudless)
			assert.Equal(t, http.StatusForbidden, res.status)

			res = ts.request(method, PathClouds+"/123456789/customers", nil)
			assert.Equal(t, http.StatusUnauthorized, res.status)
			assert.JSONEq(t, ts.errBody(401, ReasonInvalidAuthHeader, msgBearerHeader), string(res.body))
		})
	}
}

func TestAccessTokenErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	refresh, bistro := ts.accessToken(`{"_cloudId":123456789}`)

	foreignKey, err := jwtutil.GenerateKey(jwtutil.RS256)
	require.NoError(t, err)
	foreignSet, err := jwtutil.NewKeySet(foreignKey)
	require.NoError(t, err)
	forged, err := foreignSet.Sign(jwt.MapClaims{"iss": ts.issuer, "sub": aliceSubject, "exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix(), "jti": "x", "cloudId": cloudBistro, "clouds": []int64{cloudBistro}})
	require.NoError(t, err)
	otherIssuer, err := ts.p.keys.Sign(jwt.MapClaims{"iss": "https://api.dotykacka.cz", "sub": aliceSubject, "exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix(), "jti": "y", "cloudId": cloudBistro})
	require.NoError(t, err)
	noJTI, err := ts.p.keys.Sign(jwt.MapClaims{"iss": ts.issuer, "sub": aliceSubject, "exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix(), "cloudId": cloudBistro})
	require.NoError(t, err)
	wrongType, err := ts.p.keys.SignWithType("at+jwt", jwt.MapClaims{"iss": ts.issuer, "sub": aliceSubject, "exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix(), "jti": "z", "cloudId": cloudBistro})
	require.NoError(t, err)

	tests := []struct {
		name   string
		header []string
		status int
		reason string
		msg    string
	}{
		{"no Authorization", nil, 401, ReasonInvalidAuthHeader, msgBearerHeader},
		{"User scheme", []string{"Authorization", "User " + refresh}, 401, ReasonInvalidAuthHeader, msgBearerHeader},
		{"Bearer without a token", []string{"Authorization", "Bearer"}, 401, ReasonInvalidAuthHeader, msgBearerHeader},
		{"two Authorization headers", []string{"Authorization", "Bearer " + bistro, "Authorization", "Bearer " + bistro}, 401, ReasonInvalidAuthHeader, msgBearerHeader},
		{"garbage", []string{"Authorization", "Bearer not.a.jwt"}, 401, ReasonInvalidAccessToken, msgInvalidAccess},
		{"the refresh token as a bearer", []string{"Authorization", "Bearer " + refresh}, 401, ReasonInvalidAccessToken, msgInvalidAccess},
		{"signed by another key", []string{"Authorization", "Bearer " + forged}, 401, ReasonInvalidAccessToken, msgInvalidAccess},
		{"another issuer", []string{"Authorization", "Bearer " + otherIssuer}, 401, ReasonInvalidAccessToken, msgInvalidAccess},
		{"no jti", []string{"Authorization", "Bearer " + noJTI}, 401, ReasonInvalidAccessToken, "the access token has no jti"},
		{"another typ", []string{"Authorization", "Bearer " + wrongType}, 401, ReasonInvalidAccessToken, msgInvalidAccess},
		{"a tampered payload", []string{"Authorization", "Bearer " + tamper(bistro)}, 401, ReasonInvalidAccessToken, msgInvalidAccess},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{PathClouds, PathClouds + "/123456789", PathClouds + "/123456789/orders"} {
				res := ts.request(http.MethodGet, path, nil, tc.header...)
				assert.Equal(t, tc.status, res.status, path)
				assert.JSONEq(t, ts.errBody(tc.status, tc.reason, tc.msg), string(res.body), path)
			}
		})
	}
	t.Run("bearer scheme is case-insensitive", func(t *testing.T) {
		res := ts.request(http.MethodGet, PathClouds, nil, "Authorization", "bearer "+bistro)
		assert.Equal(t, http.StatusOK, res.status)
	})
}

// tamper swaps the payload's cloud binding without re-signing.
func tamper(token string) string {
	parts := strings.Split(token, ".")
	parts[1] = strings.TrimRight(parts[1], "=") + "A"
	return strings.Join(parts, ".")
}

func TestAccessTokenExpiry(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	refresh, bistro := ts.accessToken(`{"_cloudId":123456789}`)
	_, cloudless := ts.accessToken(`{}`)
	ts.clk.Advance(time.Hour - time.Second)
	assert.Equal(t, http.StatusOK, ts.get(PathClouds, bistro).status, "valid just before exp")
	ts.clk.Advance(time.Second)
	for _, tc := range []struct{ path, token string }{
		{PathClouds, bistro}, {PathClouds, cloudless}, {PathClouds + "/123456789", bistro}, {PathClouds + "/123456789/customers", bistro},
	} {
		res := ts.get(tc.path, tc.token)
		assert.Equal(t, http.StatusForbidden, res.status, tc.path)
		assert.JSONEq(t, errorJSON(t0.Add(time.Hour), 403, ReasonAccessTokenExpired, msgAccessExpired), string(res.body), tc.path)
	}
	// What clients do on that 403: exchange the same refresh token again.
	var fresh string
	res := ts.signin(refresh, `{"_cloudId":123456789}`)
	require.Equal(t, http.StatusCreated, res.status)
	fresh = strings.TrimSuffix(strings.TrimPrefix(string(res.body), `{"accessToken":"`), `"}`)
	assert.Equal(t, http.StatusOK, ts.get(PathClouds+"/123456789", fresh).status)
}

func TestAccessTokenRevocation(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	_, token := ts.accessToken(`{"_cloudId":123456789}`)
	_, other := ts.accessToken(`{"_cloudId":123456789}`)
	jti, _ := ts.claimsOf(token)["jti"].(string)
	require.NoError(t, ts.p.RevokeAccessToken(t.Context(), jti))
	res := ts.get(PathClouds, token)
	assert.Equal(t, http.StatusUnauthorized, res.status)
	assert.JSONEq(t, ts.errBody(401, ReasonInvalidAccessToken, msgAccessRevoked), string(res.body))
	assert.Equal(t, http.StatusOK, ts.get(PathClouds, other).status)
	assert.Error(t, ts.p.RevokeAccessToken(t.Context(), ""))
}

func TestETag(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	_, token := ts.accessToken(`{"_cloudId":123456789}`)
	for _, path := range []string{PathClouds, PathClouds + "/123456789"} {
		t.Run(path, func(t *testing.T) {
			first := ts.get(path, token)
			require.Equal(t, http.StatusOK, first.status)
			tag := first.header.Get("ETag")
			require.Regexp(t, `^"[A-Za-z0-9_-]{24}"$`, tag)
			for _, inm := range []string{tag, "W/" + tag, `"other", ` + tag, "*", ` "x" ,` + tag + ` `} {
				res := ts.get(path, token, "If-None-Match", inm)
				assert.Equal(t, http.StatusNotModified, res.status, inm)
				assert.Empty(t, res.body)
				assert.Equal(t, tag, res.header.Get("ETag"))
			}
			for _, inm := range []string{`"other"`, strings.Trim(tag, `"`), `W/"x"`, ""} {
				res := ts.get(path, token, "If-None-Match", inm)
				assert.Equal(t, http.StatusOK, res.status, inm)
				assert.Equal(t, first.body, res.body)
			}
			// Authentication still comes first.
			res := ts.request(http.MethodGet, path, nil, "If-None-Match", tag)
			assert.Equal(t, http.StatusUnauthorized, res.status)
		})
	}
	t.Run("the tag follows the content", func(t *testing.T) {
		before := ts.get(PathClouds, token).header.Get("ETag")
		c, _ := ts.p.clouds.cloud(cloudBistro)
		c.Name = "Bistro Renamed"
		require.Empty(t, ts.p.PutCloud(c))
		res := ts.get(PathClouds, token, "If-None-Match", before)
		assert.Equal(t, http.StatusOK, res.status)
		assert.NotEqual(t, before, res.header.Get("ETag"))
	})
}
