// Package lambdahttp runs an http.Handler in Lambda behind an API Gateway HTTP API
// (payload format 2.0), so the same handler serves Lambda, the local gateway and tests.
package lambdahttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/httpapi"
)

// Handler adapts h to API Gateway HTTP API events. The JWT authorizer's verified
// claims become the request's caller.
func Handler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		rec := httptest.NewRecorder()
		r, err := Request(ctx, e)
		if err != nil {
			httpapi.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), httpapi.NewProblem(http.StatusBadRequest, "the request body is not valid base64"))
			return Response(rec), nil
		}
		h.ServeHTTP(rec, r)
		return Response(rec), nil
	}
}

// Request builds the http.Request an event describes.
func Request(ctx context.Context, e events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(e.Body)
	if e.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(e.Body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	url := e.RawPath
	if e.RawQueryString != "" {
		url += "?" + e.RawQueryString
	}
	if a := e.RequestContext.Authorizer; a != nil && a.JWT != nil {
		ctx = auth.WithCaller(ctx, auth.CallerFromClaims(a.JWT.Claims))
	}
	r, err := http.NewRequestWithContext(ctx, e.RequestContext.HTTP.Method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range e.Headers {
		r.Header.Set(k, v)
	}
	if len(e.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(e.Cookies, "; "))
	}
	if r.Header.Get("X-Request-Id") == "" && e.RequestContext.RequestID != "" {
		r.Header.Set("X-Request-Id", strings.ReplaceAll(e.RequestContext.RequestID, "=", ""))
	}
	r.RemoteAddr = e.RequestContext.HTTP.SourceIP
	r.ContentLength = int64(len(body))
	return r, nil
}

// Response turns a recorded response into the event API Gateway expects.
func Response(rec *httptest.ResponseRecorder) events.APIGatewayV2HTTPResponse {
	out := events.APIGatewayV2HTTPResponse{StatusCode: rec.Code, Headers: map[string]string{}}
	for k, v := range rec.Header() {
		if k == "Set-Cookie" {
			out.Cookies = v
			continue
		}
		out.Headers[k] = strings.Join(v, ",")
	}
	b := rec.Body.Bytes()
	if utf8.Valid(b) {
		out.Body = string(b)
	} else {
		out.Body, out.IsBase64Encoded = base64.StdEncoding.EncodeToString(b), true
	}
	return out
}
