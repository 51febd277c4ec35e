// Package apiserver wires the API on AWS clients: one function's handlers for
// its Lambda, or every function's for the local gateway and the tests.
package apiserver

import (
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mpdp/platform/shared/api"
	"github.com/mpdp/platform/shared/appkeys"
	"github.com/mpdp/platform/shared/identity"
	"github.com/mpdp/platform/shared/ingest"
	"github.com/mpdp/platform/shared/platform"
)

// NewServer builds the API server with every client, for the local gateway and
// the tests, which serve all functions in one process.
func NewServer(awsCfg aws.Config, c platform.Config, log *slog.Logger) *api.Server {
	all := api.Needs{Users: true, Mail: true, Packages: true, Workflows: true, Secrets: true, Analytics: true}
	return api.New(deps(awsCfg, c, log, all))
}

// NewFunction builds the handler of one API function (a Lambda's main), with
// only the clients that function's handlers call.
func NewFunction(f api.Function, awsCfg aws.Config, c platform.Config, log *slog.Logger) http.Handler {
	return f.Handler(deps(awsCfg, c, log, f.Needs))
}

// deps builds the store and the clients n names.
func deps(awsCfg aws.Config, c platform.Config, log *slog.Logger, n api.Needs) api.Deps {
	d := api.Deps{
		Store:      platform.NewStore(awsCfg, c),
		ConsoleURL: c.ConsoleURL,
		Log:        log,
	}
	if n.Users {
		d.Users = identity.New(cip.NewFromConfig(awsCfg), c.UserPoolID)
	}
	if n.Mail {
		d.Mail = platform.NewOutbox(awsCfg, c)
	}
	if n.Packages {
		d.Packages = platform.NewBucket(awsCfg, c)
	}
	if n.Workflows {
		d.Workflows = platform.NewRunner(awsCfg, c)
	}
	if n.Secrets {
		d.Secrets = appkeys.NewSecrets(kms.NewFromConfig(awsCfg), c.AppKeysKMSKey, nil)
	}
	if n.Analytics {
		d.Analytics = &ingest.Queue{Client: sqs.NewFromConfig(awsCfg), URL: c.AnalyticsQueueURL}
	}
	return d
}
