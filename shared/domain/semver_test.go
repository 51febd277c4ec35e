package domain

import (
	"strings"
	"testing"
)

func TestSemverOrder(t *testing.T) {
	// semver.org's precedence example, in order.
	ordered := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0"}
	for i := range ordered {
		for j := range ordered {
			a, _ := ParseSemver(ordered[i])
			b, _ := ParseSemver(ordered[j])
			want := sign(i - j)
			if got := a.Compare(b); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", a, b, got, want)
			}
			if got := sign(strings.Compare(a.Key(), b.Key())); got != want {
				t.Errorf("Key order of %s, %s = %d, want %d", a, b, got, want)
			}
		}
	}
	for _, bad := range []string{"", "1", "1.2", "01.2.3", "1.2.3-", "1.2.3+build", "v1.2.3", "1.2.3-01", "1.2.3.4", "1.2.3-a..b"} {
		if _, err := ParseSemver(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// FuzzSemverKey: the sort key orders exactly as semver precedence does.
func FuzzSemverKey(f *testing.F) {
	f.Add("1.0.0-alpha-1", "1.0.0-alpha.1")
	f.Add("1.0.0", "1.0.0-rc.1")
	f.Add("0.0.1-a", "0.0.1-a-")
	f.Fuzz(func(t *testing.T, x, y string) {
		a, err1 := ParseSemver(x)
		b, err2 := ParseSemver(y)
		if err1 != nil || err2 != nil {
			return
		}
		if a.String() != x {
			t.Fatalf("%q round-trips to %q", x, a.String())
		}
		if got, want := sign(strings.Compare(a.Key(), b.Key())), a.Compare(b); got != want {
			t.Fatalf("%s vs %s: key order %d, precedence %d", x, y, got, want)
		}
	})
}
