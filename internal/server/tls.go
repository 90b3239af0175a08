package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/config"
)

// CertFileName is the name of the self-signed certificate written into
// server.tls.self_signed_dir for clients to trust.
const CertFileName = "authmock-ca.pem"

// certHosts are the names the self-signed certificate is valid for: the
// loopback names, plus the issuer's and the listener's hosts.
func (s *Server) certHosts() []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if u, err := url.Parse(s.baseURL); err == nil && u.Hostname() != "" {
		hosts = append(hosts, u.Hostname())
	}
	if s.listener != nil {
		if h, _, err := net.SplitHostPort(s.listener.Addr().String()); err == nil {
			if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
				hosts = append(hosts, h)
			}
		}
	}
	slices.Sort(hosts)
	return slices.Compact(hosts)
}

// selfSigned makes an ECDSA P-256 certificate for hosts, valid for a year.
// It is its own CA, so that clients can trust exactly this one file.
// Certificates live in real time: a frozen or moved test clock must not
// make the handshake fail.
func selfSigned(hosts []string) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := clock.System{}.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"authmock"}, CommonName: "authmock local development CA"},
		NotBefore:             now.Add(-time.Hour), // tolerate small clock skew
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, certPEM, nil
}

// publishCert writes the certificate where users can point their clients
// at it, and logs where. A failure is only logged: the server still works
// for clients that skip verification or use TLSCertPEM.
func (s *Server) publishCert(ctx context.Context, certPEM []byte) {
	dir := resolve(s.cfg.BaseDir, s.cfg.Server.TLS.SelfSignedDir)
	if dir == "" {
		if cache, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(cache, "authmock")
		} else {
			dir = filepath.Join(os.TempDir(), "authmock")
		}
	}
	path := filepath.Join(dir, CertFileName)
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		err = os.WriteFile(path, certPEM, 0o644)
	}
	if err != nil {
		s.logger.WarnContext(ctx, "cannot write the self-signed certificate", "path", path, "error", err)
		return
	}
	s.certPath = path
	s.logger.InfoContext(ctx, "self-signed TLS certificate written; trust it in your clients", "path", path)
}

func resolve(baseDir, p string) string { return config.ResolvePath(baseDir, p) }
