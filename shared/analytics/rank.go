package analytics

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
)

// MaxRanked is how many crash groups a day's rank keeps: the most frequent
// of the day. A group's counts over a range add up its days in the rank, so
// they are complete while it stays among the day's MaxRanked; the per-day
// crash items keep every group's own counts (the group's detail).
const MaxRanked = 50

// RankEntry is one crash group's counts on one day.
type RankEntry struct {
	Fingerprint string `json:"fingerprint"`
	Occurrences uint64 `json:"occurrences"`
	Users       *HLL   `json:"users"` // affected users, approximate
}

// CrashRank is the precomputed ranking of one mini program's crash groups on
// one UTC day, most frequent first: a crash list over a range reads one of
// these per day instead of every (group, day) item.
type CrashRank struct {
	MiniProgramID string      `json:"miniProgramId"`
	Day           string      `json:"day"`
	Entries       []RankEntry `json:"entries"`
}

// Key identifies the rank: "<mp>|<day>".
func (r *CrashRank) Key() string { return r.MiniProgramID + "|" + r.Day }

// Merge adds o's counts (same day) and keeps the MaxRanked most frequent.
func (r *CrashRank) Merge(o CrashRank) {
	r.Entries = mergeEntries(r.Entries, o.Entries)
	sortRanked(r.Entries, false)
	if len(r.Entries) > MaxRanked {
		r.Entries = r.Entries[:MaxRanked]
	}
}

// mergeEntries adds src's counts to dst's, by fingerprint (src is not changed).
func mergeEntries(dst, src []RankEntry) []RankEntry {
	idx := make(map[string]int, len(dst))
	for i, e := range dst {
		idx[e.Fingerprint] = i
	}
	for _, e := range src {
		i, ok := idx[e.Fingerprint]
		if !ok {
			i = len(dst)
			idx[e.Fingerprint] = i
			dst = append(dst, RankEntry{Fingerprint: e.Fingerprint, Users: NewHLL()})
		}
		dst[i].Occurrences += e.Occurrences
		dst[i].Users.Merge(e.Users)
	}
	return dst
}

// RankDeltas are the rank deltas of crash deltas: one per (mini program, day).
func RankDeltas(deltas []CrashDelta) []CrashRank {
	byKey := map[string]*CrashRank{}
	var keys []string
	for _, d := range deltas {
		k := d.MiniProgramID + "|" + d.Day
		r := byKey[k]
		if r == nil {
			r = &CrashRank{MiniProgramID: d.MiniProgramID, Day: d.Day}
			byKey[k] = r
			keys = append(keys, k)
		}
		r.Merge(CrashRank{Entries: []RankEntry{{Fingerprint: d.Fingerprint, Occurrences: d.Occurrences, Users: d.Users}}})
	}
	sort.Strings(keys)
	out := make([]CrashRank, len(keys))
	for i, k := range keys {
		out[i] = *byKey[k]
	}
	return out
}

// RankRange merges the day ranks of a range into one ranking of the groups,
// by occurrences, or by affected users when byUsers, most first, ties by
// fingerprint.
func RankRange(ranks []CrashRank, byUsers bool) []RankEntry {
	var es []RankEntry
	for _, x := range ranks {
		es = mergeEntries(es, x.Entries)
	}
	sortRanked(es, byUsers)
	return es
}

func rankKey(e RankEntry, byUsers bool) uint64 {
	if byUsers {
		return e.Users.Count()
	}
	return e.Occurrences
}

func sortRanked(es []RankEntry, byUsers bool) {
	keys := make(map[string]uint64, len(es))
	for _, e := range es {
		keys[e.Fingerprint] = rankKey(e, byUsers)
	}
	sort.Slice(es, func(i, j int) bool {
		a, b := keys[es[i].Fingerprint], keys[es[j].Fingerprint]
		if a != b {
			return a > b
		}
		return es[i].Fingerprint < es[j].Fingerprint
	})
}

// RankCursor marks where a page of a ranked crash list ended: the last
// group's sort value and fingerprint. The next page starts after it.
type RankCursor struct {
	Value       uint64 `json:"v"`
	Fingerprint string `json:"f"`
}

var cursorFingerprint = regexp.MustCompile(`^[0-9a-f]{8,64}$`)

// ErrBadRankCursor is a cursor this list did not produce.
var ErrBadRankCursor = errors.New("is not a cursor this list returned; start again without it")

// Encode is the cursor as an opaque string.
func (c RankCursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeRankCursor parses what Encode produced ("" is the first page).
func DecodeRankCursor(s string) (*RankCursor, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > 256 {
		return nil, ErrBadRankCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadRankCursor
	}
	var c RankCursor
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if dec.Decode(&c) != nil || !cursorFingerprint.MatchString(c.Fingerprint) {
		return nil, ErrBadRankCursor
	}
	return &c, nil
}

// After drops the entries up to and including the cursor's (ranked by byUsers).
func (c *RankCursor) After(es []RankEntry, byUsers bool) []RankEntry {
	if c == nil {
		return es
	}
	for i, e := range es {
		k := rankKey(e, byUsers)
		if k < c.Value || k == c.Value && e.Fingerprint > c.Fingerprint {
			return es[i:]
		}
	}
	return nil
}

// CursorAt is the cursor after e.
func CursorAt(e RankEntry, byUsers bool) RankCursor {
	return RankCursor{Value: rankKey(e, byUsers), Fingerprint: e.Fingerprint}
}
