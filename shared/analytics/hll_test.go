package analytics

import (
	"fmt"
	"math"
	"testing"
)

func TestHLLErrorBound(t *testing.T) {
	for _, n := range []int{0, 1, 10, 100, 1000, 10000, 100000} {
		h := NewHLL()
		for i := 0; i < n; i++ {
			h.Add(fmt.Sprintf("user-%d", i))
			h.Add(fmt.Sprintf("user-%d", i)) // repeats do not count
		}
		got := h.Count()
		relErr := math.Abs(float64(got)-float64(n)) / math.Max(float64(n), 1)
		t.Logf("n=%d estimate=%d relative error=%.4f (σ=%.4f)", n, got, relErr, HLLStdError)
		if relErr > 3*HLLStdError {
			t.Errorf("n=%d: estimate %d, relative error %.4f > 3σ", n, got, relErr)
		}
	}
}

func TestHLLMergeEstimatesUnion(t *testing.T) {
	a, b := NewHLL(), NewHLL()
	for i := 0; i < 30000; i++ {
		a.Add(fmt.Sprintf("u%d", i))
	}
	for i := 20000; i < 50000; i++ { // 10,000 overlap
		b.Add(fmt.Sprintf("u%d", i))
	}
	u := a.Clone()
	u.Merge(b)
	got := float64(u.Count())
	if math.Abs(got-50000)/50000 > 3*HLLStdError {
		t.Fatalf("union estimate %v, want ≈ 50000", got)
	}
	if a.Count() == u.Count() {
		t.Fatal("Clone shares registers")
	}
	var zero HLL
	zero.Merge(a)
	if zero.Count() != a.Count() {
		t.Fatal("zero value merge")
	}
}

func TestHLLMarshalRoundTrip(t *testing.T) {
	for _, n := range []int{0, 5, 500, 100000} {
		h := NewHLL()
		for i := 0; i < n; i++ {
			h.Add(fmt.Sprint(i))
		}
		b, err := h.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 3074 {
			t.Errorf("n=%d: %d bytes", n, len(b))
		}
		var g HLL
		if err := g.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if g.Count() != h.Count() {
			t.Fatalf("n=%d: %d after round trip, want %d", n, g.Count(), h.Count())
		}
		j, _ := h.MarshalJSON()
		var k HLL
		if err := k.UnmarshalJSON(j); err != nil || k.Count() != h.Count() {
			t.Fatalf("json round trip: %v", err)
		}
		t.Logf("n=%d encoded in %d bytes", n, len(b))
	}
	for _, bad := range [][]byte{nil, {1}, {1, 14}, {1, 12, 0}, {2, 12, 0xff, 0xff, 1}, {2, 12, 0, 1, 60}, {9, 12}} {
		var g HLL
		if g.UnmarshalBinary(bad) == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}

func BenchmarkHLLAdd(b *testing.B) {
	h := NewHLL()
	for i := 0; i < b.N; i++ {
		h.Add("user-123456")
	}
}

// Stored sketches come back from DynamoDB: whatever the bytes, decoding never
// panics, and a sketch it accepts encodes again to registers that decode the same.
func FuzzUnmarshalBinary(f *testing.F) {
	for _, n := range []int{0, 1, 50, 5000} {
		h := NewHLL()
		for i := range n {
			h.Add(fmt.Sprintf("u%d", i))
		}
		b, _ := h.MarshalBinary()
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{hllSparse, hllP, 0xff, 0xff, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var h HLL
		if err := h.UnmarshalBinary(b); err != nil {
			return
		}
		again, err := h.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var h2 HLL
		if err := h2.UnmarshalBinary(again); err != nil {
			t.Fatalf("re-encoded sketch does not decode: %v", err)
		}
		if string(h.reg) != string(h2.reg) {
			t.Fatal("registers differ after a round trip")
		}
		if c := h.Count(); c > 1<<40 {
			t.Fatalf("count %d of a decoded sketch", c)
		}
		h.Merge(&h2)
	})
}
