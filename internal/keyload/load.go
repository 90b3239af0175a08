package keyload

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/jwtutil"
)

// LoadKeySet builds a key set from specs: the first spec is the active
// signing key, the others verify only until rotated in (or are next keys to
// publish). Relative file paths are resolved against baseDir. Problems are
// reported with paths such as "keys[1].file"; a caller nests them under its
// own prefix with Problems.Merge.
//
// With Shared, a "generate" key is kept in the instance's store: the first
// process to load it makes it, and every other process on that store (a
// replica on one Redis, the next start on one file) loads the same key.
func LoadKeySet(specs []fixtures.KeySpec, baseDir string, opts ...Option) (*jwtutil.KeySet, fixtures.Problems) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var ps fixtures.Problems
	if len(specs) == 0 {
		ps.Add("keys", "at least one key is required (the first one signs)")
		return nil, ps
	}
	keys := make([]*jwtutil.Key, 0, len(specs))
	kids := map[string]int{}
	for i, spec := range specs {
		at := fixtures.Index("keys", i)
		gen := jwtutil.GenerateKey
		if o.shared != nil {
			gen = func(alg jwtutil.Algorithm) (*jwtutil.Key, error) { return sharedKey(o.shared, i, alg) }
		}
		k, kps := loadKey(spec, baseDir, at, gen)
		ps = append(ps, kps...)
		if k == nil {
			continue
		}
		if j, dup := kids[k.KID()]; dup {
			ps.Add(at+".kid", "duplicate kid %q (same as %s); set a distinct \"kid\"", k.KID(), fixtures.Index("keys", j))
			continue
		}
		kids[k.KID()] = i
		if i == 0 && !k.CanSign() {
			ps.Add(at, "the first key signs tokens, so it must be a private key or a secret, not a public key")
			continue
		}
		keys = append(keys, k)
	}
	if len(ps) > 0 {
		return nil, ps
	}
	set, err := jwtutil.NewKeySet(keys[0], keys[1:]...)
	if err != nil { // every reason NewKeySet has was checked above
		ps.Add("keys", "%s", clean(err))
		return nil, ps
	}
	return set, nil
}

// CheckSpecs validates specs without touching the file system or generating
// keys, so that a configuration check can report a misnamed builtin key or
// a malformed inline PEM before anything starts. Files and generated keys
// are checked by LoadKeySet.
func CheckSpecs(specs []fixtures.KeySpec) fixtures.Problems {
	var ps fixtures.Problems
	if len(specs) == 0 {
		ps.Add("keys", "at least one key is required (the first one signs)")
	}
	for i, spec := range specs {
		if srcs := specSources(spec); len(srcs) == 1 && (srcs[0] == "file" || srcs[0] == "generate") {
			if spec.Generate && spec.Alg == "" {
				ps.Add(fixtures.Index("keys", i)+".generate", "a generated key needs \"alg\" (RS256, ES256, EdDSA or HS256)")
			}
			continue
		}
		_, kps := loadKey(spec, "", fixtures.Index("keys", i), jwtutil.GenerateKey)
		ps = append(ps, kps...)
	}
	return ps
}

// loadKey loads one spec, reporting problems under at ("keys[0]").
func loadKey(spec fixtures.KeySpec, baseDir, at string, gen func(jwtutil.Algorithm) (*jwtutil.Key, error)) (*jwtutil.Key, fixtures.Problems) {
	var ps fixtures.Problems
	alg := jwtutil.Algorithm(spec.Alg)
	switch alg {
	case "", jwtutil.RS256, jwtutil.ES256, jwtutil.EdDSA, jwtutil.HS256:
	default:
		ps.Add(at+".alg", "unsupported algorithm %q (want RS256, ES256, EdDSA or HS256)", spec.Alg)
		return nil, ps
	}
	sources := specSources(spec)
	switch len(sources) {
	case 0:
		ps.Add(at, "needs exactly one key source: builtin, file, pem, jwk, secret or generate")
		return nil, ps
	case 1:
	default:
		ps.Add(at, "has %d key sources (%s); give exactly one", len(sources), strings.Join(sources, ", "))
		return nil, ps
	}
	src := sources[0]
	k, err := fromSource(spec, src, alg, baseDir, gen)
	if err != nil {
		ps.Add(at+"."+src, "%s", clean(err))
		return nil, ps
	}
	if alg != "" && k.Alg() != alg {
		ps.Add(at+".alg", "is %s but the %s key material is %s", alg, src, k.Alg())
		return nil, ps
	}
	if spec.KID != "" {
		k = k.WithKID(spec.KID)
	}
	return k, nil
}

// specSources names the sources set in spec, in the order the schema lists
// them; the names are also the JSON keys problems point at.
func specSources(spec fixtures.KeySpec) []string {
	var out []string
	add := func(set bool, name string) {
		if set {
			out = append(out, name)
		}
	}
	add(spec.Builtin != "", "builtin")
	add(spec.File != "", "file")
	add(spec.PEM != "", "pem")
	jwk := bytes.TrimSpace(spec.JWK)
	add(len(jwk) > 0 && !bytes.Equal(jwk, []byte("null")), "jwk")
	add(spec.Secret != "", "secret")
	add(spec.Generate, "generate")
	return out
}

func fromSource(spec fixtures.KeySpec, src string, alg jwtutil.Algorithm, baseDir string, gen func(jwtutil.Algorithm) (*jwtutil.Key, error)) (*jwtutil.Key, error) {
	switch src {
	case "builtin":
		return builtinKey(spec.Builtin, alg)
	case "file":
		path := spec.File
		if !filepath.IsAbs(path) && baseDir != "" {
			path = filepath.Join(baseDir, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("cannot read key file: %w", err)
		}
		return sniff(data, alg)
	case "pem":
		return parsePEM([]byte(spec.PEM), alg)
	case "jwk":
		return jwtutil.ParseJWK(spec.JWK)
	case "secret":
		if alg != "" && alg != jwtutil.HS256 {
			return nil, fmt.Errorf("a secret is an HS256 key, but alg is %s", alg)
		}
		return jwtutil.NewHMAC([]byte(spec.Secret))
	default: // "generate"
		if alg == "" {
			return nil, fmt.Errorf("a generated key needs \"alg\" (RS256, ES256, EdDSA or HS256)")
		}
		return gen(alg)
	}
}

// builtinKeys caches the parsed demo keys by name, algorithm and RS256
// signer: their material never changes and a *jwtutil.Key is immutable and
// safe for concurrent use, so every server in a process (authmocktest
// starts one per test) can share them instead of redoing RSA's
// precomputation (or OpenSSL's import).
var builtinKeys sync.Map

func builtinKey(name string, alg jwtutil.Algorithm) (*jwtutil.Key, error) {
	cacheKey := name + "\x00" + string(alg) + "\x00" + string(jwtutil.SelectedSigner())
	if k, ok := builtinKeys.Load(cacheKey); ok {
		return k.(*jwtutil.Key), nil
	}
	material, secret, err := fixtures.BuiltinKey(name)
	if err != nil {
		return nil, err
	}
	var k *jwtutil.Key
	if secret {
		k, err = jwtutil.NewHMAC(material)
	} else {
		k, err = parsePEM(material, alg)
	}
	if err != nil {
		return nil, err
	}
	builtinKeys.Store(cacheKey, k)
	return k, nil
}

// sniff reads a key file as a JWK when it looks like a JSON object and as
// PEM when it holds a PEM header; anything else is refused rather than
// guessed (a raw secret in a file would be easy to confuse with a typo'd
// PEM).
func sniff(data []byte, alg jwtutil.Algorithm) (*jwtutil.Key, error) {
	trimmed := bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")):
		return jwtutil.ParseJWK(trimmed)
	case bytes.Contains(trimmed, []byte("-----BEGIN ")):
		return parsePEM(trimmed, alg)
	}
	return nil, fmt.Errorf("the key file is neither PEM nor a JWK (JSON object); put HS256 secrets in \"secret\"")
}

// parsePEM infers the algorithm from the material so that a mismatch with
// the declared alg is reported by loadKey, at the alg key, in one wording.
func parsePEM(data []byte, alg jwtutil.Algorithm) (*jwtutil.Key, error) {
	if alg == jwtutil.HS256 {
		return nil, fmt.Errorf("PEM holds an asymmetric key, but alg is HS256 (use \"secret\")")
	}
	return jwtutil.ParsePEM(data, "")
}

// clean drops the "jwtutil: " package prefix, which means nothing to
// someone editing a configuration file.
func clean(err error) string {
	return strings.ReplaceAll(err.Error(), "jwtutil: ", "")
}
