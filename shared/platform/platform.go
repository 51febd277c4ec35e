// Package platform is what every function shares at start: its configuration
// from the environment, the SDK's, the logger, and the clients most of them
// use. The API functions are wired in package apiserver, the workers in
// package workers, so that a worker does not link (or initialize) the API and
// an API function no worker.
package platform

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mpdp/platform/shared/bucket"
	"github.com/mpdp/platform/shared/mail"
	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/storage"
	"github.com/mpdp/platform/shared/workflows"
)

// Config is what the functions need to find their resources.
type Config struct {
	Region       string
	TableName    string
	BucketName   string
	UserPoolID   string
	ClientID     string
	MailQueueURL string
	MailFrom     string
	// MailConfigurationSet is the SES configuration set of every email (empty: none).
	MailConfigurationSet string
	// StateMachineARN is the launch workflow.
	StateMachineARN string
	ConsoleURL      string
	// ConsoleOrigins may call the bucket from browsers (CORS); comma-separated in the environment.
	ConsoleOrigins []string
	// AppKeysKMSKey is the KMS key (ARN or alias) of the app keys' secrets.
	AppKeysKMSKey string
	// AnalyticsQueueURL is where the runtime API queues analytics batches.
	AnalyticsQueueURL string
}

// Env returns c as the environment variables the functions read.
func (c Config) Env() map[string]string {
	return map[string]string{
		resources.EnvTableName: c.TableName, resources.EnvBucketName: c.BucketName,
		resources.EnvUserPoolID: c.UserPoolID, resources.EnvClientID: c.ClientID,
		resources.EnvMailQueueURL: c.MailQueueURL, resources.EnvMailFrom: c.MailFrom,
		resources.EnvConsoleURL: c.ConsoleURL, resources.EnvStateMachine: c.StateMachineARN, resources.EnvConsoleOrigins: strings.Join(c.ConsoleOrigins, ","),
		resources.EnvAppKeysKMSKey: c.AppKeysKMSKey, resources.EnvAnalyticsQueueURL: c.AnalyticsQueueURL,
		resources.EnvMailConfigurationSet: c.MailConfigurationSet,
	}
}

// FromEnv reads the configuration Lambda's environment holds.
func FromEnv() (Config, error) {
	c, err := ConfigFrom(os.Getenv)
	c.Region = os.Getenv("AWS_REGION")
	return c, err
}

// ConfigFrom reads the configuration from the functions' environment variables
// as get returns them (the process's, or a deployed function's). Region is not
// among them: Lambda sets it.
func ConfigFrom(get func(string) string) (Config, error) {
	c := Config{
		TableName:            get(resources.EnvTableName),
		BucketName:           get(resources.EnvBucketName),
		UserPoolID:           get(resources.EnvUserPoolID),
		ClientID:             get(resources.EnvClientID),
		MailQueueURL:         get(resources.EnvMailQueueURL),
		MailFrom:             get(resources.EnvMailFrom),
		MailConfigurationSet: get(resources.EnvMailConfigurationSet),
		ConsoleURL:           get(resources.EnvConsoleURL),
		StateMachineARN:      get(resources.EnvStateMachine),
		AppKeysKMSKey:        get(resources.EnvAppKeysKMSKey),
		AnalyticsQueueURL:    get(resources.EnvAnalyticsQueueURL),
	}
	if o := get(resources.EnvConsoleOrigins); o != "" {
		c.ConsoleOrigins = strings.Split(o, ",")
	}
	for _, name := range []string{resources.EnvTableName, resources.EnvUserPoolID} {
		if get(name) == "" {
			return c, fmt.Errorf("environment variable %s is not set", name)
		}
	}
	return c, nil
}

// Logger is the functions' JSON logger.
func Logger() *slog.Logger { return slog.New(slog.NewJSONHandler(os.Stderr, nil)) }

// AWSFromEnv is the SDK configuration of a function, read from the environment
// get returns as Lambda sets it: the region (AWS_REGION, or AWS_DEFAULT_REGION),
// the execution role's credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN) and AWS_ENDPOINT_URL (an emulator; unset in the cloud).
// These are what the SDK's default chain (config.LoadDefaultConfig) finds first
// in Lambda; reading them directly spares each cold start the chain's shared
// config files and certificate loading and its packages' initialization (STS,
// SSO, IMDS), which made up most of a function's start-to-ready time. The
// clients' other settings are the SDK's defaults, as the chain leaves them.
func AWSFromEnv(get func(string) string) (aws.Config, error) {
	region := get("AWS_REGION")
	if region == "" {
		region = get("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return aws.Config{}, errors.New("environment variable AWS_REGION is not set")
	}
	key, secret := get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")
	if key == "" || secret == "" {
		return aws.Config{}, errors.New("environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them to the function's role)")
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, get("AWS_SESSION_TOKEN")),
	}
	if e := get("AWS_ENDPOINT_URL"); e != "" {
		cfg.BaseEndpoint = aws.String(e)
	}
	return cfg, nil
}

// NewStore is the table's store.
func NewStore(awsCfg aws.Config, c Config) *storage.Store {
	return storage.New(dynamodb.NewFromConfig(awsCfg), c.TableName, nil)
}

// NewBucket is the packages bucket.
func NewBucket(awsCfg aws.Config, c Config) *bucket.Bucket {
	return bucket.New(s3.NewFromConfig(awsCfg, quietChecksums), c.BucketName, nil)
}

// NewOutbox queues emails for the mailer.
func NewOutbox(awsCfg aws.Config, c Config) *mail.Outbox {
	return mail.NewOutbox(sqs.NewFromConfig(awsCfg), c.MailQueueURL)
}

// NewRunner starts and signals the launch workflow.
func NewRunner(awsCfg aws.Config, c Config) *workflows.Runner {
	return workflows.NewRunner(sfn.NewFromConfig(awsCfg), c.StateMachineARN)
}

// MustLoad loads a function's configuration from its environment, with the
// logger, in the order NewServer and the worker constructors take them; a
// function that cannot find its resources exits at once, with the reason.
func MustLoad() (aws.Config, Config, *slog.Logger) {
	log := Logger()
	c, err := FromEnv()
	if err != nil {
		log.Error("configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := AWSFromEnv(os.Getenv)
	if err != nil {
		log.Error("AWS configuration", "error", err.Error())
		os.Exit(1)
	}
	return awsCfg, c, log
}

// quietChecksums stops the S3 client logging, for every object without a
// checksum, that it skipped validating one.
func quietChecksums(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = true }
