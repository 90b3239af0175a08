package httpx

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Form errors, distinguished so each dialect can render them its own way.
var (
	// ErrNotForm means the body is not application/x-www-form-urlencoded.
	ErrNotForm = errors.New("the request body must be application/x-www-form-urlencoded")
	// ErrBodyTooLarge means the body exceeded the server's limit.
	ErrBodyTooLarge = errors.New("the request body is too large")
	// ErrMalformedForm means the body is not valid form encoding.
	ErrMalformedForm = errors.New("the request body is not valid form encoding")
)

// DuplicateParamError names a parameter sent more than once (RFC 6749 §3.1:
// "parameters MUST NOT be included more than once").
type DuplicateParamError struct{ Name string }

func (e *DuplicateParamError) Error() string {
	return fmt.Sprintf("parameter %q was sent more than once", e.Name)
}

// IsMediaType reports whether the request's Content-Type is want, ignoring
// case and parameters such as charset.
func IsMediaType(r *http.Request, want string) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return false
	}
	if strings.EqualFold(ct, want) {
		return true // the common case, without ParseMediaType's map
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && strings.EqualFold(mt, want)
}

// ReadForm reads the form-encoded body of r, and only the body: parameters
// in the query string are not mixed in, because credentials and grants must
// travel in the body (RFC 6749 §3.2, §2.3.1). The body is limited by the
// outer MaxBytes middleware or by limit, whichever is smaller.
func ReadForm(r *http.Request, limit int64) (url.Values, error) {
	if !IsMediaType(r, "application/x-www-form-urlencoded") {
		return nil, ErrNotForm
	}
	body, err := ReadBody(r, limit)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedForm, err)
	}
	return form, nil
}

// ReadBody reads at most limit bytes of r's body; more gives ErrBodyTooLarge.
// The bytes returned are the caller's to read, not to change: they may be
// a copy a WholeBody keeps too.
func ReadBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if wb, ok := r.Body.(WholeBody); ok {
		if body, ok := wb.TakeWhole(); ok {
			if int64(len(body)) > limit {
				return nil, ErrBodyTooLarge
			}
			return body, nil
		}
	}
	body, err := ReadAtMost(r.Body, limit+1, r.ContentLength)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, ErrBodyTooLarge
	case err != nil:
		return nil, fmt.Errorf("reading request body: %w", err)
	case int64(len(body)) > limit:
		return nil, ErrBodyTooLarge
	}
	return body, nil
}

// WholeBody is a request body that may already hold all of itself in
// memory (the journal reads the start of every body before the handler):
// TakeWhole returns all of it, unread so far and read to its end without
// error, and counts it as read; ok is false when it does not hold it all,
// and the body is then read as any other.
type WholeBody interface {
	io.ReadCloser
	TakeWhole() (body []byte, ok bool)
}

// maxSizeHint bounds the first buffer ReadAtMost allocates on a size the
// client declared, so that a Content-Length alone reserves no more.
const maxSizeHint = 64 << 10

// ReadAtMost is io.ReadAll(io.LimitReader(rd, n)), but its first buffer
// holds hint bytes (a request's ContentLength; -1 if unknown) and one more,
// so that the last Read sees EOF without the buffer growing. io.ReadAll
// starts at 512 bytes, ten times a typical token request, twice per
// request (the journal's copy and the handler's), and the journal keeps
// its buffer.
func ReadAtMost(rd io.Reader, n, hint int64) ([]byte, error) {
	size := int64(512)
	if hint >= 0 && hint < maxSizeHint {
		size = hint + 1
	}
	size = min(size, n)
	buf := make([]byte, 0, size)
	lr := io.LimitedReader{R: rd, N: n}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // let append pick the growth
		}
		m, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return buf, err
		}
	}
}

// RejectDuplicates returns a *DuplicateParamError naming the alphabetically
// first parameter of form that has more than one value, so the error does
// not depend on map order.
func RejectDuplicates(form url.Values) error {
	first := ""
	for name, values := range form {
		// Map order is random; report the alphabetically first duplicate so
		// identical requests get identical errors.
		if len(values) > 1 && (first == "" || name < first) {
			first = name
		}
	}
	if first != "" {
		return &DuplicateParamError{Name: first}
	}
	return nil
}

// BearerToken returns the token of an "Authorization: Bearer <token>" header
// (RFC 6750 §2.1; the scheme is case-insensitive).
func BearerToken(r *http.Request) (token string, ok bool) {
	return AuthScheme(r, "Bearer")
}

// AuthScheme returns the credentials of an Authorization header that uses
// scheme, compared case-insensitively. A request with several
// Authorization headers has none that counts: which one wins would be
// arbitrary.
func AuthScheme(r *http.Request, scheme string) (credentials string, ok bool) {
	vs := r.Header.Values("Authorization")
	if len(vs) != 1 {
		return "", false
	}
	h := vs[0]
	s, rest, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(s, scheme) {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	return rest, rest != ""
}
