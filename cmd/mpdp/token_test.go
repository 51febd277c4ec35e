package main

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// TestTokenPrintsCurrentIDToken: mpdp token prints only the cached ID token,
// refreshes it when it is about to expire, and says how to sign in without one.
func TestTokenPrintsCurrentIDToken(t *testing.T) {
	d, fc, clock := cognitoDeps(t)
	if code, _, stderr := run(t, d, "", "token"); code != 2 || !strings.Contains(stderr, "not signed in") || !strings.Contains(stderr, "mpdp login") {
		t.Fatalf("before login: exit %d, stderr %q", code, stderr)
	}
	fc.newRequired = true
	if code, _, _ := run(t, d, "s3cret-Passw0rd\nN3w-Passw0rd!\n", "login", "--email", "dev@acme.test", "--password-stdin", "--new-password-stdin",
		"--region", "us-east-1", "--client-id", "client123"); code != 0 {
		t.Fatalf("login: exit %d", code)
	}
	code, stdout, _ := run(t, d, "", "token")
	if code != 0 || strings.Count(stdout, "\n") != 1 || claimTag(t, strings.TrimSpace(stdout)) != "new" {
		t.Fatalf("token after the first sign-in: exit %d, stdout %q", code, stdout)
	}
	clock.advance(2 * time.Hour)
	code, stdout, _ = run(t, d, "", "token")
	if code != 0 || claimTag(t, strings.TrimSpace(stdout)) != "refreshed" {
		t.Fatalf("token after it expired: exit %d, stdout %q", code, stdout)
	}
}

// claimTag reads the tag claim of a fakeJWT.
func claimTag(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	b, err := base64URL(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(b), `"tag":"`)
	tag, _, _ := strings.Cut(after, `"`)
	return tag
}

func base64URL(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
