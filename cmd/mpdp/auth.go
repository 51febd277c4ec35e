package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"
)

// refreshMargin: an ID token that expires sooner than this is refreshed first,
// so it does not expire between the check and the API's verification.
const refreshMargin = 60 * time.Second

// cognitoAPI is the part of Cognito's user pool API that signing in needs.
type cognitoAPI interface {
	InitiateAuth(context.Context, *cip.InitiateAuthInput, ...func(*cip.Options)) (*cip.InitiateAuthOutput, error)
	RespondToAuthChallenge(context.Context, *cip.RespondToAuthChallengeInput, ...func(*cip.Options)) (*cip.RespondToAuthChallengeOutput, error)
}

// newCognito builds a Cognito client with anonymous credentials: InitiateAuth
// and RespondToAuthChallenge are called by users, not with AWS credentials, and
// no shared AWS config or environment is read.
func newCognito(p profileConfig) cognitoAPI {
	o := cip.Options{Region: p.Region, Credentials: aws.AnonymousCredentials{}}
	if p.CognitoEndpoint != "" {
		o.BaseEndpoint = aws.String(p.CognitoEndpoint)
	}
	return cip.New(o)
}

type loginOptions struct {
	email            string
	passwordStdin    bool
	newPasswordStdin bool
	region           string
	clientID         string
}

func (c *cli) loginCommand() *cobra.Command {
	var o loginOptions
	cmd := &cobra.Command{
		Use:   "login --email EMAIL",
		Short: "Sign in with your platform account and cache the session",
		Long: `Sign in with your platform account (Cognito USER_PASSWORD_AUTH) and cache the
session for the other commands, which refresh it as needed.

In a terminal the password is read without echo. In CI, pass it on stdin with
--password-stdin. At the first sign-in Cognito asks for a new password: the
terminal asks for it, or pass it as the next stdin line with --new-password-stdin.

The API URL, Cognito region, app client id and Cognito endpoint given here are
saved in the profile, so later commands need none of them. Tokens go to
credentials.json (mode 0600) and are never printed.`,
		Example: `  # Interactive
  mpdp login --email dev@acme.test --api https://api.example.com --region ap-southeast-1 --client-id 1example23

  # CI: the password from a secret
  printf '%s\n' "$MPDP_PASSWORD" | mpdp login --email ci@acme.test --password-stdin

  # First sign-in in CI: temporary password, then the new one
  printf '%s\n%s\n' "$TEMP_PASSWORD" "$NEW_PASSWORD" | mpdp login --email ci@acme.test --password-stdin --new-password-stdin

  # A local emulator
  mpdp login --email dev@acme.test --api http://127.0.0.1:8080 --cognito-endpoint http://127.0.0.1:5000 --region us-east-1 --client-id abc123`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return c.login(cmd.Context(), o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.email, "email", "", "your account's email address (env MPDP_EMAIL)")
	f.BoolVar(&o.passwordStdin, "password-stdin", false, "read the password from the first line of stdin")
	f.BoolVar(&o.newPasswordStdin, "new-password-stdin", false, "if Cognito asks for a new password, read it from the next line of stdin")
	f.StringVar(&o.region, "region", "", "Cognito user pool region (env MPDP_COGNITO_REGION; saved in the profile)")
	f.StringVar(&o.clientID, "client-id", "", "Cognito user pool app client id (env MPDP_COGNITO_CLIENT_ID; saved in the profile)")
	return cmd
}

func (c *cli) login(ctx context.Context, o loginOptions) error {
	st, err := c.store()
	if err != nil {
		return err
	}
	cfg, err := st.loadConfig()
	if err != nil {
		return err
	}
	p, err := c.profile()
	if err != nil {
		return err
	}
	p.Region = firstNonEmpty(o.region, c.getenv("MPDP_COGNITO_REGION"), p.Region)
	p.ClientID = firstNonEmpty(o.clientID, c.getenv("MPDP_COGNITO_CLIENT_ID"), p.ClientID)
	o.email = strings.TrimSpace(firstNonEmpty(o.email, c.getenv("MPDP_EMAIL")))
	switch {
	case o.email == "":
		return usageErr(errorf("--email is required"))
	case p.Region == "":
		return usageErr(errorf("the Cognito region is not configured for profile %q: pass --region (or set MPDP_COGNITO_REGION)", c.opts.profile))
	case p.ClientID == "":
		return usageErr(errorf("the Cognito app client id is not configured for profile %q: pass --client-id (or set MPDP_COGNITO_CLIENT_ID)", c.opts.profile))
	case o.newPasswordStdin && !o.passwordStdin:
		return usageErr(errorf("--new-password-stdin needs --password-stdin (the new password is the line after the password)"))
	}

	secrets := &secretReader{cli: c, lines: bufio.NewReader(c.stdin), fromStdin: o.passwordStdin}
	password, err := secrets.read("Password for "+o.email+": ", "--password-stdin")
	if err != nil {
		return err
	}
	cog := c.cognito(p)
	out, err := cog.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &p.ClientID, AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": o.email, "PASSWORD": password}})
	if err != nil {
		return cognitoError("sign-in failed", p, err)
	}
	result := out.AuthenticationResult
	if out.ChallengeName == ciptypes.ChallengeNameTypeNewPasswordRequired {
		fmt.Fprintln(c.stderr, "This is your first sign-in: choose a new password.")
		secrets.fromStdin = o.newPasswordStdin
		newPassword, err := secrets.readNew()
		if err != nil {
			return err
		}
		ch, err := cog.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: &p.ClientID,
			ChallengeName: out.ChallengeName, Session: out.Session,
			ChallengeResponses: map[string]string{"USERNAME": o.email, "NEW_PASSWORD": newPassword}})
		if err != nil {
			return cognitoError("setting the new password failed", p, err)
		}
		result = ch.AuthenticationResult
	} else if out.ChallengeName != "" {
		return errorf("sign-in needs the %s challenge, which mpdp does not support; sign in through the console first", out.ChallengeName)
	}
	if result == nil || aws.ToString(result.IdToken) == "" {
		return errorf("sign-in failed: Cognito returned no tokens")
	}

	cr := credentials{Email: o.email, IDToken: aws.ToString(result.IdToken), RefreshToken: aws.ToString(result.RefreshToken),
		ExpiresAt: tokenExpiry(aws.ToString(result.IdToken), result.ExpiresIn, c.now())}
	cfg.Profiles[c.opts.profile] = p
	if err := st.saveConfig(cfg); err != nil {
		return fmt.Errorf("saving the configuration: %w", err)
	}
	if err := st.putCredentials(c.opts.profile, cr); err != nil {
		return fmt.Errorf("saving the session: %w", err)
	}
	if c.opts.json {
		return writeJSON(c.stdout, map[string]any{"profile": c.opts.profile, "email": o.email, "api": p.API, "expiresAt": cr.ExpiresAt})
	}
	fmt.Fprintf(c.stdout, "Signed in as %s (profile %s).\n", o.email, c.opts.profile)
	if p.API == "" {
		fmt.Fprintln(c.stdout, "No API URL is configured yet: pass --api or set MPDP_API.")
	}
	return nil
}

// secretReader reads passwords from the terminal without echo, or from stdin lines.
type secretReader struct {
	cli       *cli
	lines     *bufio.Reader
	fromStdin bool
}

func (s *secretReader) read(prompt, flag string) (string, error) {
	if s.fromStdin {
		line, err := s.lines.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", usageErr(errorf("%s: no line to read from stdin", flag))
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return "", usageErr(errorf("%s: the line read from stdin is empty", flag))
		}
		return line, nil
	}
	if !s.cli.isTerminal(s.cli.stdin) {
		return "", usageErr(errorf("stdin is not a terminal: pass the secret on stdin with %s", flag))
	}
	fmt.Fprint(s.cli.stderr, prompt)
	b, err := s.cli.readPassword(s.cli.stdin)
	fmt.Fprintln(s.cli.stderr)
	if err != nil {
		return "", fmt.Errorf("reading from the terminal: %w", err)
	}
	if len(b) == 0 {
		return "", usageErr(errorf("empty password"))
	}
	return string(b), nil
}

// readNew asks for a new password (twice on a terminal).
func (s *secretReader) readNew() (string, error) {
	if !s.fromStdin && !s.cli.isTerminal(s.cli.stdin) {
		return "", usageErr(errorf("Cognito requires a new password at the first sign-in: pass it as the next stdin line with --new-password-stdin, or run mpdp login in a terminal"))
	}
	pw, err := s.read("New password: ", "--new-password-stdin")
	if err != nil || s.fromStdin {
		return pw, err
	}
	again, err := s.read("Repeat the new password: ", "--new-password-stdin")
	if err != nil {
		return "", err
	}
	if again != pw {
		return "", usageErr(errorf("the new passwords differ"))
	}
	return pw, nil
}

// cognitoError explains a Cognito failure without echoing anything secret.
func cognitoError(what string, p profileConfig, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if ae, ok := errors.AsType[smithy.APIError](err); ok {
		return fmt.Errorf("%s: %s (%s)", what, ae.ErrorMessage(), ae.ErrorCode())
	}
	where := "Cognito in " + p.Region
	if p.CognitoEndpoint != "" {
		where = "Cognito at " + p.CognitoEndpoint
	}
	return fmt.Errorf("%s: cannot reach %s: %v", what, where, err)
}

// tokenExpiry is when an ID token expires: its exp claim, or else Cognito's
// ExpiresIn. The claim is only read, not verified: the API verifies tokens.
func tokenExpiry(idToken string, expiresIn int32, now time.Time) time.Time {
	if parts := strings.Split(idToken, "."); len(parts) == 3 {
		if b, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
			var claims struct {
				Exp int64 `json:"exp"`
			}
			if json.Unmarshal(b, &claims) == nil && claims.Exp > 0 {
				return time.Unix(claims.Exp, 0).UTC()
			}
		}
	}
	if expiresIn > 0 {
		return now.Add(time.Duration(expiresIn) * time.Second).UTC()
	}
	return now.UTC() // unknown: refresh before the next use
}

// needsRefresh decides whether the cached ID token must be refreshed before use.
func needsRefresh(cr credentials, now time.Time) bool {
	return cr.IDToken == "" || !now.Add(refreshMargin).Before(cr.ExpiresAt)
}

// tokenSource returns the function the API client calls for a current ID
// token: the cached one, refreshed with REFRESH_TOKEN_AUTH when it expires
// within refreshMargin.
func (c *cli) tokenSource(p profileConfig) func(context.Context) (string, error) {
	var current credentials
	return func(ctx context.Context) (string, error) {
		now := c.now()
		if current.IDToken != "" && !needsRefresh(current, now) {
			return current.IDToken, nil
		}
		st, err := c.store()
		if err != nil {
			return "", err
		}
		cr, ok, err := st.profileCredentials(c.opts.profile)
		if err != nil {
			return "", err
		}
		if !ok || (cr.IDToken == "" && cr.RefreshToken == "") {
			return "", errorf("not signed in (profile %s): run mpdp login", c.opts.profile)
		}
		if needsRefresh(cr, now) {
			if cr, err = c.refresh(ctx, p, cr); err != nil {
				return "", err
			}
			if err := st.putCredentials(c.opts.profile, cr); err != nil {
				return "", fmt.Errorf("saving the refreshed session: %w", err)
			}
		}
		current = cr
		return cr.IDToken, nil
	}
}

// refresh gets a new ID token with the refresh token.
func (c *cli) refresh(ctx context.Context, p profileConfig, cr credentials) (credentials, error) {
	again := func(why string) error {
		return fmt.Errorf("your session expired and could not be refreshed (%s): run mpdp login again", why)
	}
	if cr.RefreshToken == "" || p.ClientID == "" || p.Region == "" {
		return cr, again("no refresh token or Cognito settings in the profile")
	}
	out, err := c.cognito(p).InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &p.ClientID,
		AuthFlow: ciptypes.AuthFlowTypeRefreshTokenAuth, AuthParameters: map[string]string{"REFRESH_TOKEN": cr.RefreshToken}})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return cr, err
		}
		return cr, again(cognitoError("refresh failed", p, err).Error())
	}
	res := out.AuthenticationResult
	if res == nil || aws.ToString(res.IdToken) == "" {
		return cr, again("Cognito returned no token")
	}
	cr.IDToken = aws.ToString(res.IdToken)
	cr.ExpiresAt = tokenExpiry(cr.IDToken, res.ExpiresIn, c.now())
	if rt := aws.ToString(res.RefreshToken); rt != "" { // rotation, when enabled
		cr.RefreshToken = rt
	}
	return cr, nil
}

// apiClient returns a signed-in client for the current profile.
func (c *cli) apiClient() (*apiClient, error) {
	p, err := c.profile()
	if err != nil {
		return nil, err
	}
	if p.API == "" {
		return nil, usageErr(errorf("no API URL: pass --api, set MPDP_API, or run mpdp login --api URL"))
	}
	if !strings.HasPrefix(p.API, "https://") && !strings.HasPrefix(p.API, "http://") {
		return nil, usageErr(errorf("the API URL %q must start with https:// (or http:// for a local platform)", p.API))
	}
	return &apiClient{base: p.API, http: c.http, token: c.tokenSource(p)}, nil
}
