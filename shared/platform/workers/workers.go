// Package workers wires the queue workers (package processor, analytics,
// launch workflow tasks, mail) on AWS clients, for their Lambdas and the local
// pollers.
package workers

import (
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/mpdp/platform/shared/ingest"
	"github.com/mpdp/platform/shared/mailer"
	"github.com/mpdp/platform/shared/packages"
	"github.com/mpdp/platform/shared/platform"
	"github.com/mpdp/platform/shared/processor"
	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/workflows/worker"
)

// NewProcessor builds the package-processor worker.
func NewProcessor(awsCfg aws.Config, c platform.Config, log *slog.Logger) *processor.Worker {
	return &processor.Worker{
		Store:       platform.NewStore(awsCfg, c),
		Bucket:      platform.NewBucket(awsCfg, c),
		Limits:      packages.DefaultLimits(),
		MaxReceives: resources.PackageQueue.MaxReceiveCount,
		Log:         log,
		Now:         time.Now,
	}
}

// NewWorkflowWorker builds the launch workflow's task worker.
func NewWorkflowWorker(awsCfg aws.Config, c platform.Config, log *slog.Logger) *worker.Worker {
	return &worker.Worker{
		Store: platform.NewStore(awsCfg, c),
		Tasks: platform.NewRunner(awsCfg, c),
		Mail:  platform.NewOutbox(awsCfg, c),
		Log:   log,
		Now:   time.Now,
	}
}

// NewAnalyticsWorker builds the analytics worker.
func NewAnalyticsWorker(awsCfg aws.Config, c platform.Config, log *slog.Logger) *ingest.Worker {
	return &ingest.Worker{
		Store:  platform.NewStore(awsCfg, c),
		Bucket: platform.NewBucket(awsCfg, c),
		Log:    log,
		Now:    time.Now,
	}
}

// NewMailer builds the mail worker.
func NewMailer(awsCfg aws.Config, c platform.Config, log *slog.Logger) *mailer.Worker {
	sender := mailer.NewSender(sesv2.NewFromConfig(awsCfg), c.MailFrom)
	sender.ConfigurationSet = c.MailConfigurationSet
	return &mailer.Worker{Sender: sender, Log: log}
}
