package store

import "time"

// JoinStamps is what every store does when access stamps join a family:
// the stamps expired at now are dropped, add is appended, and beyond
// MaxAccessStamps whole stamps the oldest are folded into counts by expiry
// (stamps with Seq 0), which come first. have is a family's stamps as
// JoinStamps last returned them; it may be reused.
func JoinStamps(have, add []AccessStamp, now time.Time) []AccessStamp {
	live := func(a AccessStamp) bool { return a.Exp == 0 || now.Unix() < a.Exp }
	var folded, whole []AccessStamp
	for _, a := range have {
		switch {
		case !live(a):
		case a.Seq == 0:
			folded = append(folded, a)
		default:
			whole = append(whole, a)
		}
	}
	whole = append(whole, add...)
	if extra := len(whole) - MaxAccessStamps; extra > 0 {
		for _, a := range whole[:extra] {
			// Expiries grow with issuance, so the counts stay sorted.
			if n := len(folded); n > 0 && folded[n-1].Exp == a.Exp {
				folded[n-1].Count++
			} else {
				folded = append(folded, AccessStamp{Exp: a.Exp, Count: 1})
			}
		}
		whole = whole[extra:]
	}
	return append(folded, whole...)
}
