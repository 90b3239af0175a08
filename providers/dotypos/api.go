package dotypos

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/mux"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/jwtutil"
)

// authenticate checks "Authorization: Bearer <access token>": a missing or
// malformed header or an invalid token is 401; an expired token is 403
// ACCESS_TOKEN_EXPIRED, which is what the real API answers and what clients
// re-exchange on (contract §A.5).
func (p *Provider) authenticate(r *http.Request) (*accessClaims, error) {
	token, ok := httpx.BearerToken(r)
	if !ok || len(r.Header.Values("Authorization")) != 1 {
		return nil, apiError(http.StatusUnauthorized, ReasonInvalidAuthHeader, "the Authorization header must be \"Bearer <access token>\"")
	}
	claims := &accessClaims{}
	_, err := p.keys.Verify(token, claims, jwtutil.VerifyOptions{Now: p.deps.Clock.Now, Issuer: p.deps.Issuer, Type: accessTokenType})
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, apiError(http.StatusForbidden, ReasonAccessTokenExpired, "the access token expired").WithCause(err)
	case err != nil:
		return nil, apiError(http.StatusUnauthorized, ReasonInvalidAccessToken, "the access token is invalid").WithCause(err)
	case claims.ID == "":
		return nil, apiError(http.StatusUnauthorized, ReasonInvalidAccessToken, "the access token has no jti")
	}
	// Only a token that is otherwise valid is judged: garbage keeps the
	// garbage error.
	f, ok := p.accessFacts(claims)
	if !ok {
		return nil, apiError(http.StatusUnauthorized, ReasonInvalidAccessToken, "the access token is invalid")
	}
	switch status, err := p.life.Check(r.Context(), f); {
	case err != nil:
		return nil, err
	case status == lifecycle.Revoked:
		return nil, apiError(http.StatusUnauthorized, ReasonInvalidAccessToken, "the access token has been revoked")
	case status == lifecycle.Expired:
		return nil, apiError(http.StatusForbidden, ReasonAccessTokenExpired, "the access token was expired by the admin API")
	}
	return claims, nil
}

// authenticateCloud is authenticate plus the rule that a token opens only
// its own cloud: the {cloudId} of the path must be the token's, written
// the canonical way, and the cloud must still exist. A token without a
// cloud opens none (only the list); a token whose cloud has been deleted
// may no longer use it, so it gets the same 403 as a token for another
// cloud.
func (p *Provider) authenticateCloud(r *http.Request) (*accessClaims, error) {
	claims, err := p.authenticate(r)
	if err != nil {
		return nil, err
	}
	if claims.CloudID == 0 || mux.Vars(r)["cloudId"] != strconv.FormatInt(claims.CloudID, 10) {
		return nil, apiError(http.StatusForbidden, ReasonCloudForbidden, "the access token is not for this cloud")
	}
	if !p.clouds.has(claims.CloudID) {
		return nil, apiError(http.StatusForbidden, ReasonCloudForbidden, "the access token's cloud has been deleted")
	}
	return claims, nil
}

// page is the API's paged wrapper (the paging guide; the Java client's
// ResultPage).
type page struct {
	CurrentPage      int              `json:"currentPage"`
	PerPage          int              `json:"perPage"`
	TotalItemsOnPage int              `json:"totalItemsOnPage"`
	TotalItemsCount  int              `json:"totalItemsCount"`
	FirstPage        int              `json:"firstPage"`
	LastPage         int              `json:"lastPage"`
	NextPage         *int             `json:"nextPage"`
	PrevPage         *int             `json:"prevPage"`
	Data             []fixtures.Cloud `json:"data"`
}

// Paging defaults and limits of the API's paging guide.
const (
	defaultLimit = 20
	maxLimit     = 100
)

// serveClouds is GET /v2/clouds: the clouds the token's refresh token
// grants that pass filter, ordered by sort (then id), paged. Any valid
// token works, with or without a cloud. An empty page, filtered or not, is
// a 404 with an empty body, the API's default for paged GETs (BC0,
// contract §A.7).
func (p *Provider) serveClouds(w http.ResponseWriter, r *http.Request) error {
	claims, err := p.authenticate(r)
	if err != nil {
		return err
	}
	values, err := splitQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	q, err := parseListQuery(values)
	if err != nil {
		return err
	}
	all := applyListQuery(p.clouds.byIDs(claims.Clouds), q.sort, q.filter)
	num, limit := q.page, q.limit
	start := (num - 1) * limit
	if start >= len(all) {
		w.WriteHeader(http.StatusNotFound)
		return nil
	}
	end := min(start+limit, len(all))
	last := (len(all) + limit - 1) / limit
	out := page{
		CurrentPage: num, PerPage: limit, TotalItemsOnPage: end - start, TotalItemsCount: len(all),
		FirstPage: 1, LastPage: last, Data: all[start:end],
	}
	if num < last {
		next := num + 1
		out.NextPage = &next
	}
	if num > 1 {
		prev := num - 1
		out.PrevPage = &prev
	}
	return writeTagged(w, r, out)
}

// listQuery is a cloud list request's query, validated.
type listQuery struct {
	page, limit int
	sort        []sortKey
	filter      []condition
}

// parseListQuery reads page, limit, sort and filter, reporting every
// parameter that is wrong at once as a 400 with violations.
func parseListQuery(q url.Values) (listQuery, error) {
	var vs []Violation
	num, ok := queryInt(q.Get("page"), 1, 1<<30)
	if !ok {
		vs = append(vs, Violation{FieldName: "page", Message: "must be a positive integer"})
	}
	limit, ok := queryInt(q.Get("limit"), defaultLimit, maxLimit)
	if !ok {
		vs = append(vs, Violation{FieldName: "limit", Message: fmt.Sprintf("must be an integer from 1 to %d", maxLimit)})
	}
	keys, bad := parseSort(q.Get("sort"))
	vs = append(vs, bad...)
	conds, bad := parseFilter(q.Get("filter"))
	vs = append(vs, bad...)
	if len(vs) > 0 {
		return listQuery{}, invalid(ReasonInvalidQuery, "invalid query parameters", vs...)
	}
	return listQuery{page: num, limit: limit, sort: keys, filter: conds}, nil
}

// splitQuery parses a raw query on "&" alone. url.ParseQuery drops every
// pair holding a ";" (Go 1.17), but filter joins its conditions with ";",
// and clients send it unescaped as often as escaped, which the real server
// reads as part of the value.
func splitQuery(raw string) (url.Values, error) {
	values := url.Values{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, invalid(ReasonInvalidQuery, "invalid query parameters",
				Violation{FieldName: "query", Message: fmt.Sprintf("%q is not URL-encoded correctly", pair)})
		}
		values.Add(key, value)
	}
	return values, nil
}

// queryInt parses an optional positive integer query parameter.
func queryInt(s string, def, maxValue int) (int, bool) {
	if s == "" {
		return def, true
	}
	if len(s) > 10 || s[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && n <= maxValue
}

// serveCloud is GET /v2/clouds/{cloudId}.
func (p *Provider) serveCloud(w http.ResponseWriter, r *http.Request) error {
	claims, err := p.authenticateCloud(r)
	if err != nil {
		return err
	}
	c, ok := p.clouds.cloud(claims.CloudID)
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return nil
	}
	return writeTagged(w, r, c)
}

// serveCloudSubtree answers every other path under /v2/clouds/{cloudId}/
// after the same checks, with the API's empty 404, so that a client's whole
// auth handling can run against the endpoints it really calls.
func (p *Provider) serveCloudSubtree(w http.ResponseWriter, r *http.Request) error {
	if _, err := p.authenticateCloud(r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNotFound)
	return nil
}

// writeTagged writes v as JSON with a strong ETag of the body, or a 304
// when If-None-Match matches it.
func writeTagged(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tag := entityTag(body)
	h := w.Header()
	h.Set("ETag", tag)
	h.Set("Access-Control-Expose-Headers", "ETag")
	h.Set("Cache-Control", "private, no-cache")
	if ifNoneMatch(r.Header.Values("If-None-Match"), tag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	httpx.WriteJSONBytes(w, http.StatusOK, body)
	return nil
}
