package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/validate"
)

// fakeFactory builds fakeProviders: the smallest dialect that shows where
// it is mounted, which issuer it was given and how bodies are limited.
type fakeFactory struct{}

type fakeConfig struct {
	Greeting string `json:"greeting"`
}

func (fakeFactory) Dialect() string { return "fake" }

func (fakeFactory) ParseConfig(raw json.RawMessage) (provider.Config, fixtures.Problems) {
	cfg := fakeConfig{Greeting: "hello"}
	if ps := validate.Decode(raw, &cfg, ""); len(ps) > 0 {
		return nil, ps
	}
	return cfg, nil
}

func (fakeFactory) New(deps provider.Deps, cfg provider.Config) (provider.Provider, error) {
	c, ok := cfg.(fakeConfig)
	if !ok {
		return nil, errors.New("wrong config type")
	}
	if c.Greeting == "fail" {
		return nil, errors.New("asked to fail")
	}
	return &fakeProvider{deps: deps, cfg: c, release: make(chan struct{}), entered: make(chan struct{}, 1)}, nil
}

type fakeProvider struct {
	deps    provider.Deps
	cfg     fakeConfig
	entered chan struct{} // a /slow request has arrived
	release chan struct{} // lets /slow requests finish
}

func (p *fakeProvider) Mount(r *mux.Router) {
	r.HandleFunc("/hello", func(w http.ResponseWriter, req *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{
			"greeting": p.cfg.Greeting, "issuer": p.deps.Issuer, "path": req.URL.Path,
		})
	}).Methods(http.MethodGet)
	r.HandleFunc("/echo", func(w http.ResponseWriter, req *http.Request) {
		body, err := httpx.ReadBody(req, p.deps.MaxBody)
		if errors.Is(err, httpx.ErrBodyTooLarge) {
			httpx.WriteJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "too_large"})
			return
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]int{"bytes": len(body)})
	}).Methods(http.MethodPost)
	r.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, req *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"issuer": p.deps.Issuer, "path": req.URL.Path})
	}).Methods(http.MethodGet)
	// /store fails as every dialect handler does when a store call fails:
	// an ERROR line and a 500.
	r.HandleFunc("/store", func(w http.ResponseWriter, req *http.Request) {
		if _, err := p.deps.Store.ReadLiveness(req.Context(), []string{"a:x"}, nil, nil); err != nil {
			p.deps.Logger.ErrorContext(req.Context(), "request failed", "error", err)
			httpx.WriteJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
			return
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]bool{"revoked": false})
	}).Methods(http.MethodPost)
	r.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	r.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) {
		p.entered <- struct{}{}
		<-p.release
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"slow": "done"})
	})
}

func (p *fakeProvider) Describe() provider.Description {
	return provider.Description{
		Dialect:   "fake",
		Endpoints: []provider.Endpoint{{Name: "hello", URL: p.deps.Issuer + "/hello"}},
		Users:     []provider.DescribedUser{{Username: "alice", Password: "pw"}},
	}
}

var (
	_ provider.Provider  = (*fakeProvider)(nil)
	_ provider.Describer = (*fakeProvider)(nil)
)
