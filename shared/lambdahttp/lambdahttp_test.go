package lambdahttp

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mpdp/platform/shared/auth"
)

func TestHandlerCarriesRequestAndClaims(t *testing.T) {
	var got struct {
		method, path, query, body, header string
		caller                            auth.Caller
		callerErr                         error
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.method, got.path, got.query, got.body, got.header = r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Get("If-Match")
		got.caller, got.callerErr = auth.CallerFrom(r.Context())
		w.Header().Set("ETag", `"v2"`)
		w.WriteHeader(201)
		w.Write([]byte(`{"ok":true}`))
	})
	e := events.APIGatewayV2HTTPRequest{
		RawPath: "/v1/workspaces/ws_1", RawQueryString: "limit=2", Headers: map[string]string{"if-match": `"v1"`},
		Body: base64.StdEncoding.EncodeToString([]byte(`{"name":"x"}`)), IsBase64Encoded: true,
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-1",
			HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "PATCH"},
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "u1", "email": "A@B.test"}}}},
	}
	res, err := Handler(h)(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if got.method != "PATCH" || got.path != "/v1/workspaces/ws_1" || got.query != "limit=2" || got.body != `{"name":"x"}` || got.header != `"v1"` {
		t.Fatalf("request %+v", got)
	}
	if got.callerErr != nil || got.caller.UserID != "u1" || got.caller.Email != "a@b.test" {
		t.Fatalf("caller %+v %v", got.caller, got.callerErr)
	}
	if res.StatusCode != 201 || res.Headers["Etag"] != `"v2"` || res.Body != `{"ok":true}` || res.IsBase64Encoded {
		t.Fatalf("response %+v", res)
	}

	// Without the authorizer (a public route) there is no caller.
	e.RequestContext.Authorizer = nil
	Handler(h)(context.Background(), e)
	if got.callerErr == nil {
		t.Fatal("public request has a caller")
	}
}
