// Package cognitojwt verifies Cognito tokens for the local gateway, where API
// Gateway's JWT authorizer stands in the cloud (the Lambdas never verify tokens:
// they read the authorizer's claims). The JWKS is fetched, cached and refreshed
// by keyfunc/jwkset; tokens are parsed and checked by golang-jwt.
package cognitojwt

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"github.com/mpdp/platform/shared/domain"
)

// Verifier checks Cognito JWTs: RS256 signature against the pool's JWKS, issuer,
// audience (id tokens' aud or access tokens' client_id), token_use, expiry and
// not-before, as API Gateway's JWT authorizer does.
type Verifier struct {
	issuer    string
	audiences []string
	now       func() time.Time
	keys      keyfunc.Keyfunc
	// lastFetch records whether the latest JWKS request failed, so that a key
	// missing because the endpoint is down reads as unavailable, not as a forgery.
	lastFetch *fetchTracker
}

// Options tune a Verifier; the zero value is what the local gateway uses.
type Options struct {
	// Client fetches the JWKS (default: one with a timeout of fetchTimeout).
	Client *http.Client
	// Now is the clock for expiry and not-before (default time.Now).
	Now func() time.Time
	// RefreshInterval refetches the JWKS in the background (default jwksTTL).
	RefreshInterval time.Duration
	// MinRefetch is the least time between two fetches for an unknown kid
	// (default minRefetch): a flood of tokens with made-up kids costs one
	// request per MinRefetch, and never waits for the limiter.
	MinRefetch time.Duration
}

// Defaults: keys are refreshed hourly; an unknown kid refetches at most every minRefetch.
const (
	jwksTTL    = time.Hour
	minRefetch = 30 * time.Second
	// clockSkew tolerates small clock differences between Cognito and us.
	clockSkew = 30 * time.Second
	// fetchTimeout bounds one JWKS request (unless the client sets its own).
	fetchTimeout = 5 * time.Second
	// minRSABits is the smallest key we accept a signature from.
	minRSABits = 2048
)

// New returns a verifier for tokens from issuer, whose keys are served at
// jwksURL (issuer + "/.well-known/jwks.json" in the cloud; the emulator serves
// them at "<endpoint>/<poolId>/.well-known/jwks.json"). ctx ends the background
// refresh. The first fetch happens here; if it fails, New still succeeds and
// the next token with an unknown kid fetches again.
func New(ctx context.Context, issuer, jwksURL string, audiences []string, o Options) (*Verifier, error) {
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RefreshInterval == 0 {
		o.RefreshInterval = jwksTTL
	}
	if o.MinRefetch == 0 {
		o.MinRefetch = minRefetch
	}
	tracker := &fetchTracker{}
	client := *o.Client
	client.Transport = tracker.wrap(client.Transport)
	if client.Timeout == 0 {
		client.Timeout = fetchTimeout
	}
	store, err := jwkset.NewStorageFromHTTP(jwksURL, jwkset.HTTPClientStorageOptions{
		Client:                    &client,
		Ctx:                       ctx,
		HTTPTimeout:               client.Timeout,
		NoErrorReturnFirstHTTPReq: true,
		RefreshInterval:           o.RefreshInterval,
	})
	if err != nil {
		return nil, fmt.Errorf("JWKS storage for %s: %w", jwksURL, err)
	}
	remote, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs: map[string]jwkset.Storage{jwksURL: store},
		// This bounds the wait for the limiter and the refetch together. The
		// limiter refuses at once a wait longer than that, so a made-up kid
		// holds a request for at most this long, and usually not at all.
		RateLimitWaitMax:  client.Timeout,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(o.MinRefetch), 1),
	})
	if err != nil {
		return nil, fmt.Errorf("JWKS client for %s: %w", jwksURL, err)
	}
	kf, err := keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: remote, UseWhitelist: []jwkset.USE{jwkset.UseSig}})
	if err != nil {
		return nil, err
	}
	return &Verifier{issuer: issuer, audiences: audiences, now: o.Now, keys: kf, lastFetch: tracker}, nil
}

// Issuer is the issuer URL of a Cognito user pool.
func Issuer(region, poolID string) string {
	return "https://cognito-idp." + region + ".amazonaws.com/" + poolID
}

func invalid(format string, args ...any) error {
	return domain.Errorf(domain.ErrUnauthorized, "invalid token: "+format, args...)
}

// errUnavailable marks a key lookup that failed because the JWKS could not be fetched.
var errUnavailable = errors.New("the user pool's keys could not be fetched")

// VerifyBearer returns the verified claims of the bearer token in an
// Authorization header value, or an ErrUnauthorized error saying what is wrong.
func (v *Verifier) VerifyBearer(ctx context.Context, authorization string) (map[string]string, error) {
	scheme, token, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, domain.Errorf(domain.ErrUnauthorized, "send a Cognito token as 'Authorization: Bearer <token>'")
	}
	return v.Verify(ctx, strings.TrimSpace(token))
}

// Verify checks token and returns its string and number claims as strings.
func (v *Verifier) Verify(ctx context.Context, token string) (map[string]string, error) {
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(v.issuer),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(clockSkew),
		jwt.WithTimeFunc(v.now),
		jwt.WithJSONNumber(),
	)
	raw := jwt.MapClaims{}
	if _, err := parser.ParseWithClaims(token, raw, v.keyfunc(ctx)); err != nil {
		return nil, v.explain(err, raw)
	}
	return v.checkClaims(raw)
}

// keyfunc finds the token's RSA key by kid, refusing keys too short to trust.
func (v *Verifier) keyfunc(ctx context.Context) jwt.Keyfunc {
	lookup := v.keys.KeyfuncCtx(ctx)
	return func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, keyRefused("the header names no signing key (kid)")
		}
		k, err := lookup(t)
		if err != nil {
			if errors.Is(err, jwkset.ErrKeyNotFound) && v.lastFetch.failed() {
				return nil, errUnavailable
			}
			return nil, keyRefused(fmt.Sprintf("unknown signing key %q", kid))
		}
		pub, ok := k.(*rsa.PublicKey)
		if !ok || pub.N.BitLen() < minRSABits {
			return nil, keyRefused(fmt.Sprintf("signing key %q is not an RSA key of at least %d bits", kid, minRSABits))
		}
		return pub, nil
	}
}

// explain turns golang-jwt's error into one that says what is wrong.
func (v *Verifier) explain(err error, claims jwt.MapClaims) error {
	var refused keyRefused
	switch {
	case errors.Is(err, errUnavailable):
		return fmt.Errorf("%w: %v", domain.ErrUnavailable, errUnavailable)
	case errors.As(err, &refused):
		return invalid("%s", string(refused))
	case errors.Is(err, jwt.ErrTokenExpired):
		if exp, e := claims.GetExpirationTime(); e == nil && exp != nil {
			return domain.Errorf(domain.ErrUnauthorized, "the token expired at %s; sign in again", exp.UTC().Format(time.RFC3339))
		}
		return domain.Errorf(domain.ErrUnauthorized, "the token expired; sign in again")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return invalid("claim exp is missing")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return invalid("not valid yet")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		iss, _ := claims.GetIssuer()
		return invalid("issued by %q, not this platform's user pool", iss)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return invalid("signature does not verify")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return invalid("alg is not RS256")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return invalid("not a JWT")
	default:
		return invalid("%v", err)
	}
}

// checkClaims checks what golang-jwt does not know about Cognito: token_use and
// the client the token was issued to.
func (v *Verifier) checkClaims(raw jwt.MapClaims) (map[string]string, error) {
	claims := make(map[string]string, len(raw))
	for k, val := range raw {
		switch t := val.(type) {
		case string:
			claims[k] = t
		case fmt.Stringer: // json.Number
			claims[k] = t.String()
		}
	}
	var aud string
	switch claims["token_use"] {
	case "id":
		aud = claims["aud"]
	case "access":
		aud = claims["client_id"]
	default:
		return nil, invalid("token_use must be id or access")
	}
	if aud == "" || !contains(v.audiences, aud) {
		return nil, invalid("issued to client %q, not this platform's", aud)
	}
	if claims["sub"] == "" {
		return nil, invalid("no subject")
	}
	return claims, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// keyRefused says why no key verifies the token.
type keyRefused string

func (k keyRefused) Error() string { return string(k) }

// fetchTracker remembers whether the latest JWKS request failed.
type fetchTracker struct{ down atomic.Bool }

func (f *fetchTracker) failed() bool { return f.down.Load() }

func (f *fetchTracker) wrap(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		res, err := next.RoundTrip(r)
		f.down.Store(err != nil || res.StatusCode != http.StatusOK)
		return res, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
