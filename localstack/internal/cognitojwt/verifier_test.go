package cognitojwt

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mpdp/platform/shared/domain"
)

const (
	issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
	client = "client-1"
)

type keyPair struct {
	kid string
	key *rsa.PrivateKey
}

func newKey(t testing.TB, kid string) keyPair {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return keyPair{kid: kid, key: k}
}

func (k keyPair) jwk() map[string]string {
	return map[string]string{"kty": "RSA", "kid": k.kid, "alg": "RS256", "use": "sig",
		"n": base64.RawURLEncoding.EncodeToString(k.key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.key.E)).Bytes())}
}

func (k keyPair) sign(t testing.TB, header map[string]any, claims map[string]any) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	signed := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func jwksServer(t testing.TB, fetches *atomic.Int32, keys ...keyPair) *httptest.Server {
	var set atomic.Pointer[[]keyPair]
	set.Store(&keys)
	return rotatingJWKSServer(t, fetches, &set)
}

// rotatingJWKSServer serves the keys in set at the time of each request.
func rotatingJWKSServer(t testing.TB, fetches *atomic.Int32, set *atomic.Pointer[[]keyPair]) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		jwks := []map[string]string{}
		for _, k := range *set.Load() {
			jwks = append(jwks, k.jwk())
		}
		json.NewEncoder(w).Encode(map[string]any{"keys": jwks})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newVerifier(t testing.TB, srv *httptest.Server, o Options) *Verifier {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	o.Client = srv.Client()
	v, err := New(ctx, issuer, srv.URL, []string{client}, o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerify(t *testing.T) {
	good := newKey(t, "k1")
	rogue := newKey(t, "k1") // same kid, other key: a forgery
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	short := keyPair{kid: "short", key: weak}
	var fetches atomic.Int32
	srv := jwksServer(t, &fetches, good, short)
	now := time.Unix(1_800_000_000, 0)
	v := newVerifier(t, srv, Options{Now: func() time.Time { return now }})

	hdr := map[string]any{"alg": "RS256", "kid": "k1"}
	claims := func(edit func(map[string]any)) map[string]any {
		c := map[string]any{"iss": issuer, "sub": "user-1", "aud": client, "token_use": "id",
			"email": "a@b.test", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
		if edit != nil {
			edit(c)
		}
		return c
	}
	for _, tc := range []struct {
		name  string
		token string
		ok    bool
	}{
		{"id token", good.sign(t, hdr, claims(nil)), true},
		{"access token", good.sign(t, hdr, claims(func(c map[string]any) {
			delete(c, "aud")
			c["client_id"], c["token_use"] = client, "access"
		})), true},
		{"within clock skew", good.sign(t, hdr, claims(func(c map[string]any) { c["exp"] = now.Add(-10 * time.Second).Unix() })), true},
		{"expired", good.sign(t, hdr, claims(func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() })), false},
		{"no expiry", good.sign(t, hdr, claims(func(c map[string]any) { delete(c, "exp") })), false},
		{"not yet valid", good.sign(t, hdr, claims(func(c map[string]any) { c["nbf"] = now.Add(time.Hour).Unix() })), false},
		{"other issuer", good.sign(t, hdr, claims(func(c map[string]any) { c["iss"] = issuer + "x" })), false},
		{"other audience", good.sign(t, hdr, claims(func(c map[string]any) { c["aud"] = "client-2" })), false},
		{"access token for other client", good.sign(t, hdr, claims(func(c map[string]any) {
			delete(c, "aud")
			c["client_id"], c["token_use"] = "client-2", "access"
		})), false},
		{"refresh use", good.sign(t, hdr, claims(func(c map[string]any) { c["token_use"] = "refresh" })), false},
		{"no subject", good.sign(t, hdr, claims(func(c map[string]any) { delete(c, "sub") })), false},
		{"forged signature", rogue.sign(t, hdr, claims(nil)), false},
		{"unknown key", good.sign(t, map[string]any{"alg": "RS256", "kid": "k9"}, claims(nil)), false},
		{"no kid", good.sign(t, map[string]any{"alg": "RS256"}, claims(nil)), false},
		{"key under 2048 bits", short.sign(t, map[string]any{"alg": "RS256", "kid": "short"}, claims(nil)), false},
		{"alg none", strings.Join(strings.Split(good.sign(t, map[string]any{"alg": "none", "kid": "k1"}, claims(nil)), ".")[:2], ".") + ".", false},
		{"alg HS256", good.sign(t, map[string]any{"alg": "HS256", "kid": "k1"}, claims(nil)), false},
		{"tampered claims", tamper(good.sign(t, hdr, claims(nil))), false},
		{"two parts", "a.b", false},
		{"not base64", "!!.??.**", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := v.Verify(context.Background(), tc.token)
			if tc.ok {
				if err != nil || got["sub"] != "user-1" {
					t.Fatalf("Verify: %v %v", got, err)
				}
				return
			}
			if !errors.Is(err, domain.ErrUnauthorized) {
				t.Fatalf("Verify = %v, want ErrUnauthorized", err)
			}
		})
	}
	// Keys are cached, and unknown kids do not make every request refetch.
	if n := fetches.Load(); n > 2 {
		t.Fatalf("JWKS fetched %d times", n)
	}
}

// TestUnknownKidRefetchesRateLimited: a token signed with a key the cache does
// not hold refetches the JWKS (Cognito rotated its keys), but only as often as
// the limiter allows, so tokens with made-up kids cannot make every request
// fetch; and a refused refetch fails at once instead of holding the request.
func TestUnknownKidRefetchesRateLimited(t *testing.T) {
	k1, k2, k3 := newKey(t, "k1"), newKey(t, "k2"), newKey(t, "k3")
	claims := map[string]any{"iss": issuer, "sub": "user-1", "aud": client, "token_use": "id", "exp": time.Now().Add(time.Hour).Unix()}
	token := func(k keyPair) string { return k.sign(t, map[string]any{"alg": "RS256", "kid": k.kid}, claims) }

	var fetches atomic.Int32
	var set atomic.Pointer[[]keyPair]
	set.Store(&[]keyPair{k1})
	srv := rotatingJWKSServer(t, &fetches, &set)
	v := newVerifier(t, srv, Options{MinRefetch: time.Hour})
	if n := fetches.Load(); n != 1 {
		t.Fatalf("%d fetches at start, want 1", n)
	}
	verify := func(k keyPair) error {
		_, err := v.Verify(context.Background(), token(k))
		return err
	}
	if err := verify(k1); err != nil || fetches.Load() != 1 {
		t.Fatalf("known key: %v after %d fetches", err, fetches.Load())
	}
	set.Store(&[]keyPair{k1, k2}) // Cognito rotates: k2 appears
	if err := verify(k2); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if n := fetches.Load(); n != 2 {
		t.Fatalf("%d fetches after an unknown kid, want 2", n)
	}
	set.Store(&[]keyPair{k1, k2, k3})
	start := time.Now()
	for range 5 {
		if err := verify(k3); !errors.Is(err, domain.ErrUnauthorized) {
			t.Fatalf("within the refetch interval k3 = %v, want ErrUnauthorized", err)
		}
	}
	if n := fetches.Load(); n != 2 {
		t.Fatalf("%d fetches after unknown kids within the interval, want 2", n)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("refused refetches held the requests for %v", d)
	}
	if err := verify(k1); err != nil {
		t.Fatalf("known key after refused refetches: %v", err)
	}

	// With no limit to speak of, each unknown kid refetches: the limiter is
	// what keeps the count above at 2.
	fetches.Store(0)
	free := newVerifier(t, srv, Options{MinRefetch: time.Nanosecond})
	for range 3 {
		free.Verify(context.Background(), token(newKey(t, "k9")))
	}
	if n := fetches.Load(); n != 4 {
		t.Fatalf("%d fetches for 3 unknown kids without a limit, want 1+3", n)
	}
}

func tamper(token string) string {
	parts := strings.Split(token, ".")
	c, _ := base64.RawURLEncoding.DecodeString(parts[1])
	c = []byte(strings.Replace(string(c), "user-1", "admin", 1))
	parts[1] = base64.RawURLEncoding.EncodeToString(c)
	return strings.Join(parts, ".")
}

func TestJWKSOutageIsUnavailableNotUnauthorized(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 502) }))
	defer srv.Close()
	v := newVerifier(t, srv, Options{})
	k := newKey(t, "k1")
	_, err := v.Verify(context.Background(), k.sign(t, map[string]any{"alg": "RS256", "kid": "k1"},
		map[string]any{"iss": issuer, "sub": "u", "aud": client, "token_use": "id", "exp": time.Now().Add(time.Hour).Unix()}))
	if !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

// FuzzVerify: no input panics, and nothing unsigned is accepted.
func FuzzVerify(f *testing.F) {
	k := newKey(f, "k1")
	var fetches atomic.Int32
	srv := jwksServer(f, &fetches, k)
	v := newVerifier(f, srv, Options{})
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ4In0.c2ln")
	f.Add(k.sign(f, map[string]any{"alg": "RS256", "kid": "k1"}, map[string]any{"sub": "x"}))
	f.Fuzz(func(t *testing.T, token string) {
		if _, err := v.Verify(context.Background(), token); err == nil {
			t.Fatalf("accepted %q", token)
		}
	})
}
