package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
)

// peerName labels oauth2-mock-server (npm) in the report. The issue that
// asked for the OpenSSL signer compared authmock's RS256 token endpoint
// with it: it is Node, which signs with OpenSSL.
const peerName = "oauth2-mock-server"

// measurePeer starts oauth2-mock-server's CLI (bin: its node_modules/.bin
// entry) on a free loopback port and loads its token endpoint with the
// same client_credentials request. It signs RS256 with the RSA-2048 key it
// generates at start-up and accepts any client credentials.
func measurePeer(ctx context.Context, o options, procs *children, label, bin, dir string, out io.Writer) (result, error) {
	port, err := freePort()
	if err != nil {
		return result{}, err
	}
	fmt.Fprintf(out, "%-14s %-18s starting ... ", label, peerName)
	p, err := procs.start(ctx, peerName, bin, []string{"-a", "127.0.0.1", "-p", strconv.Itoa(port)})
	if err != nil {
		fmt.Fprintln(out)
		return result{}, err
	}
	defer p.stop()
	return loadOne(ctx, o, label, peerName, p, p.baseURL+"/token", dir, out)
}
