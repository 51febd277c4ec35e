package api_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// The gateway trusts only tokens its own user pool issued to its own client.
func TestGatewayRefusesForeignAndForgedTokens(t *testing.T) {
	good := tenantAdmin(t)
	parts := strings.Split(good.token, ".")
	claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(claims), good.userID, "someone-else", 1))) + "." + parts[2]

	for name, token := range map[string]string{
		"garbage":          "not-a-token",
		"forged claims":    forged,
		"unsigned":         parts[0] + "." + parts[1] + ".",
		"other user pool":  otherPoolToken(t, false),
		"other app client": otherPoolToken(t, true),
	} {
		t.Run(name, func(t *testing.T) {
			c := client{t: t, token: token}
			p := c.must(401, "GET", "/v1/me", nil).problem(t)
			if p.Detail == "" {
				t.Fatal("401 without a reason")
			}
		})
	}
	if r := anonymous(t).do("GET", "/v1/me", nil, "Authorization", "Basic abc"); r.Status != 401 || r.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("basic auth: %d %v", r.Status, r.Header)
	}
	good.must(200, "GET", "/v1/me", nil)
}

// otherPoolToken signs a user in to a second user pool, or (sameIssuer) to a
// second app client of the platform's own pool.
func otherPoolToken(t *testing.T, sameIssuer bool) string {
	t.Helper()
	ctx := context.Background()
	c := cip.NewFromConfig(env.AWS)
	pool := env.Config.UserPoolID
	if !sameIssuer {
		out, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("intruder"),
			UsernameAttributes: []ciptypes.UsernameAttributeType{ciptypes.UsernameAttributeTypeEmail}})
		if err != nil {
			t.Fatal(err)
		}
		pool = *out.UserPool.Id
	}
	cl, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("intruder"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{ciptypes.ExplicitAuthFlowsTypeAllowUserPasswordAuth}})
	if err != nil {
		t.Fatal(err)
	}
	email := uniqueEmail("intruder")
	if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: &email, MessageAction: ciptypes.MessageActionTypeSuppress}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: &email, Password: aws.String(password), Permanent: true}); err != nil {
		t.Fatal(err)
	}
	out, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cl.UserPoolClient.ClientId, AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password}})
	if err != nil {
		t.Fatal(err)
	}
	return *out.AuthenticationResult.IdToken
}
