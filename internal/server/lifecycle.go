package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
)

// resolveBaseURL decides the public base URL before any instance is built,
// listening early when only the kernel can name the port.
func (s *Server) resolveBaseURL() (string, error) {
	if u := s.cfg.Server.IssuerURL; u != "" {
		return u, nil
	}
	scheme := "http"
	if s.cfg.Server.TLS.Enabled() {
		scheme = "https"
	}
	if s.listener == nil {
		addr := s.cfg.Server.Addr
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return "", fmt.Errorf("server: address %q: %w", addr, err)
		}
		if n, err := strconv.Atoi(port); err != nil || n != 0 {
			return scheme + "://" + urlHost(addr), nil
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return "", fmt.Errorf("server: listen on %s: %w", addr, err)
		}
		s.listener = ln
	}
	return scheme + "://" + urlHost(s.listener.Addr().String()), nil
}

// urlHost turns a listen address into a host:port clients can reach: an
// unspecified host (":8080", "0.0.0.0:8080") becomes the loopback address.
func urlHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	ip := net.ParseIP(host)
	switch {
	case host == "" || (ip != nil && ip.To4() != nil && ip.IsUnspecified()):
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified():
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}

// Start listens (unless New already did, or a Listener was given) and
// serves in the background. ctx bounds start-up only; stop the server with
// Shutdown or Close.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return errors.New("server: already closed")
	case s.started:
		return errors.New("server: already started")
	}
	if s.listener == nil {
		var lc net.ListenConfig
		ln, err := lc.Listen(ctx, "tcp", s.cfg.Server.Addr)
		if err != nil {
			return fmt.Errorf("server: listen on %s: %w", s.cfg.Server.Addr, err)
		}
		s.listener = ln
	}
	tlsCfg, err := s.tlsConfig(ctx)
	if err != nil {
		return err
	}
	s.http.TLSConfig = tlsCfg
	s.started = true
	go s.serve(tlsCfg != nil)
	s.logger.InfoContext(ctx, "listening", "url", s.baseURL, "addr", s.listener.Addr().String(), "tls", tlsCfg != nil)
	return nil
}

func (s *Server) serve(useTLS bool) {
	var err error
	if useTLS {
		// ServeTLS (rather than a tls.Listener) also enables HTTP/2.
		err = s.http.ServeTLS(s.listener, "", "")
	} else {
		err = s.http.Serve(s.listener)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
	close(s.done)
}

// Wait blocks until the server stops serving and returns why: nil after
// Shutdown or Close, else the serve error. It returns at once for a server
// that was never started.
func (s *Server) Wait() error {
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if !started {
		return nil
	}
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Shutdown stops accepting connections and waits, until ctx ends, for the
// requests in flight to finish. It is safe to call on a server that was
// never started.
func (s *Server) Shutdown(ctx context.Context) error {
	started, first := s.markClosed()
	var err error
	if started {
		err = s.http.Shutdown(ctx)
		if err == nil {
			<-s.done
		}
	}
	if first {
		s.closeResources(started)
	}
	return err
}

// InFlight is how many requests are being handled now. After a Shutdown
// that ran out of time, it is how many a Close will cut off.
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// Handled is how many requests the server has received so far.
func (s *Server) Handled() uint64 { return s.handled.Load() }

// Close stops the server at once, dropping connections in flight.
func (s *Server) Close() error {
	started, first := s.markClosed()
	var err error
	if started {
		err = s.http.Close()
		<-s.done
	}
	if first {
		s.closeResources(started)
	}
	return err
}

func (s *Server) markClosed() (started, first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	first = !s.closed
	s.closed = true
	return s.started, first
}

func (s *Server) closeResources(served bool) {
	if !served && s.listener != nil {
		_ = s.listener.Close() // Serve owns and closes it otherwise
	}
	if s.ownsBackend {
		_ = s.backend.Close()
	}
}

// tlsConfig returns the TLS configuration to serve with, or nil for plain
// HTTP.
func (s *Server) tlsConfig(ctx context.Context) (*tls.Config, error) {
	t := s.cfg.Server.TLS
	var cert tls.Certificate
	switch {
	case t.CertFile != "":
		var err error
		cert, err = tls.LoadX509KeyPair(resolve(s.cfg.BaseDir, t.CertFile), resolve(s.cfg.BaseDir, t.KeyFile))
		if err != nil {
			return nil, fmt.Errorf("server: TLS certificate: %w", err)
		}
	case t.SelfSigned:
		var (
			certPEM []byte
			err     error
		)
		cert, certPEM, err = selfSigned(s.certHosts())
		if err != nil {
			return nil, fmt.Errorf("server: self-signed certificate: %w", err)
		}
		s.certPEM = certPEM
		s.publishCert(ctx, certPEM)
	default:
		return nil, nil
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}
