package redis

import (
	"strconv"
	"strings"
	"testing"

	"github.com/authmock/authmock/internal/store"
)

// The Lua join folds at the same count as every other store.
func TestScriptsFoldAtMaxAccessStamps(t *testing.T) {
	if !strings.Contains(lib, "local MAXSTAMPS = "+strconv.Itoa(store.MaxAccessStamps)+"\n") {
		t.Fatalf("the scripts' MAXSTAMPS is not store.MaxAccessStamps (%d)", store.MaxAccessStamps)
	}
}
