package server

import (
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/tokenview"
)

// inspectToken decodes a JWT the journal saw in an exchange with the
// instance called name and checks it against that instance's keys, on the
// server's clock. A path no instance serves gets no verdict (no_keys).
func (s *Server) inspectToken(name, token string) (tokenview.View, error) {
	var p provider.Provider
	if in := s.find(name); in != nil {
		p = in.provider
	}
	return tokenview.Inspect(token, provider.Keys(p), s.clock.Now)
}
