// Package auth carries who is calling in the request context, read from the
// claims API Gateway's JWT authorizer verified (the local gateway verifies them
// with localstack/internal/cognitojwt).
package auth

import (
	"context"

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
