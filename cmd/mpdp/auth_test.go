package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// fakeJWT is an unsigned token with an exp claim, enough for tokenExpiry.
func fakeJWT(exp time.Time, tag string) string {
	claims := fmt.Sprintf(`{"exp":%d,"tag":%q}`, exp.Unix(), tag)
	return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(claims)) + ".sig"
}

// fakeCognito answers InitiateAuth and RespondToAuthChallenge from fields.
type fakeCognito struct {
	clock        *fakeClock
	password     string // the right password
	newRequired  bool   // USER_PASSWORD_AUTH answers NEW_PASSWORD_REQUIRED
	refreshFails bool
	calls        []string
	gotNew       string
}

func (f *fakeCognito) tokens(tag string) *ciptypes.AuthenticationResultType {
	return &ciptypes.AuthenticationResultType{IdToken: aws.String(fakeJWT(f.clock.now().Add(time.Hour), tag)),
		RefreshToken: aws.String("refresh-" + tag), ExpiresIn: 3600}
}

func (f *fakeCognito) InitiateAuth(_ context.Context, in *cip.InitiateAuthInput, _ ...func(*cip.Options)) (*cip.InitiateAuthOutput, error) {
	f.calls = append(f.calls, string(in.AuthFlow))
	switch in.AuthFlow {
	case ciptypes.AuthFlowTypeUserPasswordAuth:
		if in.AuthParameters["PASSWORD"] != f.password {
			return nil, &ciptypes.NotAuthorizedException{Message: aws.String("Incorrect username or password.")}
		}
		if f.newRequired {
			return &cip.InitiateAuthOutput{ChallengeName: ciptypes.ChallengeNameTypeNewPasswordRequired, Session: aws.String("s")}, nil
		}
		return &cip.InitiateAuthOutput{AuthenticationResult: f.tokens("login")}, nil
	case ciptypes.AuthFlowTypeRefreshTokenAuth:
		if f.refreshFails || !strings.HasPrefix(in.AuthParameters["REFRESH_TOKEN"], "refresh-") {
			return nil, &ciptypes.NotAuthorizedException{Message: aws.String("Refresh Token has expired")}
		}
		res := f.tokens("refreshed")
		res.RefreshToken = nil // Cognito keeps the refresh token
		return &cip.InitiateAuthOutput{AuthenticationResult: res}, nil
	}
	return nil, errors.New("unexpected flow")
}

func (f *fakeCognito) RespondToAuthChallenge(_ context.Context, in *cip.RespondToAuthChallengeInput, _ ...func(*cip.Options)) (*cip.RespondToAuthChallengeOutput, error) {
	f.calls = append(f.calls, string(in.ChallengeName))
	f.gotNew = in.ChallengeResponses["NEW_PASSWORD"]
	return &cip.RespondToAuthChallengeOutput{AuthenticationResult: f.tokens("new")}, nil
}

func cognitoDeps(t *testing.T) (*deps, *fakeCognito, *fakeClock) {
	d := testDeps(t, map[string]string{"MPDP_API": "https://api.test"})
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	fc := &fakeCognito{clock: clock, password: "s3cret-Passw0rd"}
	d.now, d.sleep = clock.now, clock.sleep
	d.cognito = func(profileConfig) cognitoAPI { return fc }
	return d, fc, clock
}

func TestLoginStoresTokensPrivately(t *testing.T) {
	d, _, clock := cognitoDeps(t)
	code, stdout, stderr := run(t, d, "s3cret-Passw0rd\n", "login", "--email", "dev@acme.test", "--password-stdin", "--region", "us-east-1", "--client-id", "client123")
	if code != 0 || !strings.Contains(stdout, "Signed in as dev@acme.test") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "s3cret") || strings.Contains(stdout+stderr, "refresh-") || strings.Contains(stdout+stderr, "eyJ") {
		t.Fatal("a secret was printed")
	}
	dir, _ := d.configDir()
	dir = filepath.Join(dir, "mpdp")
	for name, want := range map[string]os.FileMode{"": 0o700, credentialsName: 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", filepath.Join(dir, name), got, want)
		}
	}
	st := store{dir: dir}
	cr, ok, err := st.profileCredentials("default")
	if err != nil || !ok || !cr.ExpiresAt.Equal(clock.now().Add(time.Hour).Truncate(time.Second)) || cr.RefreshToken != "refresh-login" {
		t.Fatalf("credentials %v %v %+v", ok, err, cr.ExpiresAt)
	}
	cfg, _ := st.loadConfig()
	if p := cfg.Profiles["default"]; p != (profileConfig{API: "https://api.test", Region: "us-east-1", ClientID: "client123"}) {
		t.Fatalf("profile %+v", p)
	}
	b, _ := os.ReadFile(filepath.Join(dir, configName))
	if strings.Contains(string(b), "eyJ") || strings.Contains(string(b), "refresh") {
		t.Fatal("config.json holds a token")
	}
}

func TestLoginNewPasswordRequired(t *testing.T) {
	d, fc, _ := cognitoDeps(t)
	fc.newRequired = true
	args := []string{"login", "--email", "dev@acme.test", "--password-stdin", "--region", "us-east-1", "--client-id", "c"}
	// Without --new-password-stdin and no terminal, it says how to give one.
	code, _, stderr := run(t, d, "s3cret-Passw0rd\n", args...)
	if code != 2 || !strings.Contains(stderr, "--new-password-stdin") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, _, stderr = run(t, d, "s3cret-Passw0rd\nN3w-Passw0rd!\n", append(args, "--new-password-stdin")...)
	if code != 0 || fc.gotNew != "N3w-Passw0rd!" || strings.Contains(stderr, "N3w") {
		t.Fatalf("exit %d, new password %q: %s", code, fc.gotNew, stderr)
	}
}

func TestLoginFailures(t *testing.T) {
	d, _, _ := cognitoDeps(t)
	code, _, stderr := run(t, d, "wrong\n", "login", "--email", "dev@acme.test", "--password-stdin", "--region", "r", "--client-id", "c")
	if code != 2 || !strings.Contains(stderr, "Incorrect username or password") || strings.Contains(stderr, "wrong") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// No terminal and no --password-stdin: never block on a prompt.
	code, _, stderr = run(t, d, "", "login", "--email", "dev@acme.test", "--region", "r", "--client-id", "c")
	if code != 2 || !strings.Contains(stderr, "--password-stdin") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, _, stderr = run(t, d, "pw\n", "login", "--email", "dev@acme.test", "--password-stdin")
	if code != 2 || !strings.Contains(stderr, "--region") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

func TestLoginFromTerminal(t *testing.T) {
	d, fc, _ := cognitoDeps(t)
	fc.newRequired = true
	d.isTerminal = func(any) bool { return true }
	answers := []string{"s3cret-Passw0rd", "N3w-Passw0rd!", "N3w-Passw0rd!"}
	d.readPassword = func(any) ([]byte, error) {
		a := answers[0]
		answers = answers[1:]
		return []byte(a), nil
	}
	code, _, stderr := run(t, d, "", "login", "--email", "dev@acme.test", "--region", "r", "--client-id", "c")
	if code != 0 || fc.gotNew != "N3w-Passw0rd!" || !strings.Contains(stderr, "Password for dev@acme.test:") || !strings.Contains(stderr, "Repeat the new password:") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

func TestNeedsRefresh(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		cr   credentials
		want bool
	}{
		{"fresh", credentials{IDToken: "t", ExpiresAt: now.Add(time.Hour)}, false},
		{"61 s left", credentials{IDToken: "t", ExpiresAt: now.Add(61 * time.Second)}, false},
		{"60 s left", credentials{IDToken: "t", ExpiresAt: now.Add(60 * time.Second)}, true},
		{"10 s left", credentials{IDToken: "t", ExpiresAt: now.Add(10 * time.Second)}, true},
		{"expired", credentials{IDToken: "t", ExpiresAt: now.Add(-time.Hour)}, true},
		{"no token", credentials{ExpiresAt: now.Add(time.Hour)}, true},
	} {
		if got := needsRefresh(tc.cr, now); got != tc.want {
			t.Errorf("%s: needsRefresh = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestTokenSourceRefreshes(t *testing.T) {
	d, fc, clock := cognitoDeps(t)
	c := &cli{deps: d, opts: globalOptions{profile: "default"}}
	st, _ := c.store()
	p := profileConfig{API: "https://api.test", Region: "us-east-1", ClientID: "c"}
	st.putCredentials("default", credentials{Email: "dev@acme.test", IDToken: fakeJWT(clock.now().Add(30*time.Second), "old"),
		RefreshToken: "refresh-login", ExpiresAt: clock.now().Add(30 * time.Second)})

	tok, err := c.tokenSource(p)(context.Background())
	if err != nil || !strings.Contains(decodeClaims(tok), "refreshed") || strings.Join(fc.calls, ",") != "REFRESH_TOKEN_AUTH" {
		t.Fatalf("token %q, err %v, calls %v", decodeClaims(tok), err, fc.calls)
	}
	cr, _, _ := st.profileCredentials("default")
	if cr.IDToken != tok || cr.RefreshToken != "refresh-login" || !cr.ExpiresAt.After(clock.now().Add(59*time.Minute)) {
		t.Fatalf("saved %+v", cr.ExpiresAt)
	}
	// A fresh token is used as is.
	if _, err := c.tokenSource(p)(context.Background()); err != nil || len(fc.calls) != 1 {
		t.Fatalf("err %v, calls %v", err, fc.calls)
	}
	// A failed refresh says what to do.
	clock.advance(2 * time.Hour)
	fc.refreshFails = true
	_, err = c.tokenSource(p)(context.Background())
	if err == nil || !strings.Contains(err.Error(), "run mpdp login again") || strings.Contains(err.Error(), "refresh-login") {
		t.Fatalf("err %v", err)
	}
	// Never signed in.
	c.opts.profile = "other"
	if _, err := c.tokenSource(p)(context.Background()); err == nil || !strings.Contains(err.Error(), "run mpdp login") {
		t.Fatalf("err %v", err)
	}
}

func decodeClaims(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return ""
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	return string(b)
}

func TestCredentialsFileStaysPrivateOnRewrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mpdp")
	st := store{dir: dir}
	if err := st.putCredentials("a", credentials{IDToken: "x"}); err != nil {
		t.Fatal(err)
	}
	// Even if someone loosened it, a rewrite makes it private again.
	os.Chmod(filepath.Join(dir, credentialsName), 0o644)
	if err := st.putCredentials("b", credentials{IDToken: "y"}); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(dir, credentialsName))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
	f, _ := st.loadCredentials()
	if len(f.Profiles) != 2 {
		t.Fatalf("profiles %v", f.Profiles)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(left) != 0 {
		t.Fatalf("temp files left: %v", left)
	}
}
