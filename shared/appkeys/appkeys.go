// Package appkeys signs and checks the runtime API's requests. Host apps (the
// super app on iOS and Android) call the runtime API with an app key: a key id
// and a secret that the tenant's admins create for the app and that is shown
// once. Each request carries four headers:
//
//	X-Mpdp-Key:       the key id
//	X-Mpdp-Timestamp: the time of the request in Unix seconds
//	X-Mpdp-Nonce:     a random string of 16 to 64 characters [A-Za-z0-9_-], new for every request
//	X-Mpdp-Signature: hex(HMAC-SHA256(secret, canonical))
//
// where the HMAC key is the secret's bytes as shown at creation and canonical
// is these six lines joined by "\n" (no trailing newline):
//
//	METHOD             upper case, like GET
//	PATH               the path as sent, percent-encoded, like /v1/runtime/miniprograms/mp_1/release
//	QUERY              the query's parameters, each name and value percent-encoded per RFC 3986
//	                   (space as %20, only A-Z a-z 0-9 - . _ ~ unescaped, upper-case hex), sorted
//	                   by encoded name, then encoded value (byte order), joined as name=value
//	                   with "&"; empty when there is no query
//	BODY HASH          hex(SHA-256(body)); the hash of the empty string for no body
//	TIMESTAMP          the X-Mpdp-Timestamp value
//	NONCE              the X-Mpdp-Nonce value
//
// The platform refuses (401) a request whose timestamp is more than five
// minutes from its clock either way, whose nonce the same key used within that
// window, whose key is unknown or revoked, whose key belongs to another app
// than ?app= names, or whose signature does not match.
package appkeys

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mpdp/platform/shared/lazyre"
)

// The request headers of the scheme.
const (
	HeaderKey       = "X-Mpdp-Key"
	HeaderTimestamp = "X-Mpdp-Timestamp"
	HeaderNonce     = "X-Mpdp-Nonce"
	HeaderSignature = "X-Mpdp-Signature"
)

// Window is how far a request's timestamp may be from the server's clock, either
// way; nonces are remembered for twice as long, which covers the whole window.
const Window = 5 * time.Minute

// SecretPrefix starts every secret, so that a leaked one is recognizable.
const SecretPrefix = "mpsk_"

// NewSecret returns a new random secret (256 bits).
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// BodyHash is hex(SHA-256(body)).
func BodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// CanonicalQuery sorts a raw query's parameters by name, then value, and
// encodes each per RFC 3986. A query that does not parse is an error.
func CanonicalQuery(rawQuery string) (string, error) {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", fmt.Errorf("the query string is malformed: %w", err)
	}
	type pair struct{ name, value string }
	pairs := make([]pair, 0, len(values))
	for name, vs := range values {
		for _, v := range vs {
			pairs = append(pairs, pair{escape(name), escape(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].name != pairs[j].name {
			return pairs[i].name < pairs[j].name
		}
		return pairs[i].value < pairs[j].value
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.name + "=" + p.value
	}
	return strings.Join(out, "&"), nil
}

// escape percent-encodes everything but RFC 3986's unreserved characters.
func escape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// Canonical is the string a request's signature covers.
func Canonical(method, path, rawQuery string, body []byte, timestamp, nonce string) (string, error) {
	q, err := CanonicalQuery(rawQuery)
	if err != nil {
		return "", err
	}
	return strings.Join([]string{strings.ToUpper(method), path, q, BodyHash(body), timestamp, nonce}, "\n"), nil
}

// Sign returns hex(HMAC-SHA256(secret, canonical)) for a request.
func Sign(secret, method, path, rawQuery string, body []byte, timestamp, nonce string) (string, error) {
	c, err := Canonical(method, path, rawQuery, body, timestamp, nonce)
	if err != nil {
		return "", err
	}
	return mac(secret, c), nil
}

func mac(secret, canonical string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(canonical))
	return hex.EncodeToString(m.Sum(nil))
}

// SignRequest sets the scheme's headers on r, whose body is body; clients (and
// the tests) use it.
func SignRequest(r *http.Request, keyID, secret string, body []byte, at time.Time, nonce string) error {
	ts := strconv.FormatInt(at.Unix(), 10)
	sig, err := Sign(secret, r.Method, r.URL.EscapedPath(), r.URL.RawQuery, body, ts, nonce)
	if err != nil {
		return err
	}
	r.Header.Set(HeaderKey, keyID)
	r.Header.Set(HeaderTimestamp, ts)
	r.Header.Set(HeaderNonce, nonce)
	r.Header.Set(HeaderSignature, sig)
	return nil
}

// NewNonce returns a random nonce.
func NewNonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Headers are a request's signature headers, parsed.
type Headers struct {
	KeyID     string
	Timestamp string
	Time      time.Time
	Nonce     string
	Signature []byte
}

// Error is why a request's signature is refused; its message is the detail the
// caller sees with the 401.
type Error struct{ Detail string }

func (e *Error) Error() string { return e.Detail }

func refuse(format string, args ...any) *Error { return &Error{Detail: fmt.Sprintf(format, args...)} }

var (
	keyIDPattern = lazyre.New(`^key_[0-9a-z]{1,64}$`)
	noncePattern = lazyre.New(`^[A-Za-z0-9_-]{16,64}$`)
	tsPattern    = lazyre.New(`^[0-9]{1,12}$`)
	sigPattern   = lazyre.New(`^[0-9a-fA-F]{64}$`)
)

// ParseHeaders reads and checks the signature headers' presence and format, and
// that the timestamp is within Window of now, both ways. It does no lookups.
func ParseHeaders(h http.Header, now time.Time) (Headers, error) {
	var out Headers
	var missing []string
	get := func(name string) string {
		vs := h.Values(name)
		if len(vs) == 0 || vs[0] == "" {
			missing = append(missing, name)
			return ""
		}
		return vs[0]
	}
	out.KeyID, out.Timestamp, out.Nonce = get(HeaderKey), get(HeaderTimestamp), get(HeaderNonce)
	sig := get(HeaderSignature)
	if len(missing) > 0 {
		return out, refuse("the request is not signed with an app key: missing %s (see the runtime API's signing scheme)", strings.Join(missing, ", "))
	}
	for name, vs := range map[string][]string{HeaderKey: h.Values(HeaderKey), HeaderTimestamp: h.Values(HeaderTimestamp),
		HeaderNonce: h.Values(HeaderNonce), HeaderSignature: h.Values(HeaderSignature)} {
		if len(vs) > 1 {
			return out, refuse("%s is sent more than once", name)
		}
	}
	if !keyIDPattern.MatchString(out.KeyID) {
		return out, refuse("%s is not an app key id", HeaderKey)
	}
	if !noncePattern.MatchString(out.Nonce) {
		return out, refuse("%s must be 16 to 64 characters of A-Z, a-z, 0-9, '-' and '_'", HeaderNonce)
	}
	if !sigPattern.MatchString(sig) {
		return out, refuse("%s must be the HMAC-SHA256 signature as 64 hex digits", HeaderSignature)
	}
	out.Signature, _ = hex.DecodeString(sig)
	if !tsPattern.MatchString(out.Timestamp) {
		return out, refuse("%s must be the request time in Unix seconds", HeaderTimestamp)
	}
	secs, _ := strconv.ParseInt(out.Timestamp, 10, 64)
	out.Time = time.Unix(secs, 0)
	if d := now.Sub(out.Time); d > Window || d < -Window {
		return out, refuse("the request timestamp %s is %s from the server's clock; it must be within %s (check the device's clock)",
			out.Timestamp, d.Abs().Truncate(time.Second), Window)
	}
	return out, nil
}

// Matches reports whether the signature in h is secret's over the request.
func (h Headers) Matches(secret, method, path, rawQuery string, body []byte) (bool, error) {
	c, err := Canonical(method, path, rawQuery, body, h.Timestamp, h.Nonce)
	if err != nil {
		return false, err
	}
	want, _ := hex.DecodeString(mac(secret, c))
	return hmac.Equal(want, h.Signature), nil
}
