// Package gateway is the local stand-in for API Gateway: it serves every route of
// the route table in-process the way an HTTP API does in the cloud. It checks
// tokens on signed routes as the JWT authorizer does, builds the payload 2.0
// event, and invokes the same lambdahttp handler each function's main passes to
// lambda.Start, so every local request crosses the real Lambda edge.
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mpdp/platform/localstack/internal/cognitojwt"
	"github.com/mpdp/platform/shared/api"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/lambdahttp"
	"github.com/mpdp/platform/shared/routes"
)

// The cloud's limits on one request: API Gateway's payload and Lambda's
// synchronous invocation payload (the JSON event or response).
const (
	MaxBody    = 10 << 20
	MaxPayload = 6 << 20
)

// Function is a Lambda's handler as lambda.Start gets it.
type Function func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// New returns the gateway for srv, verifying tokens with v.
func New(srv *api.Server, v *cognitojwt.Verifier) http.Handler {
	functions := map[string]Function{}
	mux := http.NewServeMux()
	for _, rt := range routes.Table {
		fn, ok := functions[rt.Function]
		if !ok {
			fn = lambdahttp.Handler(srv.Handler(rt.Function)) // one handler per function, as one Lambda each
			functions[rt.Function] = fn
		}
		if rt.Access != routes.Signed && rt.Access != routes.Public && rt.Access != routes.AppKey {
			panic(fmt.Sprintf("route %s: unknown access %d", rt.Pattern(), rt.Access))
		}
		mux.Handle(rt.Pattern(), Route(rt, fn, v))
	}
	mux.HandleFunc("/", httpapi.NotFound)
	return mux
}

// Route serves one route by invoking fn. Signed routes need a bearer token that
// v verifies, and fn gets its claims as the JWT authorizer's; Public and AppKey
// routes pass no claims (AppKey routes check the app-key signature in the handler).
func Route(rt routes.Route, fn Function, v *cognitojwt.Verifier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var claims map[string]string
		if rt.Access == routes.Signed {
			c, err := v.VerifyBearer(r.Context(), r.Header.Get("Authorization"))
			if err != nil {
				httpapi.WriteError(w, r, err)
				return
			}
			claims = c
		}
		e, err := Event(r, rt, claims, NewRequestID())
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		res, err := invoke(r.Context(), fn, e)
		if errors.Is(err, errRequestTooLarge) {
			httpapi.WriteError(w, r, httpapi.NewProblem(http.StatusRequestEntityTooLarge,
				fmt.Sprintf("the request is larger than Lambda's payload limit of %d bytes", MaxPayload)))
			return
		}
		w.Header().Set("Apigw-Requestid", e.RequestContext.RequestID)
		if err != nil {
			// What API Gateway answers when the function fails or its response is invalid.
			http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
			return
		}
		if err := WriteResponse(w, res); err != nil {
			http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
		}
	})
}

// invoke calls fn as Lambda does: the event and the response cross as JSON, each
// within Lambda's payload limit.
func invoke(ctx context.Context, fn Function, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in events.APIGatewayV2HTTPRequest
	if err := roundTrip(e, &in); err != nil {
		if errors.Is(err, errPayloadTooLarge) {
			err = errRequestTooLarge
		}
		return events.APIGatewayV2HTTPResponse{}, err
	}
	res, err := fn(ctx, in)
	if err != nil {
		return res, fmt.Errorf("function error: %w", err)
	}
	var out events.APIGatewayV2HTTPResponse
	if err := roundTrip(res, &out); err != nil {
		return out, fmt.Errorf("function response: %w", err)
	}
	return out, nil
}

var (
	errPayloadTooLarge = errors.New("payload too large")
	errRequestTooLarge = errors.New("request event too large")
)

func roundTrip(v, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > MaxPayload {
		return errPayloadTooLarge
	}
	return json.Unmarshal(b, out)
}

// pathParam matches a {name} or greedy {name+} segment of a route path.
var pathParam = regexp.MustCompile(`\{([^}+]+)\+?\}`)

// Event builds the API Gateway HTTP API (payload format 2.0) event for r on route
// rt: header names lower-cased and repeated values joined with commas, the
// Cookie header split into cookies, a body that is not UTF-8 base64-encoded, and,
// when claims is not nil, the JWT authorizer's claims.
func Event(r *http.Request, rt routes.Route, claims map[string]string, requestID string) (events.APIGatewayV2HTTPRequest, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return events.APIGatewayV2HTTPRequest{}, httpapi.NewProblem(http.StatusRequestEntityTooLarge,
				fmt.Sprintf("the request body is larger than API Gateway's limit of %d bytes", MaxBody))
		}
		return events.APIGatewayV2HTTPRequest{}, httpapi.NewProblem(http.StatusBadRequest, "the request body could not be read")
	}
	now := time.Now().UTC()
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}
	e := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       rt.Pattern(),
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Headers:        map[string]string{},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: rt.Pattern(), AccountID: "123456789012", Stage: "$default", RequestID: requestID, APIID: "local",
			DomainName: r.Host, DomainPrefix: strings.SplitN(r.Host, ".", 2)[0],
			Time: now.Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: r.Method, Path: r.URL.EscapedPath(),
				Protocol: r.Proto, SourceIP: sourceIP, UserAgent: r.UserAgent()},
		},
	}
	for k, v := range r.Header {
		name := strings.ToLower(k)
		if name == "cookie" {
			for _, line := range v {
				for c := range strings.SplitSeq(line, ";") {
					if c = strings.TrimSpace(c); c != "" {
						e.Cookies = append(e.Cookies, c)
					}
				}
			}
			continue
		}
		e.Headers[name] = strings.Join(v, ",")
	}
	e.Headers["host"] = r.Host
	e.Headers["x-forwarded-for"] = sourceIP
	e.Headers["x-forwarded-proto"] = "http"
	if len(body) > 0 {
		e.Headers["content-length"] = strconv.Itoa(len(body))
	}
	if q := r.URL.Query(); len(q) > 0 {
		e.QueryStringParameters = map[string]string{}
		for k, v := range q {
			e.QueryStringParameters[k] = strings.Join(v, ",")
		}
	}
	for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
		if e.PathParameters == nil {
			e.PathParameters = map[string]string{}
		}
		e.PathParameters[m[1]] = r.PathValue(m[1])
	}
	if utf8.Valid(body) {
		e.Body = string(body)
	} else {
		e.Body, e.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	if claims != nil {
		e.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims}}
	}
	return e, nil
}

// WriteResponse writes a function's response event as API Gateway does: its
// status and headers, each cookie as its own Set-Cookie, and the body decoded
// when it is base64.
func WriteResponse(w http.ResponseWriter, res events.APIGatewayV2HTTPResponse) error {
	body := []byte(res.Body)
	if res.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(res.Body)
		if err != nil {
			return fmt.Errorf("response body is not valid base64: %w", err)
		}
		body = b
	}
	if res.StatusCode < 100 || res.StatusCode > 599 {
		return fmt.Errorf("response status %d is not an HTTP status", res.StatusCode)
	}
	for k, v := range res.Headers {
		w.Header().Set(k, v)
	}
	for _, c := range res.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	for k, v := range res.MultiValueHeaders {
		for _, x := range v {
			w.Header().Add(k, x)
		}
	}
	w.WriteHeader(res.StatusCode)
	_, err := w.Write(body)
	return err
}

// NewRequestID returns an id shaped like API Gateway's ($context.requestId).
func NewRequestID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 15)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b) + "="
}
