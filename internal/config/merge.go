package config

import (
	"bytes"
	"encoding/json"
)

// mergePatch applies patch to target with RFC 7396 JSON Merge Patch
// semantics: objects merge key by key, null deletes a key, and anything
// else (arrays included) replaces the target wholesale. Neither argument is
// modified.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, _ := target.(map[string]any)
	out := make(map[string]any, len(t)+len(p))
	for k, v := range t {
		out[k] = v
	}
	for k, v := range p {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = mergePatch(out[k], v)
	}
	return out
}

// decodeAny decodes JSON keeping numbers as written (json.Number), so that
// a merged document re-encodes without float rounding.
func decodeAny(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
