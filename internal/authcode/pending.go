package authcode

import (
	"context"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// pendingLogins are the requests login pages are answering.
var pendingLogins = store.Pending[Request]{Prefix: "pending:", TTL: 10 * time.Minute}

// savePending stores the request under a random single-use id, the only
// thing the page carries.
func (f *Flow) savePending(ctx context.Context, req *Request) (string, error) {
	id, err := f.deps.RandomToken()
	if err != nil {
		return "", err
	}
	return id, pendingLogins.Save(ctx, f.deps.Store, id, *req, f.now())
}

func (f *Flow) loadPending(ctx context.Context, id string) (*Request, error) {
	req, err := pendingLogins.Load(ctx, f.deps.Store, id)
	return &req, err
}

// takePending reports whether this call answered the pending request, so a
// double submit cannot mint two codes.
func (f *Flow) takePending(ctx context.Context, id string) bool {
	return pendingLogins.Take(ctx, f.deps.Store, id)
}
