package analytics

import (
	"fmt"
	"testing"
)

func entry(fp string, n uint64, users ...string) RankEntry {
	h := NewHLL()
	for _, u := range users {
		h.Add(u)
	}
	return RankEntry{Fingerprint: fp, Occurrences: n, Users: h}
}

func TestCrashRankKeepsTheMostFrequent(t *testing.T) {
	var r CrashRank
	for round := range 2 {
		var es []RankEntry
		for i := range MaxRanked + 10 {
			es = append(es, entry(fmt.Sprintf("%08x", i), uint64(i+1), fmt.Sprintf("u%d-%d", round, i)))
		}
		r.Merge(CrashRank{Entries: es})
	}
	if len(r.Entries) != MaxRanked || r.Entries[0].Fingerprint != fmt.Sprintf("%08x", MaxRanked+9) ||
		r.Entries[0].Occurrences != 2*(MaxRanked+10) || r.Entries[0].Users.Count() != 2 {
		t.Fatalf("rank %+v", r.Entries[0])
	}
	if last := r.Entries[MaxRanked-1]; last.Occurrences != 2*11 {
		t.Errorf("least kept %+v", last)
	}
}

func TestRankRangeAndCursor(t *testing.T) {
	days := []CrashRank{
		{Day: "2025-03-01", Entries: []RankEntry{entry("aaaaaaaa", 5, "u1"), entry("bbbbbbbb", 3, "u1", "u2", "u3")}},
		{Day: "2025-03-02", Entries: []RankEntry{entry("bbbbbbbb", 4, "u4"), entry("cccccccc", 5, "u1")}},
	}
	tests := []struct {
		byUsers bool
		want    []string
	}{
		{false, []string{"bbbbbbbb", "aaaaaaaa", "cccccccc"}}, // 7, 5, 5 (tie by fingerprint)
		{true, []string{"bbbbbbbb", "aaaaaaaa", "cccccccc"}},  // 4, 1, 1
	}
	for _, tt := range tests {
		ranked := RankRange(days, tt.byUsers)
		var got []string
		var cur *RankCursor
		for page := 0; page < 5; page++ {
			rest := cur.After(ranked, tt.byUsers)
			if len(rest) == 0 {
				break
			}
			got = append(got, rest[0].Fingerprint)
			c := CursorAt(rest[0], tt.byUsers)
			var err error
			if cur, err = DecodeRankCursor(c.Encode()); err != nil {
				t.Fatal(err)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("byUsers=%v: pages %v, want %v", tt.byUsers, got, tt.want)
		}
	}
	if days[0].Entries[0].Occurrences != 5 {
		t.Error("RankRange changed its input")
	}
}

func TestDecodeRankCursorRefusesForgeries(t *testing.T) {
	for _, c := range []string{"!!", "e30", RankCursor{Fingerprint: "../x"}.Encode(), "eyJ2IjoxLCJmIjoiYWFhYWFhYWEiLCJ4IjoxfQ"} {
		if _, err := DecodeRankCursor(c); err == nil {
			t.Errorf("%q accepted", c)
		}
	}
}

func FuzzDecodeRankCursor(f *testing.F) {
	f.Add(RankCursor{Value: 3, Fingerprint: "aaaaaaaa"}.Encode())
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeRankCursor(s)
		if err != nil || c == nil {
			return
		}
		again, err := DecodeRankCursor(c.Encode())
		if err != nil || *again != *c {
			t.Fatalf("round trip of %q: %v %v", s, again, err)
		}
	})
}
