// Package auth establishes who is calling: it verifies Cognito tokens the way
// API Gateway's JWT authorizer does, and carries the caller in the request context.
package auth

import (
	"context"
	"strings"

	"github.com/mpdp/platform/shared/domain"
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

// VerifyBearer returns the verified claims of the bearer token in an
// Authorization header value, or an ErrUnauthorized error saying what is wrong.
// The local gateway uses it where API Gateway's JWT authorizer stands in the cloud.
func VerifyBearer(ctx context.Context, v *Verifier, authorization string) (map[string]string, error) {
	scheme, token, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, domain.Errorf(domain.ErrUnauthorized, "send a Cognito token as 'Authorization: Bearer <token>'")
	}
	return v.Verify(ctx, strings.TrimSpace(token))
}
