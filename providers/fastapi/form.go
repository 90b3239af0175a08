package fastapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/authmock/authmock/internal/httpx"
)

// form is a request body's fields as FastAPI sees them: Starlette keeps
// every value but Form parameters read the last one.
type form map[string]string

// readForm reads r's body the way Starlette's Request.form() does, which is
// what FastAPI's Form parameters (OAuth2PasswordRequestForm) read:
//   - application/x-www-form-urlencoded is parsed leniently, as
//     python-multipart's QuerystringParser does: a malformed escape is kept
//     as written, never an error;
//   - multipart/form-data fields are read too (file parts are not strings
//     and are left out); a malformed multipart body is a 400;
//   - any other body (JSON, none) is an empty form, so every required field
//     is reported missing with 422, as FastAPI does.
//
// A body over limit is a 413 whatever its type.
func readForm(r *http.Request, limit int64) (form, error) {
	body, err := httpx.ReadBody(r, limit)
	if errors.Is(err, httpx.ErrBodyTooLarge) {
		return nil, httpError(http.StatusRequestEntityTooLarge, detailBodyTooLarge).WithCause(err)
	}
	if err != nil {
		return nil, err
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return form{}, nil
	}
	switch strings.ToLower(mt) {
	case "application/x-www-form-urlencoded":
		return parseURLEncoded(body), nil
	case "multipart/form-data":
		f, err := parseMultipart(body, params["boundary"])
		if err != nil {
			return nil, httpError(http.StatusBadRequest, detailBodyParseError).WithCause(err)
		}
		return f, nil
	}
	return form{}, nil
}

// parseURLEncoded splits on "&", or on ";" where no "&" follows (a quirk
// of python-multipart that Starlette inherits), skips empty fields, and
// decodes names and values as unquote_plus does.
func parseURLEncoded(body []byte) form {
	f := form{}
	for len(body) > 0 {
		end := bytes.IndexByte(body, '&')
		if end < 0 {
			end = bytes.IndexByte(body, ';')
		}
		if end < 0 {
			end = len(body)
		}
		field := body[:end]
		if end < len(body) {
			body = body[end+1:]
		} else {
			body = nil
		}
		if len(field) == 0 {
			continue
		}
		name, value, _ := bytes.Cut(field, []byte("="))
		f[unquotePlus(name)] = unquotePlus(value)
	}
	return f
}

// unquotePlus decodes "+" as a space and %XX escapes; an incomplete or
// non-hex escape stays as written, as Python's urllib.parse.unquote_plus
// leaves it.
func unquotePlus(s []byte) string {
	if bytes.IndexByte(s, '%') < 0 && bytes.IndexByte(s, '+') < 0 {
		return string(s)
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			out = append(out, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// parseMultipart reads the non-file parts of a multipart/form-data body.
func parseMultipart(body []byte, boundary string) (form, error) {
	if boundary == "" {
		return nil, errors.New("multipart body without a boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	f := form{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return nil, err
		}
		value, err := io.ReadAll(part)
		if err != nil {
			return nil, err
		}
		if part.FormName() == "" || part.FileName() != "" {
			continue
		}
		f[part.FormName()] = string(value)
	}
}

// field returns a Form parameter's value as FastAPI hands it over: an empty
// string counts as absent (fastapi/dependencies/utils.py,
// _get_multidict_value).
func (f form) field(name string) (string, bool) {
	v, ok := f[name]
	if !ok || v == "" {
		return "", false
	}
	return v, true
}
