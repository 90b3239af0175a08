// Package validate decodes configuration JSON strictly and reports every
// problem at once, each with its JSON path. encoding/json stops at the first
// error and names no path for an unknown field; a user editing a config file
// wants the whole list.
package validate

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/authmock/authmock/fixtures"
)

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// Decode strictly decodes data into v (a pointer). Unknown keys, values of
// the wrong JSON type and values a field's own UnmarshalJSON rejects are all
// reported, with paths starting at base. v is only written when there are no
// problems.
func Decode(data []byte, v any, base string) fixtures.Problems {
	var ps fixtures.Problems
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil
	}
	var doc any
	// Decode data itself, not trimmed, so that syntax error offsets (and so
	// line numbers) count the leading blank lines too.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		ps.Add(base, "invalid JSON: %s", describeSyntax(data, err))
		return ps
	}
	// dec.More is false for a stray '}' or ']', so look at the rest instead.
	if len(bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")) > 0 {
		ps.Add(base, "invalid JSON: unexpected data after the top-level value")
		return ps
	}
	walk(&ps, doc, reflect.TypeOf(v).Elem(), base)
	if len(ps) > 0 {
		return ps
	}
	replaceCollections(doc, reflect.ValueOf(v))
	if err := json.Unmarshal(trimmed, v); err != nil {
		// walk should have caught everything; keep the message anyway.
		ps.Add(base, "%v", err)
	}
	return ps
}

func describeSyntax(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the offending byte; a bad newline is on the line it ends.
		line := 1 + bytes.Count(data[:max(0, min(int(se.Offset)-1, len(data)))], []byte("\n"))
		return fmt.Sprintf("%v (line %d)", se, line)
	}
	return err.Error()
}

func walk(ps *fixtures.Problems, v any, t reflect.Type, path string) {
	if v == nil {
		return // null leaves the zero value, as encoding/json does
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[json.RawMessage]() || t.Kind() == reflect.Interface {
		return
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		raw, _ := json.Marshal(v)
		if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
			ps.Add(path, "%s", cleanError(err))
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			ps.Add(path, "must be an object, not %s", KindOf(v))
			return
		}
		fields := structFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				ps.Add(fixtures.JoinPath(path, k), "unknown key%s", suggest(k, fields))
				continue
			}
			walk(ps, obj[k], ft, fixtures.JoinPath(path, k))
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			ps.Add(path, "must be an object, not %s", KindOf(v))
			return
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys) // problems in a stable order
		for _, k := range keys {
			walk(ps, obj[k], t.Elem(), fixtures.JoinPath(path, k))
		}
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			ps.Add(path, "must be an array, not %s", KindOf(v))
			return
		}
		for i, elem := range arr {
			walk(ps, elem, t.Elem(), fixtures.Index(path, i))
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			ps.Add(path, "must be a string, not %s", KindOf(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			ps.Add(path, "must be true or false, not %s", KindOf(v))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			ps.Add(path, "must be an integer, not %s", KindOf(v))
			return
		}
		if !integerFits(n, t) {
			ps.Add(path, "must be an integer in range, not %s", n)
		}
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			ps.Add(path, "must be a number, not %s", KindOf(v))
			return
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			ps.Add(path, "must be a number in range, not %s", n)
		}
	}
}

// integerFits parses n as encoding/json will: a plain decimal integer (no
// fraction, no exponent) that fits t.
func integerFits(n json.Number, t reflect.Type) bool {
	zero := reflect.New(t).Elem()
	if zero.CanUint() {
		u, err := strconv.ParseUint(string(n), 10, 64)
		return err == nil && !zero.OverflowUint(u)
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	return err == nil && !zero.OverflowInt(i)
}

// replaceCollections empties every slice and map field that doc sets, so
// that decoding over pre-filled defaults replaces them. encoding/json would
// otherwise decode array elements into the default's existing elements
// (merging {"file":…} into a default {"builtin":…}) and add object keys to
// a default map.
func replaceCollections(doc any, v reflect.Value) {
	obj, ok := doc.(map[string]any)
	if !ok {
		return
	}
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			replaceCollections(doc, fv) // promoted fields share the object
			continue
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		val, present := obj[name]
		if !present {
			continue
		}
		switch fv.Kind() {
		case reflect.Slice, reflect.Map:
			fv.SetZero()
		case reflect.Struct, reflect.Pointer:
			replaceCollections(val, fv)
		}
	}
}

// structFields maps JSON names to field types, promoting embedded structs'
// fields as encoding/json does.
func structFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" && tag == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range structFields(ft) {
					if _, taken := out[k]; !taken {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// KindOf names the JSON kind of a decoded value ("an object", "null"), for
// problem messages.
func KindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return "null"
}

// suggest names the known key closest to a misspelt one.
func suggest(k string, fields map[string]reflect.Type) string {
	best, bestDist := "", 3
	for name := range fields {
		if d := distance(strings.ToLower(k), strings.ToLower(name)); d < bestDist || (d == bestDist && name < best) {
			best, bestDist = name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance, for short keys only.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func cleanError(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "json: ")
	return msg
}
