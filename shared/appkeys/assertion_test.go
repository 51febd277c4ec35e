package appkeys

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestAssertions(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	const secret = "mpsk_assertion-secret"
	a := Assertion{KeyID: "key_1", App: "app_1", User: "user-7", Expires: now.Add(5 * time.Minute)}
	good := SignAssertion(secret, a)
	p, err := ParseAssertion(good)
	if err != nil || p.Assertion != (Assertion{KeyID: "key_1", App: "app_1", User: "user-7", Expires: a.Expires.UTC()}) {
		t.Fatalf("parse %q: %+v %v", good, p, err)
	}
	if err := p.Verify(secret, now); err != nil {
		t.Fatalf("verify: %v", err)
	}
	parts := strings.Split(good, ".")
	// Another user's claims under the good assertion's signature.
	tampered := strings.Split(SignAssertion(secret, Assertion{KeyID: "key_1", App: "app_1", User: "user-8", Expires: a.Expires}), ".")
	tampered[2] = parts[2]
	for name, tc := range map[string]struct {
		token, secret string
		at            time.Time
		want          string
	}{
		"other secret":      {good, "mpsk_other", now, "signature does not match"},
		"tampered payload":  {strings.Join(tampered, "."), secret, now, "signature does not match"},
		"expired":           {good, secret, a.Expires, "expired"},
		"replay after exp":  {good, secret, a.Expires.Add(time.Hour), "expired"},
		"lives too long":    {SignAssertion(secret, Assertion{KeyID: "key_1", App: "app_1", User: "u", Expires: now.Add(11 * time.Minute)}), secret, now, "at most 10m0s"},
		"no prefix":         {strings.TrimPrefix(good, "mua1."), secret, now, "must be mua1."},
		"other version":     {"mua2" + strings.TrimPrefix(good, "mua1"), secret, now, "must be mua1."},
		"not base64":        {"mua1.***." + parts[2], secret, now, "base64url"},
		"not json":          {"mua1.bm90IGpzb24." + parts[2], secret, now, "JSON"},
		"missing sub":       {"mua1.eyJraWQiOiJrIiwiYXBwIjoiYSIsImV4cCI6MX0." + parts[2], secret, now, "JSON"},
		"huge":              {"mua1." + strings.Repeat("A", 2000) + ".x", secret, now, "longer than"},
		"empty signature":   {parts[0] + "." + parts[1] + ".", secret, now, "signature does not match"},
		"ten minutes is ok": {SignAssertion(secret, Assertion{KeyID: "k", App: "a", User: "u", Expires: now.Add(10 * time.Minute)}), secret, now, ""},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := ParseAssertion(tc.token)
			if err == nil {
				err = p.Verify(tc.secret, tc.at)
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want a refusal saying %q", err, tc.want)
			}
		})
	}
}

// FuzzParseAssertion: any input parses or is refused with a readable reason,
// never a panic, and what parses has every claim.
func FuzzParseAssertion(f *testing.F) {
	f.Add(SignAssertion("s", Assertion{KeyID: "key_1", App: "app_1", User: "u", Expires: time.Unix(2e9, 0)}))
	f.Add("mua1..")
	f.Add("mua1.e30.")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		p, err := ParseAssertion(token)
		if err != nil {
			if _, ok := err.(*Error); !ok || !utf8.ValidString(err.Error()) {
				t.Fatalf("refusal %T %q", err, err)
			}
			return
		}
		if p.KeyID == "" || p.App == "" || p.User == "" || p.Expires.Unix() <= 0 {
			t.Fatalf("parsed without claims: %+v", p)
		}
		if err := p.Verify("s", time.Unix(0, 0)); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("verify error %T", err)
			}
		}
	})
}
