package dotypos

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
)

func TestSignin(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	refresh, _ := ts.connectToken(legacyQuery(""))

	tests := []struct {
		name  string
		body  string
		cloud any // the cloudId claim, nil when absent
	}{
		{"_cloudId as a number (PHP, Java)", `{"_cloudId": 123456789}`, float64(cloudBistro)},
		{"_cloudId as a string (JS, Python)", `{"_cloudId":"123456789"}`, float64(cloudBistro)},
		{"no _cloudId: a token that can only list clouds", `{}`, nil},
		{"_cloudId null", `{"_cloudId": null}`, nil},
		{"other members are ignored", ` {"foo": [1, {"x": 2}], "_cloudId": 123456789} `, float64(cloudBistro)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := ts.signin(refresh, tc.body)
			require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
			assert.Equal(t, "application/json;charset=UTF-8", res.header.Get("Content-Type"))
			assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
			var body map[string]any
			require.NoError(t, json.Unmarshal(res.body, &body))
			require.Len(t, body, 1, "accessToken and nothing else: %s", res.body)
			access, ok := body["accessToken"].(string)
			require.True(t, ok)

			claims := ts.claimsOf(access)
			assert.Equal(t, ts.issuer, claims["iss"])
			assert.Equal(t, aliceSubject, claims["sub"])
			assert.Equal(t, float64(t0.Unix()), claims["iat"])
			assert.Equal(t, float64(t0.Add(time.Hour).Unix()), claims["exp"])
			assert.Regexp(t, `^[0-9a-f]{32}$`, claims["jti"])
			assert.Equal(t, posID, claims["clientId"])
			assert.Equal(t, tc.cloud, claims["cloudId"])
			assert.Equal(t, []any{float64(cloudBistro)}, claims["clouds"])
		})
	}

	t.Run("the refresh token is not rotated: it works again and again", func(t *testing.T) {
		for range 3 {
			assert.Equal(t, http.StatusCreated, ts.signin(refresh, `{"_cloudId": 123456789}`).status)
		}
	})
	t.Run("the scheme is case-insensitive", func(t *testing.T) {
		for _, scheme := range []string{"user", "USER", "uSeR"} {
			res := ts.request(http.MethodPost, PathSignin, strings.NewReader(`{}`), "Authorization", scheme+" "+refresh, "Content-Type", "application/json")
			assert.Equal(t, http.StatusCreated, res.status, scheme)
		}
	})
	t.Run("plain application/json", func(t *testing.T) {
		res := ts.request(http.MethodPost, PathSignin, strings.NewReader(`{}`), "Authorization", "User "+refresh, "Content-Type", "application/json")
		assert.Equal(t, http.StatusCreated, res.status)
	})
}

// violationCloudID is the violation of a _cloudId that is not a cloud id.
var violationCloudID = Violation{FieldName: "_cloudId", Message: "must be a positive 32-bit integer"}

func TestSigninErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	refresh, _ := ts.connectToken(legacyQuery(""))
	unknown := strings.Repeat("ab", 16)
	const jsonCT = "application/json"

	tests := []struct {
		name   string
		header []string
		body   string
		status int
		reason string
		msg    string
		vs     []Violation
	}{
		{"no Authorization header", []string{"Content-Type", jsonCT}, `{}`, 401, ReasonInvalidAuthHeader, "exactly one Authorization header is required", nil},
		{"Bearer instead of User", []string{"Authorization", "Bearer " + refresh, "Content-Type", jsonCT}, `{}`, 401, ReasonInvalidAuthHeader, msgUserHeader, nil},
		{"Basic", []string{"Authorization", "Basic " + refresh, "Content-Type", jsonCT}, `{}`, 401, ReasonInvalidAuthHeader, msgUserHeader, nil},
		{"scheme only", []string{"Authorization", "User", "Content-Type", jsonCT}, `{}`, 401, ReasonInvalidAuthHeader, msgUserHeader, nil},
		{"scheme and spaces", []string{"Authorization", "User   ", "Content-Type", jsonCT}, `{}`, 401, ReasonInvalidAuthHeader, msgUserHeader, nil},
		{"token with a space inside", []string{"Authorization", "User " + refresh + " x", "Content-Type", jsonCT}, `{}`, 401, ReasonInvalidAuthHeader, msgUserHeader, nil},
		{"the bare token", []string{"Authorization", refresh, "Content-Type", jsonCT}, `{}`, 401, ReasonInvalidAuthHeader, msgUserHeader, nil},
		{"two Authorization headers", []string{"Authorization", "User " + refresh, "Authorization", "User " + refresh, "Content-Type", jsonCT}, `{}`, 401, ReasonInvalidAuthHeader, "exactly one Authorization header is required", nil},
		{"unknown token", []string{"Authorization", "User " + unknown, "Content-Type", jsonCT}, `{}`, 401, ReasonInvalidRefreshToken, msgUnknownRefresh, nil},
		{"uppercase token", []string{"Authorization", "User " + strings.ToUpper(refresh), "Content-Type", jsonCT}, `{}`, 401, ReasonInvalidRefreshToken, msgUnknownRefresh, nil},
		{"token of another shape", []string{"Authorization", "User abc", "Content-Type", jsonCT}, `{}`, 401, ReasonInvalidRefreshToken, msgUnknownRefresh, nil},
		{"form data", []string{"Authorization", "User " + refresh, "Content-Type", "application/x-www-form-urlencoded"}, `_cloudId=123456789`, 400, ReasonInvalidContentType, msgNotJSON, []Violation{violationNotJSON}},
		{"multipart", []string{"Authorization", "User " + refresh, "Content-Type", "multipart/form-data; boundary=x"}, "--x--", 400, ReasonInvalidContentType, msgNotJSON, []Violation{violationNotJSON}},
		{"no content type", []string{"Authorization", "User " + refresh}, `{}`, 400, ReasonInvalidContentType, msgNotJSON, []Violation{violationNotJSON}},
		{"text/plain", []string{"Authorization", "User " + refresh, "Content-Type", "text/plain"}, `{}`, 400, ReasonInvalidContentType, msgNotJSON, []Violation{violationNotJSON}},
		{"empty body", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, ``, 400, ReasonInvalidBody, "the body must be a JSON object", []Violation{{FieldName: "body", Message: "must be a JSON object"}}},
		{"not JSON", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `_cloudId=1`, 400, ReasonInvalidBody, "the body must be a JSON object", []Violation{{FieldName: "body", Message: "must be a JSON object"}}},
		{"an array", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `[123456789]`, 400, ReasonInvalidBody, "the body must be a JSON object", []Violation{{FieldName: "body", Message: "must be a JSON object"}}},
		{"a bare number", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `123456789`, 400, ReasonInvalidBody, "the body must be a JSON object", []Violation{{FieldName: "body", Message: "must be a JSON object"}}},
		{"null", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `null`, 400, ReasonInvalidBody, "the body must be a JSON object", []Violation{{FieldName: "body", Message: "must be a JSON object"}}},
		{"two objects", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{}{}`, 400, ReasonInvalidBody, "the body must be one JSON object", []Violation{{FieldName: "body", Message: "must be one JSON object"}}},
		{"a trailing vertical tab (not JSON whitespace)", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, "{}\v", 400, ReasonInvalidBody, "the body must be one JSON object", []Violation{{FieldName: "body", Message: "must be one JSON object"}}},
		{"trailing garbage", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{} x`, 400, ReasonInvalidBody, "the body must be one JSON object", []Violation{{FieldName: "body", Message: "must be one JSON object"}}},
		{"_cloudId 0", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{"_cloudId":0}`, 400, ReasonInvalidCloudID, "_cloudId must be a positive 32-bit integer", []Violation{violationCloudID}},
		{"_cloudId negative", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{"_cloudId":-123456789}`, 400, ReasonInvalidCloudID, "_cloudId must be a positive 32-bit integer", []Violation{violationCloudID}},
		{"_cloudId fractional", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{"_cloudId":123456789.5}`, 400, ReasonInvalidCloudID, "_cloudId must be a positive 32-bit integer", []Violation{violationCloudID}},
		{"_cloudId exponent", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{"_cloudId":1.23456789e8}`, 400, ReasonInvalidCloudID, "_cloudId must be a positive 32-bit integer", []Violation{violationCloudID}},
		{"_cloudId above 2^31-1", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{"_cloudId":2147483648}`, 400, ReasonInvalidCloudID, "_cloudId must be a positive 32-bit integer", []Violation{violationCloudID}},
		{"_cloudId string with letters", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{"_cloudId":"12a"}`, 400, ReasonInvalidCloudID, "_cloudId must be a positive 32-bit integer", []Violation{violationCloudID}},
		{"_cloudId string with a leading zero", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{"_cloudId":"0123456789"}`, 400, ReasonInvalidCloudID, "_cloudId must be a positive 32-bit integer", []Violation{violationCloudID}},
		{"_cloudId empty string", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{"_cloudId":""}`, 400, ReasonInvalidCloudID, "_cloudId must be a positive 32-bit integer", []Violation{violationCloudID}},
		{"_cloudId boolean", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{"_cloudId":true}`, 400, ReasonInvalidCloudID, "_cloudId must be a positive 32-bit integer", []Violation{violationCloudID}},
		{"_cloudId object", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{"_cloudId":{"id":123456789}}`, 400, ReasonInvalidCloudID, "_cloudId must be a positive 32-bit integer", []Violation{violationCloudID}},
		{"a cloud of the user not granted to this token", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{"_cloudId":987654321}`, 403, ReasonCloudForbidden, msgCloudNotGrant, nil},
		{"another user's cloud", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{"_cloudId":555}`, 403, ReasonCloudForbidden, msgCloudNotGrant, nil},
		{"a cloud that does not exist", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{"_cloudId":"42"}`, 403, ReasonCloudForbidden, msgCloudNotGrant, nil},
		{"too large", []string{"Authorization", "User " + refresh, "Content-Type", jsonCT}, `{"x":"` + strings.Repeat("a", testMaxBody) + `"}`, 413, ReasonRequestTooLarge, "the body is too large", nil},
		// Authentication comes before the body.
		{"unknown token and form data", []string{"Authorization", "User " + unknown, "Content-Type", "application/x-www-form-urlencoded"}, `x=1`, 401, ReasonInvalidRefreshToken, msgUnknownRefresh, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := ts.request(http.MethodPost, PathSignin, strings.NewReader(tc.body), tc.header...)
			assert.Equal(t, tc.status, res.status)
			assert.JSONEq(t, ts.errBody(tc.status, tc.reason, tc.msg, tc.vs...), string(res.body))
			assert.Equal(t, "application/json;charset=UTF-8", res.header.Get("Content-Type"))
		})
	}
	// None of the rejected requests changed anything.
	assert.Equal(t, http.StatusCreated, ts.signin(refresh, `{"_cloudId":123456789}`).status)
}

func TestSigninRevocationAndExpiry(t *testing.T) {
	t.Parallel()
	t.Run("a revoked token is refused; its access tokens live until exp", func(t *testing.T) {
		ts := newTestServer(t, nil)
		refresh, access := ts.accessToken(`{"_cloudId":123456789}`)
		other, _ := ts.connectToken(legacyQuery(""))
		revoked, err := ts.p.RevokeRefreshToken(t.Context(), refresh)
		require.NoError(t, err)
		assert.True(t, revoked)
		res := ts.signin(refresh, `{}`)
		assert.Equal(t, http.StatusUnauthorized, res.status)
		assert.JSONEq(t, ts.errBody(401, ReasonInvalidRefreshToken, msgUnknownRefresh), string(res.body))
		assert.Equal(t, http.StatusOK, ts.get(PathClouds+"/123456789", access).status, "documented: issued JWTs stay valid")
		assert.Equal(t, http.StatusCreated, ts.signin(other, `{}`).status, "other tokens are untouched")
		again, err := ts.p.RevokeRefreshToken(t.Context(), refresh)
		require.NoError(t, err)
		assert.False(t, again)
		nothing, err := ts.p.RevokeRefreshToken(t.Context(), "not-a-token")
		require.NoError(t, err)
		assert.False(t, nothing)
	})
	t.Run("no expiry by default", func(t *testing.T) {
		ts := newTestServer(t, nil)
		refresh, _ := ts.connectToken(legacyQuery(""))
		ts.clk.Advance(10 * 365 * 24 * time.Hour)
		assert.Equal(t, http.StatusCreated, ts.signin(refresh, `{}`).status)
	})
	t.Run("refresh_token_ttl", func(t *testing.T) {
		ts := newTestServer(t, func(c *Config) { c.RefreshTokenTTL = durationOf(24 * time.Hour) })
		refresh, _ := ts.connectToken(legacyQuery(""))
		ts.clk.Advance(24*time.Hour - time.Second)
		assert.Equal(t, http.StatusCreated, ts.signin(refresh, `{}`).status)
		ts.clk.Advance(time.Second)
		res := ts.signin(refresh, `{}`)
		assert.Equal(t, http.StatusUnauthorized, res.status)
		assert.JSONEq(t, ts.errBody(401, ReasonInvalidRefreshToken, msgUnknownRefresh), string(res.body))
	})
	t.Run("access_token_ttl, instance and client", func(t *testing.T) {
		ts := newTestServer(t, func(c *Config) {
			c.AccessTokenTTL = durationOf(10 * time.Minute)
			c.Clients[1].AccessTokenTTL = durationOf(90 * time.Second)
		})
		_, access := ts.accessToken(`{}`)
		assert.Equal(t, float64(t0.Add(10*time.Minute).Unix()), ts.claimsOf(access)["exp"])
		q := legacyQuery("")
		q.Set("client_id", otherID)
		q.Set("client_secret", otherSecret)
		q.Set("redirect_uri", otherRedir)
		refresh, _ := ts.connectToken(q)
		var body map[string]string
		require.NoError(t, json.Unmarshal(ts.signin(refresh, `{"_cloudId":555}`).body, &body))
		assert.Equal(t, float64(t0.Add(90*time.Second).Unix()), ts.claimsOf(body["accessToken"])["exp"])
	})
	t.Run("a removed client, user or cloud", func(t *testing.T) {
		ts := newTestServer(t, nil)
		refresh, _ := ts.connectToken(legacyQuery(""))
		require.True(t, ts.p.DeleteCloud(cloudBistro))
		res := ts.signin(refresh, `{"_cloudId":123456789}`)
		assert.Equal(t, http.StatusForbidden, res.status)
		assert.JSONEq(t, ts.errBody(403, ReasonCloudForbidden, msgCloudNotGrant), string(res.body))
		assert.Equal(t, http.StatusCreated, ts.signin(refresh, `{}`).status)

		require.True(t, ts.p.dir.DeleteUser("alice"))
		assert.JSONEq(t, ts.errBody(401, ReasonInvalidRefreshToken, "the token's user no longer exists or is disabled"), string(ts.signin(refresh, `{}`).body))
		require.NoError(t, ts.p.Reset(t.Context()))
		assert.Equal(t, http.StatusCreated, ts.signin(refresh, `{"_cloudId":123456789}`).status, "reset restores the fixtures")
		require.True(t, ts.p.dir.DeleteClient(posID))
		assert.JSONEq(t, ts.errBody(401, ReasonInvalidRefreshToken, "the token's client application no longer exists"), string(ts.signin(refresh, `{}`).body))
	})
	t.Run("grant_clouds all: one token opens every cloud of the user", func(t *testing.T) {
		ts := newTestServer(t, func(c *Config) { c.GrantClouds = GrantAll })
		q := legacyQuery("")
		q.Set("cloudid", "987654321")
		refresh, cloud := ts.connectToken(q)
		assert.Equal(t, "987654321", cloud)
		for _, id := range []string{"123456789", "987654321", "2147483647"} {
			assert.Equal(t, http.StatusCreated, ts.signin(refresh, `{"_cloudId":`+id+`}`).status, id)
		}
		assert.Equal(t, http.StatusForbidden, ts.signin(refresh, `{"_cloudId":555}`).status)
	})
}

func TestUserClouds(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	assert.Len(t, ts.p.UserClouds("alice"), 3)
	require.Empty(t, ts.p.PutCloud(fixtures.Cloud{ID: 42, Name: "New"}))
	require.Empty(t, ts.p.SetUserClouds("carol", []int64{42}))
	q := legacyQuery("")
	q.Set("client_id", "carol-app")
	q.Set("client_secret", "carol-secret")
	q.Set("redirect_uri", "https://carol.example.com/cb")
	_, cloud := ts.connectToken(q)
	assert.Equal(t, "42", cloud)
	assert.Equal(t, fixtures.Problems{{Path: "username", Message: `no user named "zed"`}}, ts.p.SetUserClouds("zed", nil))
	assert.Equal(t, fixtures.Problems{{Path: "clouds[0]", Message: "no cloud with id 7"}, {Path: "clouds[2]", Message: "cloud 42 is listed twice"}},
		ts.p.SetUserClouds("carol", []int64{7, 42, 42}))
	assert.NotEmpty(t, ts.p.PutCloud(fixtures.Cloud{ID: 0}))
	assert.Len(t, ts.p.Clouds(), 5)
	require.NoError(t, ts.p.Reset(t.Context()))
	assert.Len(t, ts.p.Clouds(), 4)
	assert.Empty(t, ts.p.UserClouds("carol"))
}
