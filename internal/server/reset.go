package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/authmock/authmock/internal/provider"
)

// Reset returns the server to the state it started in: every instance back
// to its configured fixtures, the store emptied, the fault queue and the
// journal cleared, and the clock as configured.
func (s *Server) Reset(ctx context.Context) error {
	s.faults.Clear("")
	var errs []error
	if err := s.backend.ResetAll(ctx); err != nil {
		errs = append(errs, fmt.Errorf("store: %w", err))
	}
	for _, in := range s.instances {
		if r, ok := provider.As[provider.Resetter](in.provider); ok {
			if err := r.Reset(ctx); err != nil {
				errs = append(errs, fmt.Errorf("provider %q: %w", in.Name, err))
			}
		}
	}
	s.clock.Reset()
	s.journal.Clear()
	return errors.Join(errs...)
}
