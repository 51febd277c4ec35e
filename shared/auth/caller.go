// Package auth establishes who is calling: it verifies Cognito tokens the way
// API Gateway's JWT authorizer does, and carries the caller in the request context.
package auth

import (
	"context"
	"net/http"
	"strings"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
)

// Caller is the signed-in user making a request. Roles are not here: they are
// membership rows, read on every request.
type Caller struct {
	UserID string // the Cognito sub
	Email  string // may be empty for access tokens
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the request's caller, or ErrUnauthorized when nobody signed in.
func CallerFrom(ctx context.Context) (Caller, error) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	if !ok || c.UserID == "" {
		return Caller{}, domain.ErrUnauthorized
	}
	return c, nil
}

// CallerFromClaims reads the caller from verified token claims (as API Gateway
// passes them to Lambda, or as Verify returns them).
func CallerFromClaims(claims map[string]string) Caller {
	return Caller{UserID: claims["sub"], Email: domain.NormalizeEmail(claims["email"])}
}

// Require answers 401 unless the request carries a valid bearer token, and puts
// the caller in the context. The local gateway uses it where API Gateway's JWT
// authorizer stands in the cloud.
func Require(v *Verifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			httpapi.WriteError(w, r, domain.Errorf(domain.ErrUnauthorized, "send a Cognito token as 'Authorization: Bearer <token>'"))
			return
		}
		claims, err := v.Verify(r.Context(), strings.TrimSpace(token))
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), CallerFromClaims(claims))))
	})
}
