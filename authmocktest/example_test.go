package authmocktest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/authmock/authmock/authmocktest"
)

// A back-end service gets a token with golang.org/x/oauth2's client
// credentials flow from the oidc provider's demo client. In a test,
// authmocktest.New(t) does what Start and Close do here.
func Example() {
	am, err := authmocktest.Start(authmocktest.WithFrozenAt(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		panic(err)
	}
	defer am.Close()

	conf := &clientcredentials.Config{
		ClientID:     "demo-service",
		ClientSecret: "demo-service-secret",
		TokenURL:     am.ProviderURL("oidc") + "/token",
		Scopes:       []string{"api:read"},
	}
	tok, err := conf.Token(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(tok.TokenType, tok.Extra("scope"), tok.Extra("expires_in"))
	// Output: Bearer api:read 3600
}

// Queue a fault and the next token request fails exactly as the dialect
// would fail it.
func ExampleServer_QueueFault() {
	am, err := authmocktest.Start()
	if err != nil {
		panic(err)
	}
	defer am.Close()

	am.QueueFault(authmocktest.Fault{Provider: "oidc", Path: "/token", Preset: "temporarily_unavailable"})
	conf := &clientcredentials.Config{
		ClientID: "demo-service", ClientSecret: "demo-service-secret",
		TokenURL: am.ProviderURL("oidc") + "/token",
		// With auto-detection x/oauth2 would retry a failed attempt with
		// the secret in the body, and the retry would succeed.
		AuthStyle: oauth2.AuthStyleInHeader,
	}
	_, err = conf.Token(context.Background())
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		fmt.Println(re.Response.StatusCode, re.ErrorCode, re.Response.Header.Get("Retry-After"))
	}
	_, err = conf.Token(context.Background())
	fmt.Println("next call:", err)
	// Output:
	// 503 temporarily_unavailable 1
	// next call: <nil>
}
