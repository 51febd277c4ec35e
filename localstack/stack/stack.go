// Package stack brings the whole platform up on an emulator: it starts moto (or
// uses the LocalStack at $AWS_ENDPOINT_URL), provisions the resources, bootstraps
// the tenant, and builds the gateway and the queue pollers. `make dev` and the
// integration tests both use it, so what the tests cover is what developers run.
package stack

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mpdp/platform/localstack/emulator"
	"github.com/mpdp/platform/localstack/gateway"
	"github.com/mpdp/platform/localstack/internal/cognitojwt"
	"github.com/mpdp/platform/localstack/poller"
	"github.com/mpdp/platform/shared/api"
	"github.com/mpdp/platform/shared/identity"
	"github.com/mpdp/platform/shared/platform"
	"github.com/mpdp/platform/shared/platform/apiserver"
	"github.com/mpdp/platform/shared/platform/workers"
	"github.com/mpdp/platform/shared/provision"
	"github.com/mpdp/platform/shared/storage"
)

// Options configure Start.
type Options struct {
	EmulatorLog io.Writer    // moto's output; nil discards it
	Log         *slog.Logger // the functions' logs; nil discards them
	Tenant      platform.Tenant
	MailFrom    string
	ConsoleURL  string
	// ConsoleOrigins may PUT to the bucket from browsers; default: ConsoleURL's origin.
	ConsoleOrigins []string
	// Timing, if set, shortens the launch workflow's waits (tests).
	Timing api.LaunchTiming
	// Wrap, if set, wraps the AWS config before clients are built (the benchmark
	// counts DynamoDB calls this way).
	Wrap func(*aws.Config)
}

// Stack is a running local platform.
type Stack struct {
	Emulator  *emulator.Emulator
	AWS       aws.Config
	Config    platform.Config
	Server    *api.Server
	Store     *storage.Store
	Directory *identity.Directory
	Verifier  *cognitojwt.Verifier
	Gateway   http.Handler
	Admin     identity.User // the tenant's first admin
	// PackageQueueURL is where the bucket's upload events arrive.
	PackageQueueURL string
	// WorkflowQueueURL is where the launch workflow sends its tasks.
	WorkflowQueueURL string
	log              *slog.Logger
	stopVerifier     context.CancelFunc
}

// Start brings the platform up.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if opts.MailFrom == "" {
		opts.MailFrom = "no-reply@mpdp.local"
	}
	em, err := emulator.Start(ctx, emulator.Options{Log: opts.EmulatorLog, UseExisting: true})
	if err != nil {
		return nil, err
	}
	s, err := start(ctx, em, opts)
	if err != nil {
		em.Stop()
		return nil, err
	}
	return s, nil
}

func start(ctx context.Context, em *emulator.Emulator, opts Options) (*Stack, error) {
	awsCfg, err := em.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	origins := opts.ConsoleOrigins
	if len(origins) == 0 && opts.ConsoleURL != "" {
		origins = []string{origin(opts.ConsoleURL)}
	}
	out, err := provision.Provision(ctx, awsCfg, provision.Options{MailFrom: opts.MailFrom, ConsoleOrigins: origins})
	if err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	cfg := platform.Config{Region: awsCfg.Region, TableName: out.TableName, BucketName: out.BucketName,
		UserPoolID: out.UserPoolID, ClientID: out.ClientID, MailQueueURL: out.MailQueueURL,
		MailFrom: opts.MailFrom, ConsoleURL: opts.ConsoleURL, ConsoleOrigins: origins, StateMachineARN: out.StateMachineARN,
		AppKeysKMSKey: out.AppKeysKMSKey, AnalyticsQueueURL: out.AnalyticsQueueURL, MailConfigurationSet: out.MailConfigurationSet}
	if opts.Wrap != nil {
		opts.Wrap(&awsCfg)
	}
	s := &Stack{Emulator: em, AWS: awsCfg, Config: cfg, log: opts.Log, PackageQueueURL: out.PackageQueueURL, WorkflowQueueURL: out.WorkflowQueueURL,
		Server:    apiserver.NewServer(awsCfg, cfg, opts.Log),
		Store:     storage.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName, nil),
		Directory: identity.New(cip.NewFromConfig(awsCfg), cfg.UserPoolID),
	}
	// The emulator serves the pool's keys under its own endpoint; tokens still
	// name the cloud issuer, which is what the verifier checks. Its background
	// refresh runs until Stop.
	verifierCtx, stopVerifier := context.WithCancel(context.Background())
	s.stopVerifier = stopVerifier
	s.Verifier, err = cognitojwt.New(verifierCtx, cognitojwt.Issuer(awsCfg.Region, cfg.UserPoolID),
		em.Endpoint()+"/"+cfg.UserPoolID+"/.well-known/jwks.json", []string{cfg.ClientID}, cognitojwt.Options{})
	if err != nil {
		stopVerifier()
		return nil, fmt.Errorf("token verifier: %w", err)
	}
	if opts.Timing != (api.LaunchTiming{}) {
		s.Server.Timing = opts.Timing
	}
	s.Gateway = gateway.New(s.Server, s.Verifier)
	if opts.Tenant.AdminEmail != "" {
		b, err := platform.Bootstrap(ctx, s.Store, s.Directory, opts.Tenant)
		if err != nil {
			return nil, fmt.Errorf("bootstrap tenant: %w", err)
		}
		s.Admin = b.Admin
	}
	return s, nil
}

// Pollers returns the queue pollers that stand in for Lambda's event source mappings.
func (s *Stack) Pollers() []*poller.Poller {
	client := sqs.NewFromConfig(s.AWS)
	return []*poller.Poller{
		{Client: client, QueueURL: s.Config.MailQueueURL, Worker: workers.NewMailer(s.AWS, s.Config, s.log).Handle, Log: s.log},
		{Client: client, QueueURL: s.PackageQueueURL, Worker: workers.NewProcessor(s.AWS, s.Config, s.log).Handle, Log: s.log},
		{Client: client, QueueURL: s.WorkflowQueueURL, Worker: workers.NewWorkflowWorker(s.AWS, s.Config, s.log).Handle, Log: s.log},
		// Appended last so the indexes above stay put.
		{Client: client, QueueURL: s.Config.AnalyticsQueueURL, Worker: workers.NewAnalyticsWorker(s.AWS, s.Config, s.log).Handle, Log: s.log},
	}
}

// origin is the scheme://host[:port] of a URL.
func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Scheme + "://" + p.Host
}

// Stop stops the emulator if Start launched it.
func (s *Stack) Stop() error {
	s.stopVerifier()
	return s.Emulator.Stop()
}

// SignIn signs a user in with Cognito's USER_PASSWORD_AUTH flow and returns the
// ID token. If the password is temporary, newPassword replaces it.
func (s *Stack) SignIn(ctx context.Context, email, password, newPassword string) (string, error) {
	client := cip.NewFromConfig(s.AWS)
	out, err := client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &s.Config.ClientID,
		AuthFlow:       ciptypes.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password}})
	if err != nil {
		return "", fmt.Errorf("sign in %s: %w", email, err)
	}
	if out.ChallengeName == ciptypes.ChallengeNameTypeNewPasswordRequired {
		if newPassword == "" {
			return "", fmt.Errorf("sign in %s: a new password is required", email)
		}
		ch, err := client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: &s.Config.ClientID,
			ChallengeName: out.ChallengeName, Session: out.Session,
			ChallengeResponses: map[string]string{"USERNAME": email, "NEW_PASSWORD": newPassword}})
		if err != nil {
			return "", fmt.Errorf("set new password for %s: %w", email, err)
		}
		return aws.ToString(ch.AuthenticationResult.IdToken), nil
	}
	if out.AuthenticationResult == nil {
		return "", fmt.Errorf("sign in %s: unexpected challenge %s", email, out.ChallengeName)
	}
	return aws.ToString(out.AuthenticationResult.IdToken), nil
}
