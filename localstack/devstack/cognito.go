package devstack

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// cognitoProxy forwards the console's Cognito calls (POST /_local/cognito/) to
// the emulator's root. In the cloud the console calls cognito-idp directly;
// locally the browser cannot, because moto runs with CORS off and on another
// origin, so the gateway's origin relays them.
//
// The console's calls are unsigned (InitiateAuth, RespondToAuthChallenge,
// GetUser... carry only X-Amz-Target and a JSON body). moto 5.2.1 dispatches an
// unsigned request by its X-Amz-Target prefix (AWSCognitoIdentityProviderService
// → cognito-idp, in us-east-1, the emulator's region), so no hint such as a
// signed-looking Authorization header is needed: checked with a real unsigned
// InitiateAuth through this proxy (and by the console's smoke scenario). The
// proxy passes the request through unchanged apart from the path and the
// browser's cookies.
func cognitoProxy(emulator string) (http.Handler, error) {
	target, err := url.Parse(emulator)
	if err != nil {
		return nil, err
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.URL.Path, r.Out.URL.RawPath = strings.TrimSuffix(target.Path, "/")+"/", ""
		r.Out.Header.Del("Cookie")
	}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		proxy.ServeHTTP(w, r)
	}), nil
}
