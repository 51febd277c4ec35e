package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// requestTimeout bounds one API call (not the package PUT, which may be long).
const requestTimeout = 30 * time.Second

// apiClient calls the platform's JSON API with the caller's ID token.
type apiClient struct {
	base  string // like https://api.example.com, no trailing slash
	http  *http.Client
	token func(context.Context) (string, error) // nil: anonymous
}

// apiError is an API error answer: an RFC 9457 problem+json body, or what we
// could make of a body that is not one.
type apiError struct {
	Type      string       `json:"type,omitempty"`
	Title     string       `json:"title,omitempty"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Errors    []fieldError `json:"errors,omitempty"`
	RequestID string       `json:"requestId,omitempty"`
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *apiError) Error() string {
	title := e.Title
	if title == "" {
		title = http.StatusText(e.Status)
	}
	s := fmt.Sprintf("%d %s", e.Status, title)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// transient reports whether retrying the same request later may succeed.
func (e *apiError) transient() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// networkError is a request that got no HTTP answer.
type networkError struct {
	url string
	err error
}

func (e *networkError) Error() string {
	return fmt.Sprintf("cannot reach %s: %v", e.url, e.err)
}
func (e *networkError) Unwrap() error { return e.err }

// transient reports whether err is worth retrying: no answer, or a 5xx/429.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	if _, ok := errors.AsType[*networkError](err); ok {
		return true
	}
	if p, ok := errors.AsType[*apiError](err); ok {
		return p.transient()
	}
	return false
}

// decodeProblem turns an error response into an apiError, whatever its body.
func decodeProblem(res *http.Response, body []byte) *apiError {
	p := &apiError{}
	ct, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if ct == "application/problem+json" || ct == "application/json" {
		if err := json.Unmarshal(body, p); err != nil {
			p = &apiError{}
		}
	}
	p.Status = res.StatusCode // the status line is the truth
	if p.Title == "" {
		p.Title = http.StatusText(res.StatusCode)
	}
	if p.Detail == "" && p.Type == "" {
		if text := strings.TrimSpace(string(body)); text != "" && len(p.Errors) == 0 {
			if len(text) > 300 {
				text = text[:300] + "…"
			}
			p.Detail = text
		}
	}
	if p.RequestID == "" {
		p.RequestID = res.Header.Get("X-Request-Id")
	}
	return p
}

// call sends one request. in (if not nil) is sent as JSON; a 2xx answer is
// decoded into out (if not nil) and also returned raw. Errors are *apiError or
// *networkError.
func (c *apiClient) call(ctx context.Context, method, path string, query url.Values, in any, header http.Header, out any) (*http.Response, []byte, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, nil, err
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, nil, fmt.Errorf("bad API URL %q: %w", c.base, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", "mpdp-cli")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != nil {
		tok, err := c.token(ctx)
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := c.http.Do(req)
	if err != nil {
		if ctxErr := context.Cause(ctx); ctxErr != nil && errors.Is(err, ctxErr) && !errors.Is(ctxErr, context.DeadlineExceeded) {
			return nil, nil, ctxErr
		}
		return nil, nil, &networkError{url: c.base, err: unwrapURLError(err)}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return res, nil, &networkError{url: c.base, err: err}
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res, raw, decodeProblem(res, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return res, raw, fmt.Errorf("unexpected answer from %s %s: %v", method, path, err)
		}
	}
	return res, raw, nil
}

// unwrapURLError drops *url.Error's "Get "https://…": " prefix; we say which URL.
func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

// miniProgramPath is the API path of a mini program.
func miniProgramPath(ws, mp string) string {
	return "/v1/workspaces/" + url.PathEscape(ws) + "/miniprograms/" + url.PathEscape(mp)
}
