package validate_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/authmock/authmock/internal/validate"
)

// FuzzDecode: no document panics; problems leave v untouched and are all
// found by the walk (none is encoding/json's own message, which has no
// path); a clean decode marshals back to a document that decodes cleanly.
// Seeds are in testdata/fuzz/FuzzDecode as well.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"listen":"x","providers":[{"name":"a","config":{"clients":[{"id":"web","access_token_ttl":"1h"}]}}]}`))
	f.Add([]byte(`{"secert":1,"port":-1,"count":1.5,"ratio":1e400,"timeout":"soon"}`))
	f.Add([]byte("\n\n{\"debug\": tru}"))
	f.Add([]byte(`{"labels":{"a":null},"limits":{"b":"x"},"pair":[1,2,3],"raw":[],"anything":{}}`))
	f.Add([]byte(`{}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sentinel := testConfig{Listen: "sentinel"}
		v := sentinel
		ps := validate.Decode(data, &v, "root")
		if len(ps) > 0 {
			if !reflect.DeepEqual(v, sentinel) {
				t.Fatalf("v written despite problems %v", ps)
			}
			for _, p := range ps {
				if strings.HasPrefix(p.Message, "json:") {
					t.Fatalf("problem missed by the walk: %v", p)
				}
				if p.Path != "root" && !strings.HasPrefix(p.Path, "root.") && !strings.HasPrefix(p.Path, "root[") {
					t.Fatalf("problem outside base: %v", p)
				}
			}
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal %+v: %v", v, err)
		}
		var again testConfig
		if ps := validate.Decode(out, &again, ""); len(ps) > 0 {
			t.Fatalf("re-encoded %s has problems %v", out, ps)
		}
	})
}
