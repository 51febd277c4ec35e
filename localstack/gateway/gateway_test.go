package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mpdp/platform/shared/lambdahttp"
	"github.com/mpdp/platform/shared/routes"
)

var route = routes.Route{Method: "PATCH", Path: "/v1/workspaces/{ws}/members/{userId}", Function: "members", Access: routes.Public}

// serve routes one request through Route to fn and returns the event fn got.
func serve(t *testing.T, r *http.Request, fn Function) (events.APIGatewayV2HTTPRequest, *httptest.ResponseRecorder) {
	t.Helper()
	var got events.APIGatewayV2HTTPRequest
	mux := http.NewServeMux()
	mux.Handle(route.Pattern(), Route(route, func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		got = e
		return fn(ctx, e)
	}, nil))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, r)
	return got, rec
}

func ok(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{StatusCode: 204}, nil
}

func TestEventIsPayloadTwo(t *testing.T) {
	binary := []byte{0x50, 0x4b, 0xff, 0x00}
	r := httptest.NewRequest("PATCH", "http://api.test/v1/workspaces/ws%201/members/u1?limit=2&tag=a&tag=b", bytes.NewReader(binary))
	r.Header.Add("If-Match", `"v1"`)
	r.Header.Add("Accept", "application/json")
	r.Header.Add("Accept", "text/plain")
	r.Header.Add("Cookie", "session=s1; theme=dark")
	r.Header.Set("X-Request-Id", "client-id")
	r.RemoteAddr = "203.0.113.9:5555"
	e, rec := serve(t, r, ok)
	if rec.Code != 204 {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	if e.Version != "2.0" || e.RouteKey != "PATCH /v1/workspaces/{ws}/members/{userId}" || e.RawPath != "/v1/workspaces/ws%201/members/u1" || e.RawQueryString != "limit=2&tag=a&tag=b" {
		t.Fatalf("event %+v", e)
	}
	if e.Headers["if-match"] != `"v1"` || e.Headers["accept"] != "application/json,text/plain" || e.Headers["cookie"] != "" || e.Headers["x-request-id"] != "client-id" || e.Headers["host"] != "api.test" {
		t.Fatalf("headers %v", e.Headers)
	}
	if !slices.Equal(e.Cookies, []string{"session=s1", "theme=dark"}) {
		t.Fatalf("cookies %v", e.Cookies)
	}
	if e.QueryStringParameters["tag"] != "a,b" || e.PathParameters["ws"] != "ws 1" || e.PathParameters["userId"] != "u1" {
		t.Fatalf("parameters %v %v", e.QueryStringParameters, e.PathParameters)
	}
	if b, _ := base64.StdEncoding.DecodeString(e.Body); !e.IsBase64Encoded || !bytes.Equal(b, binary) {
		t.Fatalf("body %q base64=%v", e.Body, e.IsBase64Encoded)
	}
	c := e.RequestContext
	if c.HTTP.Method != "PATCH" || c.HTTP.SourceIP != "203.0.113.9" || c.HTTP.Path != "/v1/workspaces/ws%201/members/u1" || !strings.HasSuffix(c.RequestID, "=") || c.RequestID == "client-id" || c.Authorizer != nil {
		t.Fatalf("request context %+v", c)
	}
	if rec.Header().Get("Apigw-Requestid") != c.RequestID {
		t.Fatalf("apigw-requestid %q, event %q", rec.Header().Get("Apigw-Requestid"), c.RequestID)
	}

	// A UTF-8 body travels as text.
	e, _ = serve(t, httptest.NewRequest("PATCH", "/v1/workspaces/w/members/u", strings.NewReader(`{"role":"admin"}`)), ok)
	if e.IsBase64Encoded || e.Body != `{"role":"admin"}` || e.Headers["content-length"] != "16" {
		t.Fatalf("text body %q base64=%v headers %v", e.Body, e.IsBase64Encoded, e.Headers)
	}
}

func TestWriteResponseAsAPIGateway(t *testing.T) {
	binary := []byte{0x00, 0xff, 0x10}
	rec := httptest.NewRecorder()
	err := WriteResponse(rec, events.APIGatewayV2HTTPResponse{StatusCode: 201, Headers: map[string]string{"Content-Type": "application/zip", "Vary": "Origin,Accept"},
		Cookies: []string{"a=1", "b=2; HttpOnly"}, Body: base64.StdEncoding.EncodeToString(binary), IsBase64Encoded: true})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Code != 201 || !bytes.Equal(rec.Body.Bytes(), binary) || rec.Header().Get("Content-Type") != "application/zip" ||
		!slices.Equal(rec.Header().Values("Set-Cookie"), []string{"a=1", "b=2; HttpOnly"}) {
		t.Fatalf("%d %v %x", rec.Code, rec.Header(), rec.Body.Bytes())
	}
	for _, bad := range []events.APIGatewayV2HTTPResponse{{StatusCode: 200, Body: "%%", IsBase64Encoded: true}, {StatusCode: 0}} {
		if err := WriteResponse(httptest.NewRecorder(), bad); err == nil {
			t.Fatalf("accepted %+v", bad)
		}
	}
}

// A function error is API Gateway's bare 500; a request beyond the limits is a 413 problem.
func TestRouteFailuresAsInTheCloud(t *testing.T) {
	_, rec := serve(t, httptest.NewRequest("PATCH", "/v1/workspaces/w/members/u", nil),
		func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{}, io.ErrUnexpectedEOF
		})
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "Internal Server Error") {
		t.Fatalf("function error: %d %s", rec.Code, rec.Body)
	}
	for name, size := range map[string]int{"over Lambda's payload": MaxPayload, "over API Gateway's body": MaxBody + 1} {
		called := false
		_, rec = serve(t, httptest.NewRequest("PATCH", "/v1/workspaces/w/members/u", bytes.NewReader(bytes.Repeat([]byte("a"), size))),
			func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				called = true
				return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
			})
		if rec.Code != 413 || rec.Header().Get("Content-Type") != "application/problem+json" || called {
			t.Fatalf("%s: %d %s (function called: %v)", name, rec.Code, rec.Body, called)
		}
	}
}

// The gateway hands the function's own lambdahttp adapter what Lambda would.
func TestRouteThroughLambdaHTTP(t *testing.T) {
	h := lambdahttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c, _ := r.Cookie("session")
		w.Header().Set("X-Echo", r.URL.RawQuery+"|"+c.Value+"|"+r.PathValue("missing"))
		http.SetCookie(w, &http.Cookie{Name: "x", Value: "1"})
		http.SetCookie(w, &http.Cookie{Name: "y", Value: "2"})
		w.Write(b)
	}))
	body := []byte{0xde, 0xad, 0xbe, 0xef}
	r := httptest.NewRequest("PATCH", "/v1/workspaces/w/members/u?q=1", bytes.NewReader(body))
	r.AddCookie(&http.Cookie{Name: "session", Value: "s1"})
	_, rec := serve(t, r, h)
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), body) || rec.Header().Get("X-Echo") != "q=1|s1|" || len(rec.Header().Values("Set-Cookie")) != 2 {
		t.Fatalf("%d %v %x", rec.Code, rec.Header(), rec.Body.Bytes())
	}
}
