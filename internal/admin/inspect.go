package admin

import (
	"errors"
	"net/http"

	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/tokenview"
)

// inspectRequest is the body of POST /providers/{name}/tokens/inspect.
type inspectRequest struct {
	Token string `json:"token"`
}

// inspectTokens decodes a JWT and says whether it verifies against the
// instance's key set, so the dashboard (or a curl user) needs no JOSE
// library: the verdict is the instance's own, key rotation included.
// Expiry is reported on the instance's clock, not the caller's.
func (a *Admin) inspectTokens(w http.ResponseWriter, r *http.Request) error {
	name := pathVar(r, "name")
	p := a.Providers(name)
	if p == nil {
		return notFound("no provider instance %q; GET /_authmock/providers lists them", name)
	}
	var req inspectRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Token == "" {
		return badRequest(`set "token"`)
	}
	v, err := tokenview.Inspect(req.Token, provider.Keys(p), a.Clock.Now)
	if errors.Is(err, tokenview.ErrNotJWT) {
		return badRequest("%v; an opaque token cannot be decoded", err)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}
