// Package identity manages console users in the Cognito user pool: finding them
// by email and creating them with a temporary password.
package identity

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/mpdp/platform/shared/domain"
)

// Directory is the user pool.
type Directory struct {
	client *cip.Client
	poolID string
}

// New returns the directory of pool poolID.
func New(client *cip.Client, poolID string) *Directory {
	return &Directory{client: client, poolID: poolID}
}

// User is a console user. TemporaryPassword is set only when this call created
// the user or gave a never-signed-in user a new temporary password; it is shown
// to the user once, by email.
type User struct {
	ID                string
	Email             string
	TemporaryPassword string
}

// EnsureUser returns the user with email, creating it if needed.
func (d *Directory) EnsureUser(ctx context.Context, email string) (User, error) {
	u, err := d.client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &d.poolID, Username: &email})
	var missing *types.UserNotFoundException
	switch {
	case errors.As(err, &missing):
		return d.create(ctx, email)
	case err != nil:
		return User{}, fmt.Errorf("%w: finding user: %v", domain.ErrUnavailable, err)
	}
	user := User{ID: attr(u.UserAttributes, "sub"), Email: email}
	if u.UserStatus == types.UserStatusTypeForceChangePassword {
		// The user never signed in, so the earlier temporary password may be lost
		// or expired: issue a new one.
		pw := TemporaryPassword()
		if _, err := d.client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
			UserPoolId: &d.poolID, Username: &email, Password: &pw, Permanent: false,
		}); err != nil {
			return User{}, fmt.Errorf("%w: resetting temporary password: %v", domain.ErrUnavailable, err)
		}
		user.TemporaryPassword = pw
	}
	return user, nil
}

// ErrNoUser is returned by FindUser for an email no user has (verified); it
// is a domain.ErrNotFound.
var ErrNoUser = fmt.Errorf("no user with this verified email: %w", domain.ErrNotFound)

// FindUser returns the user whose verified email is email, creating nobody.
// The pool signs in by email, so AdminGetUser takes the email as the user
// name; the attributes are checked again so that only a verified address
// resolves (a changed address counts only once its owner verified it).
func (d *Directory) FindUser(ctx context.Context, email string) (User, error) {
	u, err := d.client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &d.poolID, Username: &email})
	var missing *types.UserNotFoundException
	switch {
	case errors.As(err, &missing):
		return User{}, fmt.Errorf("%s: %w", email, ErrNoUser)
	case err != nil:
		return User{}, fmt.Errorf("%w: finding user: %v", domain.ErrUnavailable, err)
	}
	if !strings.EqualFold(attr(u.UserAttributes, "email"), email) || attr(u.UserAttributes, "email_verified") != "true" || !u.Enabled {
		return User{}, fmt.Errorf("%s: %w", email, ErrNoUser)
	}
	return User{ID: attr(u.UserAttributes, "sub"), Email: email}, nil
}

func (d *Directory) create(ctx context.Context, email string) (User, error) {
	pw := TemporaryPassword()
	out, err := d.client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId:        &d.poolID,
		Username:          &email,
		TemporaryPassword: &pw,
		// The platform sends its own email (through SES, via the mail queue) so the
		// message can say which workspace the user joins.
		MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: &email},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	var exists *types.UsernameExistsException
	if errors.As(err, &exists) { // created concurrently: use that user
		return d.EnsureUser(ctx, email)
	}
	if err != nil {
		return User{}, fmt.Errorf("%w: creating user: %v", domain.ErrUnavailable, err)
	}
	return User{ID: attr(out.User.Attributes, "sub"), Email: email, TemporaryPassword: pw}, nil
}

func attr(attrs []types.AttributeType, name string) string {
	for _, a := range attrs {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

// TemporaryPassword returns a random password that meets the pool's policy:
// 16 characters with upper and lower case letters, digits and symbols.
func TemporaryPassword() string {
	sets := []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "!#%+-=?@^_"}
	all := sets[0] + sets[1] + sets[2] + sets[3]
	b := make([]byte, 16)
	for i := range b {
		set := all
		if i < len(sets) {
			set = sets[i]
		}
		b[i] = set[randInt(len(set))]
	}
	for i := len(b) - 1; i > 0; i-- { // shuffle so the classes are not in fixed places
		j := randInt(i + 1)
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

func randInt(n int) int {
	v, _ := rand.Int(rand.Reader, big.NewInt(int64(n)))
	return int(v.Int64())
}

// SetPassword gives the user with email a permanent password, creating the user
// if needed. Bootstrapping uses it for the tenant's first admin.
func (d *Directory) SetPassword(ctx context.Context, email, password string) (User, error) {
	u, err := d.EnsureUser(ctx, email)
	if err != nil {
		return u, err
	}
	if _, err := d.client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: &d.poolID, Username: &email, Password: &password, Permanent: true,
	}); err != nil {
		return u, fmt.Errorf("set password of %s: %w", email, err)
	}
	u.TemporaryPassword = ""
	return u, nil
}
