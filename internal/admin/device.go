package admin

import (
	"errors"
	"net/http"

	"github.com/authmock/authmock/internal/provider"
)

func (a *Admin) approveDevice(w http.ResponseWriter, r *http.Request) error {
	return a.decideDevice(w, r, true)
}

func (a *Admin) denyDevice(w http.ResponseWriter, r *http.Request) error {
	return a.decideDevice(w, r, false)
}

// decideDevice approves or denies a pending device authorization (RFC
// 8628) by its user code, so that CI completes a device flow without a
// browser.
func (a *Admin) decideDevice(w http.ResponseWriter, r *http.Request, approve bool) error {
	dd, err := instance[provider.DeviceDecider](a, r, "decide device authorizations")
	if err != nil {
		return err
	}
	var d provider.DeviceDecision
	if approve {
		if err := decode(r, &d); err != nil {
			return err
		}
		if d.Username == "" {
			return badRequest(`set "username": the user who approves`)
		}
	} else if err := decode(r, &struct{}{}); err != nil {
		return err
	}
	d.Approve = approve
	res, err := dd.DecideDevice(r.Context(), pathVar(r, "user_code"), d)
	switch {
	case errors.Is(err, provider.ErrUnknownUserCode):
		return notFound("%v (a user code is forgotten once it expires)", err)
	case errors.Is(err, provider.ErrAlreadyDecided):
		return &apiError{status: http.StatusConflict, code: "conflict", description: err.Error()}
	case errors.Is(err, provider.ErrInvalidDecision):
		return badRequest("%v", err)
	case err != nil:
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}
