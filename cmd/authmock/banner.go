package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/authmock/authmock/internal/dashboard"
	"github.com/authmock/authmock/internal/server"
	"github.com/authmock/authmock/jwtutil"
)

// printBanner tells a person where everything is and how to sign in. The
// first line is fixed ("authmock listening on URL") so that scripts can
// read the port chosen for --addr 127.0.0.1:0; the second is the
// dashboard's URL ("dashboard URL"), the first thing a person opens.
func printBanner(w io.Writer, srv *server.Server, signer jwtutil.SignerInfo) {
	fmt.Fprintf(w, "authmock listening on %s\n", srv.URL())
	fmt.Fprintf(w, "dashboard %s%s%s\n", srv.URL(), server.AdminPrefix, dashboard.Path)
	for _, p := range srv.Providers() {
		fmt.Fprintf(w, "\n%s (%s dialect)  %s\n", p.Name, p.Dialect, p.URL)
		if p.Root {
			fmt.Fprintf(w, "  served at %s/ and at %s%s, one issuer for both\n", srv.URL(), srv.URL(), p.Mount)
		}
		if p.Description == nil {
			continue
		}
		d := p.Description
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		if len(d.Endpoints) > 0 {
			fmt.Fprintln(tw, "  endpoints")
			for _, ep := range d.Endpoints {
				fmt.Fprintf(tw, "    %s\t%s\n", ep.Name, ep.URL)
			}
		}
		if len(d.Clients) > 0 {
			fmt.Fprintln(tw, "  clients")
			for _, c := range d.Clients {
				detail := "no secret"
				if c.Secret != "" {
					detail = "secret " + c.Secret
				}
				if c.Note != "" {
					detail += "  (" + c.Note + ")"
				}
				fmt.Fprintf(tw, "    %s\t%s\n", c.ID, detail)
				for _, u := range c.RedirectURIs {
					fmt.Fprintf(tw, "    \tredirect %s\n", u)
				}
			}
		}
		if len(d.Users) > 0 {
			fmt.Fprintln(tw, "  users")
			for _, u := range d.Users {
				detail := "no password"
				if u.Password != "" {
					detail = "password " + u.Password
				}
				fmt.Fprintf(tw, "    %s\t%s\n", u.Username, detail)
			}
		}
		_ = tw.Flush()
		for _, n := range d.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "health\t%s%s/health\n", srv.URL(), server.AdminPrefix)
	fmt.Fprintf(tw, "providers\t%s%s/providers\n", srv.URL(), server.AdminPrefix)
	if path := srv.TLSCertPath(); path != "" {
		fmt.Fprintf(tw, "TLS certificate\t%s (self-signed; trust it in your clients)\n", path)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "State: %s\n", srv.StoreDescription())
	fmt.Fprintf(w, "RS256 signer: %s\n", describeSigner(signer))
	fmt.Fprintln(w, "Ready. Press Ctrl-C to stop.")
}
