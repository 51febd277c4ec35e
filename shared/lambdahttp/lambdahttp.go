// Package lambdahttp runs an http.Handler in Lambda behind an API Gateway HTTP API
// (payload format 2.0), so the same handler serves Lambda, the local gateway and tests.
package lambdahttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/httpapi"
)

// Handler adapts h to API Gateway HTTP API events. The JWT authorizer's verified
// claims become the request's caller, and API Gateway's request id becomes the
// request's id. An event that describes no valid request is answered with a 400
// problem saying what is wrong; the returned error is always nil, because API
// Gateway would turn it into a bare 500.
func Handler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		w := NewResponseWriter()
		r, err := Request(ctx, e)
		if err != nil {
			// A request to carry the id into the problem; its method and path do not matter.
			bad, _ := http.NewRequestWithContext(httpapi.WithRequestID(ctx, e.RequestContext.RequestID), http.MethodGet, "/", nil)
			if id := httpapi.RequestID(bad.Context()); id != "" {
				w.Header().Set("X-Request-Id", id)
			}
			httpapi.WriteError(w, bad, httpapi.NewProblem(http.StatusBadRequest, err.Error()))
			return w.Response(), nil
		}
		h.ServeHTTP(w, r)
		return w.Response(), nil
	}
}

// Request builds the http.Request an event describes. Its errors say, in the
// client's words, what is wrong with the request.
func Request(ctx context.Context, e events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	method := e.RequestContext.HTTP.Method
	if method == "" {
		return nil, fmt.Errorf("the request has no HTTP method")
	}
	if !strings.HasPrefix(e.RawPath, "/") {
		return nil, fmt.Errorf("the request path %q does not start with /", e.RawPath)
	}
	body := []byte(e.Body)
	if e.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(e.Body)
		if err != nil {
			return nil, fmt.Errorf("the request body is marked base64-encoded but is not valid base64: %w", err)
		}
		body = b
	}
	target := e.RawPath
	if e.RawQueryString != "" {
		target += "?" + e.RawQueryString
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, fmt.Errorf("the request path or query string is not a valid URL: %w", unwrapURL(err))
	}
	ctx = httpapi.WithRequestID(ctx, e.RequestContext.RequestID)
	if a := e.RequestContext.Authorizer; a != nil && a.JWT != nil {
		ctx = auth.WithCaller(ctx, auth.CallerFromClaims(a.JWT.Claims))
	}
	r, err := http.NewRequestWithContext(ctx, method, "/", bytes.NewReader(body))
	if err != nil { // only an invalid method gets here: the URL is already parsed
		return nil, fmt.Errorf("the request method %q is not valid", method)
	}
	r.URL, r.RequestURI = u, target
	for k, v := range e.Headers {
		r.Header.Set(k, v)
	}
	// API Gateway moves the Cookie header into the event's cookies.
	if len(e.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(e.Cookies, "; "))
	}
	r.Host = e.Headers["host"]
	if r.Host == "" {
		r.Host = e.RequestContext.DomainName
	}
	r.RemoteAddr = e.RequestContext.HTTP.SourceIP
	r.ContentLength = int64(len(body))
	return r, nil
}

// unwrapURL drops url.Error's repetition of the URL and operation.
func unwrapURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// ResponseWriter collects a handler's response for API Gateway.
type ResponseWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// NewResponseWriter returns an empty response (200 unless the handler says otherwise).
func NewResponseWriter() *ResponseWriter { return &ResponseWriter{header: http.Header{}} }

func (w *ResponseWriter) Header() http.Header { return w.header }

// WriteHeader keeps the first status written, as net/http does.
func (w *ResponseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

// Write appends to the body; like net/http, a first write without a
// Content-Type sets one sniffed from the bytes.
func (w *ResponseWriter) Write(b []byte) (int, error) {
	if w.body.Len() == 0 && w.header.Get("Content-Type") == "" && len(b) > 0 {
		w.header.Set("Content-Type", http.DetectContentType(b))
	}
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// Response is the collected response as the event API Gateway expects: headers
// joined with commas, each Set-Cookie in Cookies, and a body that is not UTF-8
// base64-encoded.
func (w *ResponseWriter) Response() events.APIGatewayV2HTTPResponse {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	out := events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{}}
	for k, v := range w.header {
		if http.CanonicalHeaderKey(k) == "Set-Cookie" {
			out.Cookies = append(out.Cookies, v...)
			continue
		}
		out.Headers[k] = strings.Join(v, ",")
	}
	b := w.body.Bytes()
	if utf8.Valid(b) {
		out.Body = string(b)
	} else {
		out.Body, out.IsBase64Encoded = base64.StdEncoding.EncodeToString(b), true
	}
	return out
}
