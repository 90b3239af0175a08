// Package fastapi is the FastAPI-users dialect: a password-grant login at
// /auth/jwt/login that answers with a JWT (or opaque) access token and a
// refresh token, header-based refresh with single use and reuse detection,
// the Postman-style refresh, logout and a protected /users/me route.
//
// Its errors are FastAPI's, not RFC 6749's: {"detail":"LOGIN_BAD_CREDENTIALS"}
// strings and pydantic v2 validation lists with status 422. The contract is
// docs/providers/fastapi.md; it follows the UniPoll API documentation
// (seeds/003) and, where that says nothing, what fastapi-users itself does.
//
// Every token it issues is stamped by the instance's lifecycle, so that the
// admin API can revoke or expire it, and its users can be changed at
// runtime (control.go).
package fastapi
