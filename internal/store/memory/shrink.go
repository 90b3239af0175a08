package memory

// Go maps and slices keep their largest size after entries are deleted, so
// a namespace that once held a million tokens would hold their buckets for
// the life of the process. After each sweep, a map or heap that has fallen
// to a quarter of its peak is copied into one sized for what it holds now,
// and the old one is left to the garbage collector.

// shrinkMin is the size below which shrinking is not worth a copy.
const shrinkMin = 1024

// peaks are the largest sizes seen at sweeps since the last shrink.
type peaks struct {
	codes, principals, marks, records int
}

func (ns *namespace) shrink() {
	ns.codes = shrinkMap(ns.codes, &ns.peaks.codes)
	ns.tokens.shrink()
	ns.families.shrink()
	ns.principals = shrinkMap(ns.principals, &ns.peaks.principals)
	ns.marks = shrinkMap(ns.marks, &ns.peaks.marks)
	ns.records = shrinkMap(ns.records, &ns.peaks.records)
	ns.live = shrinkSlice(ns.live)
	ns.spent = shrinkSlice(ns.spent)
	ns.liveTokens = shrinkSlice(ns.liveTokens)
	ns.spentTokens = shrinkSlice(ns.spentTokens)
	ns.markClock.items = shrinkSlice(ns.markClock.items)
	ns.markWall.items = shrinkSlice(ns.markWall.items)
}

func shrinkMap[K comparable, V any](m map[K]V, peak *int) map[K]V {
	n := len(m)
	*peak = max(*peak, n)
	if *peak < shrinkMin || n > *peak/4 {
		return m
	}
	out := make(map[K]V, n)
	for k, v := range m {
		out[k] = v
	}
	*peak = n
	return out
}

// shrinkSlice reallocates a heap's backing array when it is mostly empty.
// Items keep their indexes, since the order does not change.
func shrinkSlice[T any](s []T) []T {
	if cap(s) < shrinkMin || len(s) > cap(s)/4 {
		return s
	}
	return append(make([]T, 0, 2*len(s)), s...)
}
