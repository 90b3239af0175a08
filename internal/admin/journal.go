package admin

import (
	"net/http"
	"strconv"
	"time"

	"github.com/authmock/authmock/internal/journal"
)

// listJournal answers GET /journal?provider=&path=&method=&since=&until=&after=&limit=,
// oldest first, one page at a time: "more" says entries were left out,
// and "next_after" is the after= that fetches them.
func (a *Admin) listJournal(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := journal.Filter{Provider: q.Get("provider"), Path: q.Get("path"), Method: q.Get("method")}
	var err error
	if f.Since, err = parseTime(q.Get("since"), "since"); err != nil {
		return err
	}
	if f.Until, err = parseTime(q.Get("until"), "until"); err != nil {
		return err
	}
	if s := q.Get("after"); s != "" {
		if f.After, err = strconv.ParseUint(s, 10, 64); err != nil {
			return badRequest("after must be an entry's seq, a whole number")
		}
	}
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 1 {
			return badRequest("limit must be a positive whole number")
		}
	}
	entries, more := a.Journal.Page(f, journalPageBytes)
	body := map[string]any{"size": a.Journal.Size(), "entries": entries, "more": more}
	if more {
		body["next_after"] = entries[len(entries)-1].Seq
	}
	return writeJSON(w, http.StatusOK, body)
}

// journalPageBytes bounds one journal answer (by the entries' estimated
// size): a full journal of big entries once made a 512 MB answer. The rest
// is fetched with after=next_after.
const journalPageBytes = 1 << 20

// parseTime accepts RFC 3339 or Unix seconds.
func parseTime(s, name string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, badRequest("%s must be RFC 3339 (2026-01-02T15:04:05Z) or Unix seconds", name)
}

func (a *Admin) clearJournal(w http.ResponseWriter, _ *http.Request) error {
	a.Journal.Clear()
	w.WriteHeader(http.StatusNoContent)
	return nil
}
