// Command mailer is the worker that delivers queued emails through SES.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mpdp/platform/shared/platform"
)

func main() {
	lambda.Start(platform.NewMailer(platform.MustLoad()).Handle)
}
