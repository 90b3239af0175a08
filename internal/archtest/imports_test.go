package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/authmock/authmock"

// imports maps each package directory (relative to the module root) to the
// module-internal packages its non-test files import.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "the module root is two levels up")
	out := map[string][]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		dir = filepath.ToSlash(dir)
		for _, spec := range f.Imports {
			p, _ := strconv.Unquote(spec.Path.Value)
			if rest, ok := strings.CutPrefix(p, module+"/"); ok {
				out[dir] = append(out[dir], rest)
			}
		}
		if _, ok := out[dir]; !ok {
			out[dir] = nil
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

func TestImportRules(t *testing.T) {
	pkgs := imports(t)
	require.Contains(t, pkgs, "providers/oidc", "the walk found the packages")
	for dir, deps := range pkgs {
		for _, dep := range deps {
			switch {
			case strings.HasPrefix(dir, "providers/") && dir != "providers/builtin":
				assert.False(t, strings.HasPrefix(dep, "providers/"), "%s imports %s: providers never import each other or builtin", dir, dep)
				assert.NotContains(t, []string{"internal/server", "internal/config", "authmocktest"}, dep, "%s imports %s", dir, dep)
				assert.False(t, strings.HasPrefix(dep, "cmd/"), "%s imports %s", dir, dep)
			case strings.HasPrefix(dir, "internal/"):
				assert.False(t, strings.HasPrefix(dep, "providers/"), "%s imports %s: the machinery receives dialects as data", dir, dep)
			case dir == "jwtutil" || dir == "fixtures":
				assert.Fail(t, "leaf package imports the module", "%s imports %s: jwtutil and fixtures import nothing from this module", dir, dep)
			}
		}
	}
}
