package lazyre

import (
	"regexp"
	"testing"
)

// A lazy expression answers as the compiled one does, and compiles only when first used.
func TestLazyMatchesCompiled(t *testing.T) {
	const expr = `^(a+)-(\d+)$`
	lazy, eager := New(expr), regexp.MustCompile(expr)
	for _, s := range []string{"aa-12", "b-1", "", "a-"} {
		if lazy.MatchString(s) != eager.MatchString(s) {
			t.Errorf("MatchString(%q) differs", s)
		}
		if got, want := lazy.FindStringSubmatch(s), eager.FindStringSubmatch(s); len(got) != len(want) {
			t.Errorf("FindStringSubmatch(%q) = %q, want %q", s, got, want)
		}
		if got, want := lazy.ReplaceAllString(s, "x"), eager.ReplaceAllString(s, "x"); got != want {
			t.Errorf("ReplaceAllString(%q) = %q, want %q", s, got, want)
		}
	}
	if lazy.Regexp() != lazy.Regexp() {
		t.Error("compiled more than once")
	}
}

// A bad expression panics at its first use, not when declared.
func TestBadExpressionPanicsOnUse(t *testing.T) {
	r := New(`(`)
	defer func() {
		if recover() == nil {
			t.Error("no panic on first use of a bad expression")
		}
	}()
	r.MatchString("x")
}
