package api_test

import (
	"strings"
	"testing"
)

// Every request crosses the Lambda edge as in the cloud: the gateway builds API
// Gateway's event (the JWT authorizer's claims, a binary body base64-encoded),
// the function's own lambdahttp adapter turns it into the request, and API
// Gateway's request id, not the client's, names the request.
func TestGatewayCrossesTheLambdaEdge(t *testing.T) {
	admin := tenantAdmin(t)
	r := admin.must(200, "GET", "/v1/me", nil, "X-Request-Id", "client-chosen-1")
	var me struct{ UserID, Email string }
	r.decode(t, &me)
	if me.UserID != admin.userID || me.Email != tenantAdminEmail {
		t.Fatalf("the authorizer's claims did not reach the function: %+v", me)
	}
	id := r.Header.Get("X-Request-Id")
	if id == "" || id == "client-chosen-1" || id != r.Header.Get("Apigw-Requestid") {
		t.Fatalf("request id %q, API Gateway's %q", id, r.Header.Get("Apigw-Requestid"))
	}

	// A body that is not UTF-8 travels base64-encoded and arrives as the same
	// bytes: the JSON decoder rejects it as a 400 that names the request's id.
	r = anonymous(t).do("POST", "/v1/applications", "\xff\xfe{}", "X-Request-Id", "client-chosen-2")
	p := r.problem(t)
	if r.Status != 400 || !strings.Contains(strings.ToLower(p.Detail), "json") {
		t.Fatalf("binary body: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(string(r.Body), `"requestId":"`+r.Header.Get("Apigw-Requestid")+`"`) || r.Header.Get("Apigw-Requestid") == "" {
		t.Fatalf("problem names request %s, API Gateway's is %q", r.Body, r.Header.Get("Apigw-Requestid"))
	}
}
