package appkeys

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

const secret = "mpsk_test-secret"

// The expected signatures were computed independently of this package, with:
//
//	printf 'GET\n/v1/runtime/miniprograms/mp_1/release\napp=app_1&user=u%%2042\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n1700000000\nnonce-0123456789abcdef' \
//	  | openssl dgst -sha256 -hmac 'mpsk_test-secret'
//	printf 'POST\n/v1/runtime/events\n\n015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862\n1700000300\nAAAAAAAAAAAAAAAA' \
//	  | openssl dgst -sha256 -hmac 'mpsk_test-secret'
//
// (015abd... is `printf '{"a":1}' | openssl dgst -sha256`.)
func TestKnownVectors(t *testing.T) {
	for _, tc := range []struct {
		method, path, query string
		body                string
		ts, nonce, want     string
	}{
		// The query is given unsorted and with '+' for the space: both normalize.
		{"get", "/v1/runtime/miniprograms/mp_1/release", "user=u+42&app=app_1", "", "1700000000", "nonce-0123456789abcdef",
			"5a2b391a6f07adfd0bde604519680791f907d04db09e10dc7b62470e4575cf13"},
		{"POST", "/v1/runtime/events", "", `{"a":1}`, "1700000300", "AAAAAAAAAAAAAAAA",
			"a58615f4b9452a2363b3dcd10079da5eb99b5f681fe929aac643ca851335234d"},
	} {
		got, err := Sign(secret, tc.method, tc.path, tc.query, []byte(tc.body), tc.ts, tc.nonce)
		if err != nil || got != tc.want {
			t.Errorf("Sign(%s %s?%s) = %s, %v; want %s", tc.method, tc.path, tc.query, got, err, tc.want)
		}
	}
	if h := BodyHash(nil); h != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("hash of no body %s", h)
	}
}

func TestCanonicalQuery(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "",
		"b=2&a=1":                    "a=1&b=2",
		"a=2&a=1&a=10":               "a=1&a=10&a=2",
		"user=a+b&app=x":             "app=x&user=a%20b",
		"user=a%20b":                 "user=a%20b",
		"q=%7E-._&r=%2F%3F%26%3D%2B": "q=~-._&r=%2F%3F%26%3D%2B",
		"k=%C3%A9":                   "k=%C3%A9",
		"a=":                         "a=",
		"ab=1&a=2":                   "a=2&ab=1",
		"a-b=1&a=2":                  "a=2&a-b=1",
	} {
		got, err := CanonicalQuery(in)
		if err != nil || got != want {
			t.Errorf("CanonicalQuery(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := CanonicalQuery("a=%zz"); err == nil {
		t.Error("a malformed query was accepted")
	}
}

func TestTamperingBreaksTheSignature(t *testing.T) {
	now := time.Unix(1700000000, 0)
	base := func() *http.Request {
		r, _ := http.NewRequest("POST", "https://api.test/v1/runtime/miniprograms/mp_1/release?app=app_1&user=u1", nil)
		return r
	}
	body := []byte(`{"x":1}`)
	r := base()
	if err := SignRequest(r, "key_abc", secret, body, now, "nonce-0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	h, err := ParseHeaders(r.Header, now)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name, secret, method, path, query string, body []byte, h Headers, want bool) {
		t.Helper()
		ok, err := h.Matches(secret, method, path, query, body)
		if err != nil || ok != want {
			t.Errorf("%s: matches %v (%v), want %v", name, ok, err, want)
		}
	}
	path, query := r.URL.EscapedPath(), r.URL.RawQuery
	check("as signed", secret, "POST", path, query, body, h, true)
	check("query reordered", secret, "POST", path, "user=u1&app=app_1", body, h, true)
	check("other secret", secret+"x", "POST", path, query, body, h, false)
	check("method", secret, "GET", path, query, body, h, false)
	check("path", secret, "POST", "/v1/runtime/miniprograms/mp_2/release", query, body, h, false)
	check("query value", secret, "POST", path, "app=app_1&user=u2", body, h, false)
	check("query added", secret, "POST", path, query+"&x=1", body, h, false)
	check("body", secret, "POST", path, query, []byte(`{"x":2}`), h, false)
	check("no body", secret, "POST", path, query, nil, h, false)
	ts := h
	ts.Timestamp = strconv.FormatInt(now.Unix()+1, 10)
	check("timestamp", secret, "POST", path, query, body, ts, false)
	n := h
	n.Nonce = "nonce-0123456789abcdeX"
	check("nonce", secret, "POST", path, query, body, n, false)
}

func TestParseHeaders(t *testing.T) {
	now := time.Unix(1700000000, 0)
	good := func() http.Header {
		h := http.Header{}
		h.Set(HeaderKey, "key_abc123")
		h.Set(HeaderTimestamp, "1700000000")
		h.Set(HeaderNonce, "0123456789abcdef")
		h.Set(HeaderSignature, strings.Repeat("ab", 32))
		return h
	}
	if _, err := ParseHeaders(good(), now); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		edit func(http.Header)
		want string
	}{
		"no headers": {func(h http.Header) {
			h.Del(HeaderKey)
			h.Del(HeaderTimestamp)
			h.Del(HeaderNonce)
			h.Del(HeaderSignature)
		}, "not signed"},
		"no signature":    {func(h http.Header) { h.Del(HeaderSignature) }, "missing X-Mpdp-Signature"},
		"bad key":         {func(h http.Header) { h.Set(HeaderKey, "sk_live") }, "not an app key id"},
		"short nonce":     {func(h http.Header) { h.Set(HeaderNonce, "abc") }, "16 to 64"},
		"long nonce":      {func(h http.Header) { h.Set(HeaderNonce, strings.Repeat("a", 65)) }, "16 to 64"},
		"bad signature":   {func(h http.Header) { h.Set(HeaderSignature, "xyz") }, "64 hex digits"},
		"bad timestamp":   {func(h http.Header) { h.Set(HeaderTimestamp, "2023-11-14T22:13:20Z") }, "Unix seconds"},
		"6 minutes old":   {func(h http.Header) { h.Set(HeaderTimestamp, "1699999640") }, "within 5m0s"},
		"6 minutes ahead": {func(h http.Header) { h.Set(HeaderTimestamp, "1700000360") }, "within 5m0s"},
		"twice":           {func(h http.Header) { h.Add(HeaderNonce, "0123456789abcdeg") }, "more than once"},
	} {
		h := good()
		tc.edit(h)
		_, err := ParseHeaders(h, now)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	for _, edge := range []string{"1699999700", "1700000300"} { // exactly 5 minutes either way
		h := good()
		h.Set(HeaderTimestamp, edge)
		if _, err := ParseHeaders(h, now); err != nil {
			t.Errorf("timestamp %s: %v", edge, err)
		}
	}
}

// FuzzVerifyInput: whatever a client sends in the headers, query and body,
// parsing and checking never panic, a refusal is an *Error, and only the
// correct signature matches.
func FuzzVerifyInput(f *testing.F) {
	f.Add("key_abc", "1700000000", "0123456789abcdef", strings.Repeat("0", 64), "app=a&user=b", "body")
	f.Add("", "", "", "", "", "")
	f.Add("key_x", "99999999999999999999", "n", "zz", "%zz", "")
	f.Add("key_x", "-1", "0123456789abcdef", strings.Repeat("F", 64), "a=1&a=2;b", "\x00")
	now := time.Unix(1700000000, 0)
	f.Fuzz(func(t *testing.T, key, ts, nonce, sig, query, body string) {
		h := http.Header{}
		h[HeaderKey], h[HeaderTimestamp], h[HeaderNonce], h[HeaderSignature] = []string{key}, []string{ts}, []string{nonce}, []string{sig}
		parsed, err := ParseHeaders(h, now)
		if err != nil {
			if _, ok := err.(*Error); !ok || err.Error() == "" {
				t.Fatalf("refusal %T %v", err, err)
			}
			return
		}
		if len(parsed.Signature) != 32 || parsed.Time.Sub(now).Abs() > Window {
			t.Fatalf("accepted %+v", parsed)
		}
		want, err := Sign(secret, "GET", "/p", query, []byte(body), parsed.Timestamp, parsed.Nonce)
		ok, err2 := parsed.Matches(secret, "GET", "/p", query, []byte(body))
		if (err == nil) != (err2 == nil) {
			t.Fatalf("Sign error %v, Matches error %v", err, err2)
		}
		if err == nil && ok != strings.EqualFold(want, sig) {
			t.Fatalf("matches %v for signature %s, want %s", ok, sig, want)
		}
	})
}
