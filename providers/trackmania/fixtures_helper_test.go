package trackmania

import (
	"time"

	"github.com/authmock/authmock/fixtures"
)

func fixturesDuration(d time.Duration) fixtures.Duration { return fixtures.Duration(d) }

func fixturesPublicClient(id string) fixtures.Client {
	return fixtures.Client{ID: id, Public: true, RedirectURIs: []string{"http://localhost:5173/cb"}}
}
