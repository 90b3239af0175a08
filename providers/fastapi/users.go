package fastapi

import "github.com/authmock/authmock/fixtures"

// Claims of fixtures.User that hold fastapi-users' flags.
const (
	claimVerified  = "is_verified"
	claimSuperuser = "is_superuser"
)

// account is a fixtures.User as fastapi-users' UserRead schema shows it
// (GET /users/me), members in the schema's order.
type account struct {
	ID          string `json:"id"`
	Email       string `json:"email"`
	IsActive    bool   `json:"is_active"`
	IsSuperuser bool   `json:"is_superuser"`
	IsVerified  bool   `json:"is_verified"`
}

func accountOf(u fixtures.User) account {
	return account{
		ID:          u.SubjectOrUsername(),
		Email:       u.Username,
		IsActive:    !u.Disabled,
		IsSuperuser: flag(u, claimSuperuser),
		IsVerified:  flag(u, claimVerified),
	}
}

// flag reads a boolean flag; absent means false, as fastapi-users' model
// defaults is_verified and is_superuser.
func flag(u fixtures.User, name string) bool {
	v, _ := u.Claims[name].(bool)
	return v
}
