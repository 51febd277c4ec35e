package analytics

import (
	"strings"
	"testing"
)

const v8Stack = `TypeError: Cannot read properties of undefined (reading 'price')
    at Page.onLoad (https://cdn.example.com/build/3f9a1c2b77/pages/cart/index.3f9a1c.js:120:17)
    at async Object.loadItems [as load] (https://cdn.example.com/build/3f9a1c2b77/utils/api.js:44:9)
    at https://cdn.example.com/build/3f9a1c2b77/app.js?v=12#x:7:3
    at Function.<anonymous> (WAService.js:1:2345)
    at new Promise (<anonymous>)`

func TestFingerprintStableAcrossBuilds(t *testing.T) {
	base := Fingerprint(v8Stack)
	same := []string{
		// line and column numbers change
		strings.NewReplacer(":120:17", ":131:5", ":44:9", ":50:1", ":7:3", ":8:1").Replace(v8Stack),
		// another build: different content hash, build id, host, query
		strings.NewReplacer("3f9a1c2b77", "9e8d7c6b55", "index.3f9a1c.js", "index.b71e44.js", "cdn.example.com", "127.0.0.1:9974", "?v=12#x", "?v=13").Replace(v8Stack),
		// a different message, framework frame at another position
		strings.Replace(v8Stack, "reading 'price'", "reading 'qty'", 1) + "\n    at WAService.js:2:1",
		// JavaScriptCore format of the same call path
		"onLoad@https://cdn.example.com/build/abcdef0123/pages/cart/index.js:118:20\nloadItems@https://cdn.example.com/build/abcdef0123/utils/api.js:40:2\n@https://cdn.example.com/build/abcdef0123/app.e0f1a2.js:7:1\nforEach@[native code]",
		// windows line endings and extra indentation
		strings.ReplaceAll(v8Stack, "\n", "\r\n\t"),
	}
	for i, s := range same {
		if got := Fingerprint(s); got != base {
			t.Errorf("variant %d: %s != %s\n%s\nvs\n%s", i, got, base, NormalizeStack(s), NormalizeStack(v8Stack))
		}
	}
	if len(base) != 32 {
		t.Errorf("fingerprint %q", base)
	}
	different := []string{
		strings.Replace(v8Stack, "Page.onLoad", "Page.onShow", 1),
		strings.Replace(v8Stack, "pages/cart/index", "pages/order/index", 1),
		strings.Replace(v8Stack, "    at Page.onLoad (https://cdn.example.com/build/3f9a1c2b77/pages/cart/index.3f9a1c.js:120:17)\n", "", 1),
	}
	for i, s := range different {
		if Fingerprint(s) == base {
			t.Errorf("different call path %d has the same fingerprint", i)
		}
	}
}

func TestParseStackNormalisation(t *testing.T) {
	tests := []struct{ line, fn, file string }{
		{"at Page.onLoad (https://h/x/pages/a/a.js:1:2)", "onLoad", "pages/a/a.js"},
		{"at https://h/app.abc123.js:1:2", "", "app.js"},
		{"at async Foo.bar [as baz] (file:///var/mobile/Containers/Data/1B2C3D4E-1111-2222-3333-444455556666/x/y.js:9)", "bar", "Data/x/y.js"},
		{"at <anonymous>:1:1", "", ""},
		{"at new Widget (w.js:1:1)", "Widget", "w.js"},
		{"at fn0x7fff1234 (w.js:1:1)", "fn", "w.js"},
		{"handler@https://h/pages/a/a.js:3:4", "handler", "pages/a/a.js"},
		{"@https://h/vendor-1a2b3c4d.js:1:1", "", "vendor.js"},
		{"global code@https://h/app.js:1:1", "", "app.js"},
		{"eval code@", "", ""},
		{"TypeError: boom", "-", "-"},
	}
	for _, tt := range tests {
		fr := ParseStack(tt.line)
		if tt.fn == "-" {
			if len(fr) != 0 {
				t.Errorf("%q parsed as %v", tt.line, fr)
			}
			continue
		}
		if len(fr) != 1 || fr[0].Function != tt.fn || fr[0].File != tt.file {
			t.Errorf("%q → %+v, want %q %q", tt.line, fr, tt.fn, tt.file)
		}
	}
}

func TestFingerprintTopFramesAndFallback(t *testing.T) {
	var lines []string
	for _, f := range []string{"a", "b", "c", "d", "e", "f"} {
		lines = append(lines, "at "+f+" (x.js:1:1)")
	}
	if Fingerprint(strings.Join(lines, "\n")) != Fingerprint(strings.Join(lines[:5], "\n")+"\nat z (y.js:1:1)") {
		t.Error("frames below the top 5 changed the fingerprint")
	}
	// framework-only stacks still group by their framework frames
	if Fingerprint("at a (WAService.js:1:1)") == Fingerprint("at b (WAService.js:1:1)") {
		t.Error("framework-only stacks collapse")
	}
	// no frames: the normalised message decides
	c1 := Crash{Message: `Cannot find item "A17" with id 0x1f3e at 12`}
	c2 := Crash{Message: `Cannot find item "B99" with id 0xffff at 3`, Stack: "no frames here"}
	if CrashFingerprint(c1) != CrashFingerprint(c2) {
		t.Error("message fallback not normalised")
	}
	if CrashFingerprint(c1) == CrashFingerprint(Crash{Message: "other"}) {
		t.Error("fallback collapses different messages")
	}
}

func TestNormalizeMessage(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Cannot read 'price' of undefined`, `Cannot read <str> of undefined`},
		{"order 12345 failed after 3.5s", "order <n> failed after <n>.<n>s"},
		{"ptr 0xdeadBEEF freed", "ptr <hex> freed"},
		{"id 550e8400-e29b-41d4-a716-446655440000 missing", "id <id> missing"},
		{"token a1b2c3d4e5 expired;  item3 ok", "token <id> expired; item3 ok"},
		{"  x\n\ty  ", "x y"},
	}
	for _, tt := range tests {
		if got := NormalizeMessage(tt.in); got != tt.want {
			t.Errorf("%q → %q, want %q", tt.in, got, tt.want)
		}
	}
	if n := NormalizeMessage(strings.Repeat("é", 1000)); len(n) > MaxNormalizedMessage {
		t.Errorf("%d bytes", len(n))
	}
}

func FuzzFingerprint(f *testing.F) {
	f.Add(v8Stack)
	f.Add("a@b:1:2\n@\nat (x)\nat 0x0xa1 (app.1.abcdef1.2:3)")
	f.Add("Error 'x' 12 0xff")
	f.Fuzz(func(t *testing.T, stack string) {
		fp := Fingerprint(stack)
		if len(fp) != 32 {
			t.Fatalf("fingerprint %q", fp)
		}
		n := NormalizeStack(stack)
		if n != "" {
			if NormalizeStack(n) != n {
				t.Fatalf("NormalizeStack not idempotent:\n%q\n%q", n, NormalizeStack(n))
			}
			if Fingerprint(n) != fp {
				t.Fatalf("Fingerprint(NormalizeStack(s)) != Fingerprint(s) for %q", n)
			}
		}
		m := NormalizeMessage(stack)
		if NormalizeMessage(m) != m {
			t.Fatalf("NormalizeMessage not idempotent: %q → %q", m, NormalizeMessage(m))
		}
	})
}
