package auth

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mpdp/platform/shared/domain"
)

// Verifier checks Cognito JWTs: RS256 signature against the pool's JWKS, issuer,
// audience (id tokens' aud or access tokens' client_id), token_use, expiry and
// not-before, as API Gateway's JWT authorizer does.
type Verifier struct {
	issuer    string
	jwksURL   string
	audiences []string
	client    *http.Client
	now       func() time.Time

	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey
	fetched time.Time
}

// NewVerifier returns a verifier for tokens from issuer, whose keys are served at
// jwksURL (issuer + "/.well-known/jwks.json" in the cloud; the emulator serves
// them at "<endpoint>/<poolId>/.well-known/jwks.json").
func NewVerifier(issuer, jwksURL string, audiences []string, client *http.Client, now func() time.Time) *Verifier {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &Verifier{issuer: issuer, jwksURL: jwksURL, audiences: audiences, client: client, now: now}
}

// Issuer is the issuer URL of a Cognito user pool.
func Issuer(region, poolID string) string {
	return "https://cognito-idp." + region + ".amazonaws.com/" + poolID
}

// clockSkew tolerates small clock differences between Cognito and us.
const clockSkew = 30 * time.Second

var errToken = domain.ErrUnauthorized

func invalid(format string, args ...any) error {
	return domain.Errorf(errToken, "invalid token: "+format, args...)
}

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// Verify checks token and returns its string claims.
func (v *Verifier) Verify(ctx context.Context, token string) (map[string]string, error) {
	h, claims, signed, sig, err := parse(token)
	if err != nil {
		return nil, err
	}
	if h.Alg != "RS256" {
		return nil, invalid("alg %q is not RS256", h.Alg)
	}
	key, err := v.key(ctx, h.Kid)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(signed))
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig) != nil {
		return nil, invalid("signature does not verify")
	}
	return v.checkClaims(claims)
}

// parse splits and decodes a compact JWS without verifying it.
func parse(token string) (h header, claims map[string]any, signed string, sig []byte, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return h, nil, "", nil, invalid("not a JWT")
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return h, nil, "", nil, invalid("not base64url")
	}
	if json.Unmarshal(hb, &h) != nil {
		return h, nil, "", nil, invalid("malformed header")
	}
	dec := json.NewDecoder(strings.NewReader(string(cb)))
	dec.UseNumber()
	if dec.Decode(&claims) != nil || claims == nil {
		return h, nil, "", nil, invalid("malformed claims")
	}
	return h, claims, parts[0] + "." + parts[1], sig, nil
}

func (v *Verifier) checkClaims(raw map[string]any) (map[string]string, error) {
	claims := make(map[string]string, len(raw))
	for k, val := range raw {
		switch t := val.(type) {
		case string:
			claims[k] = t
		case json.Number:
			claims[k] = t.String()
		}
	}
	if claims["iss"] != v.issuer {
		return nil, invalid("issued by %q, not this platform's user pool", claims["iss"])
	}
	now := v.now()
	exp, err := unixClaim(claims, "exp")
	if err != nil {
		return nil, err
	}
	if !now.Before(exp.Add(clockSkew)) {
		return nil, domain.Errorf(errToken, "the token expired at %s; sign in again", exp.UTC().Format(time.RFC3339))
	}
	if _, ok := claims["nbf"]; ok {
		nbf, err := unixClaim(claims, "nbf")
		if err != nil {
			return nil, err
		}
		if now.Add(clockSkew).Before(nbf) {
			return nil, invalid("not valid before %s", nbf.UTC().Format(time.RFC3339))
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
	if !contains(v.audiences, aud) {
		return nil, invalid("issued to client %q, not this platform's", aud)
	}
	if claims["sub"] == "" {
		return nil, invalid("no subject")
	}
	return claims, nil
}

func unixClaim(claims map[string]string, name string) (time.Time, error) {
	var n json.Number = json.Number(claims[name])
	i, err := n.Int64()
	if err != nil {
		return time.Time{}, invalid("claim %s is missing or not a number", name)
	}
	return time.Unix(i, 0), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s && s != "" {
			return true
		}
	}
	return false
}

// jwksTTL bounds how long keys are cached; an unknown kid refetches at most every minRefetch.
const (
	jwksTTL    = time.Hour
	minRefetch = 30 * time.Second
)

func (v *Verifier) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	if k, ok := v.keys[kid]; ok && now.Sub(v.fetched) < jwksTTL {
		return k, nil
	}
	if v.keys != nil && now.Sub(v.fetched) < minRefetch {
		if k, ok := v.keys[kid]; ok {
			return k, nil
		}
		return nil, invalid("unknown signing key %q", kid)
	}
	keys, err := v.fetch(ctx)
	if err != nil {
		if k, ok := v.keys[kid]; ok { // keep serving known keys while the JWKS endpoint is down
			return k, nil
		}
		return nil, fmt.Errorf("%w: fetching the user pool's keys: %v", domain.ErrUnavailable, err)
	}
	v.keys, v.fetched = keys, now
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, invalid("unknown signing key %q", kid)
}

func (v *Verifier) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.jwksURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", v.jwksURL, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return ParseJWKS(body)
}

// ParseJWKS reads the RSA keys of a JSON Web Key Set.
func ParseJWKS(body []byte) (map[string]*rsa.PublicKey, error) {
	var set struct {
		Keys []struct {
			Kty, Kid, N, E string
		} `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("malformed JWKS: %w", err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 || len(n) < 256 {
			continue // a key we cannot use safely (or under 2048 bits) is skipped
		}
		exp := int(new(big.Int).SetBytes(e).Int64())
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}
	}
	if len(keys) == 0 {
		return nil, errors.New("JWKS holds no usable RSA key")
	}
	return keys, nil
}
