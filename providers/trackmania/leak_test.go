package trackmania

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestNoLeaks runs good and bad requests through every endpoint and checks
// that no response reveals internals or a credential it was not asked
// for, and that the log holds no secret, password, code or token.
func TestNoLeaks(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	ts := newTestServerWithLogger(t, nil, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	secrets := []string{webSecret, svcSecret, limitedSecret, alicePassword, bobPassword}
	internals := []string{".go:", "panic", "goroutine", "store:", "jwtutil", "golang-jwt"}
	form := "application/x-www-form-urlencoded"

	code := ts.code(nil)
	tok := ts.tokens(ts.redeem(code, nil), true)
	ts.redeem(code, nil) // replay
	ts.refresh(tok.RefreshToken)
	ts.refresh(tok.RefreshToken) // reuse
	credentials := []string{code, tok.AccessToken, tok.RefreshToken}

	bad := []response{
		ts.request(http.MethodGet, PathAuthorize, "client_id=web&client_secret="+url.QueryEscape(webSecret), "", "", ""),
		ts.request(http.MethodGet, PathAuthorize, "client_id=web&x=%zz&password="+url.QueryEscape(alicePassword), "", "", ""),
		ts.request(http.MethodPost, PathToken, "", "", form, "grant_type=client_credentials&client_id=web&client_secret="+url.QueryEscape(svcSecret)),
		ts.request(http.MethodPost, PathToken, "", "", form, "grant_type=authorization_code&client_id=web&client_secret="+url.QueryEscape(webSecret)+"&code=%00%ff&redirect_uri=x"),
		ts.request(http.MethodPost, PathToken, "", "", form, "grant_type=refresh_token&client_id=web&client_secret="+url.QueryEscape(webSecret)+"&refresh_token="+strings.Repeat("A", 5000)),
		ts.request(http.MethodPost, PathToken, "", "", "application/json", `{"client_secret":"`+webSecret+`"}`),
		ts.request(http.MethodPost, PathAuthorizeDecision, "", "", form, "request_id=nope&action=allow&username=alice&password="+url.QueryEscape(alicePassword)),
		ts.api(PathUser, "", "eyJhbGciOiJub25lIn0.eyJ9.%%%"),
		ts.api(PathUser, "", strings.Repeat("x", maxTokenLen+1)),
		ts.api(PathDisplayNames, "accountId[]=%zz", tok.AccessToken),
		ts.request(http.MethodPost, PathFavoriteAdd, "", tok.AccessToken, "application/json", `{"uid":`),
	}
	for i, resp := range bad {
		body := resp.String()
		assert.GreaterOrEqual(t, resp.status, 400, "request %d", i)
		for _, s := range append(secrets, internals...) {
			assert.NotContains(t, body, s, "request %d: %s", i, body)
		}
	}
	logged := logs.String()
	for _, s := range append(secrets, credentials...) {
		assert.NotContains(t, logged, s)
	}
}
