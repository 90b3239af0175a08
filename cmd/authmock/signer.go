package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/authmock/authmock/internal/config"
	"github.com/authmock/authmock/jwtutil"
)

// useSigner puts the configured RS256 signer in use. It must run before
// the server loads keys: a key gets its signer when it is constructed. An
// explicit "openssl" that cannot load is an error; "auto" falling back to
// crypto/rsa is one notice line, since it is expected of CGO_ENABLED=0
// builds and machines without libcrypto.so.3.
func useSigner(s config.Server, logger *slog.Logger) (jwtutil.SignerInfo, error) {
	info, err := jwtutil.SelectSigner(jwtutil.Signer(s.Signer))
	if err != nil {
		return info, fmt.Errorf("server.signer %q: %w", s.Signer, err)
	}
	if info.Fallback != nil {
		logger.LogAttrs(context.Background(), slog.LevelInfo, "RS256 signs with crypto/rsa: OpenSSL is unavailable",
			slog.String("reason", info.Fallback.Error()))
	}
	return info, nil
}

// describeSigner is "openssl (OpenSSL 3.0.19 27 Jan 2026)", or for auto's
// fallback "go (crypto/rsa; OpenSSL unavailable: REASON)".
func describeSigner(info jwtutil.SignerInfo) string {
	if info.Fallback != nil {
		return fmt.Sprintf("%s (%s; OpenSSL unavailable: %v)", info.Signer, info.Detail, info.Fallback)
	}
	return info.String()
}

// printSigner writes the "signer" line of "authmock version": what the
// signer setting's environment variable (default auto) would put in use
// on this machine.
func printSigner(w io.Writer, lookup func(string) (string, bool)) {
	choice := config.Defaults().Signer
	for _, s := range config.Settings() {
		if v, ok := lookup(s.Env); ok && v != "" && s.Flag == "signer" {
			choice = v
		}
	}
	info, err := jwtutil.ProbeSigner(jwtutil.Signer(choice))
	if err != nil {
		fmt.Fprintf(w, "signer    %s: %v\n", choice, err)
		return
	}
	fmt.Fprintf(w, "signer    %s\n", describeSigner(info))
}
