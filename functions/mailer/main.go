// Command mailer is the worker that delivers queued emails through SES.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mpdp/platform/shared/platform"
	"github.com/mpdp/platform/shared/platform/workers"
)

func main() {
	lambda.Start(workers.NewMailer(platform.MustLoad()).Handle)
}
