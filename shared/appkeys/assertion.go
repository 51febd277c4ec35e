package appkeys

// User assertions. A host app's user id, sent as ?user=, is only a claim: the
// app's request key ships inside the app binary, so anyone who extracts it can
// sign requests for any user. Where it matters who the user is (builds for the
// tester whitelist), the host app's back end vouches for the user with a
// short-lived assertion signed by an assertion key: a key of the same app
// whose secret stays on that back end and never ships in the app.
//
// An assertion is three dot-separated parts:
//
//	mua1.<payload>.<signature>
//
// payload is base64url (no padding) of the JSON object
// {"kid": assertion key id, "app": app id, "sub": user id, "exp": Unix seconds},
// and signature is base64url (no padding) of HMAC-SHA256(secret, "mua1." + payload),
// the HMAC key being the assertion key's secret as shown at creation. The
// platform accepts an assertion until exp, and only if exp is at most
// MaxAssertionLifetime (plus AssertionSkew) ahead of its clock.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// AssertionPrefix starts every user assertion (and names its format version).
const AssertionPrefix = "mua1"

// MaxAssertionLifetime is the longest an assertion may be valid for.
const MaxAssertionLifetime = 10 * time.Minute

// AssertionSkew is how far the back end's clock may be ahead of the platform's.
const AssertionSkew = 30 * time.Second

// maxAssertionLen bounds what is parsed (a user id is at most 128 characters).
const maxAssertionLen = 1024

// Assertion is what a host app's back end asserts: user of app, until Expires,
// signed with assertion key KeyID.
type Assertion struct {
	KeyID   string
	App     string
	User    string
	Expires time.Time
}

type assertionPayload struct {
	KeyID string `json:"kid"`
	App   string `json:"app"`
	User  string `json:"sub"`
	Exp   int64  `json:"exp"`
}

// SignAssertion returns the assertion signed with secret; host apps' back ends
// do the same (the tests and the examples use this one).
func SignAssertion(secret string, a Assertion) string {
	b, _ := json.Marshal(assertionPayload{KeyID: a.KeyID, App: a.App, User: a.User, Exp: a.Expires.Unix()})
	payload := base64.RawURLEncoding.EncodeToString(b)
	return AssertionPrefix + "." + payload + "." + assertionMAC(secret, payload)
}

func assertionMAC(secret, payload string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(AssertionPrefix + "." + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ParsedAssertion is an assertion read but not yet verified.
type ParsedAssertion struct {
	Assertion
	payload, signature string
}

// ParseAssertion reads an assertion's claims without trusting them: the caller
// looks up the key it names and calls Verify. It does no lookups.
func ParseAssertion(token string) (ParsedAssertion, error) {
	if len(token) > maxAssertionLen {
		return ParsedAssertion{}, refuse("the user assertion is longer than %d characters", maxAssertionLen)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != AssertionPrefix {
		return ParsedAssertion{}, refuse("the user assertion must be %s.<payload>.<signature>", AssertionPrefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ParsedAssertion{}, refuse("the user assertion's payload is not base64url without padding")
	}
	var p assertionPayload
	if err := json.Unmarshal(raw, &p); err != nil || p.KeyID == "" || p.App == "" || p.User == "" || p.Exp <= 0 {
		return ParsedAssertion{}, refuse(`the user assertion's payload must be JSON {"kid", "app", "sub", "exp"}`)
	}
	return ParsedAssertion{Assertion: Assertion{KeyID: p.KeyID, App: p.App, User: p.User, Expires: time.Unix(p.Exp, 0).UTC()},
		payload: parts[1], signature: parts[2]}, nil
}

// Verify checks the signature with the named key's secret and the validity
// period at now.
func (p ParsedAssertion) Verify(secret string, now time.Time) error {
	if !hmac.Equal([]byte(p.signature), []byte(assertionMAC(secret, p.payload))) {
		return refuse("the user assertion's signature does not match: sign %s.<payload> with the assertion key's secret", AssertionPrefix)
	}
	if !now.Before(p.Expires) {
		return refuse("the user assertion expired at %s; have your back end sign a new one", p.Expires.Format(time.RFC3339))
	}
	if p.Expires.Sub(now) > MaxAssertionLifetime+AssertionSkew {
		return refuse("the user assertion is valid until %s, more than %s ahead: assertions live at most %s",
			p.Expires.Format(time.RFC3339), MaxAssertionLifetime, MaxAssertionLifetime)
	}
	return nil
}
