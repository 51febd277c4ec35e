// Command processor is the worker that validates uploaded packages (S3 events through SQS).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mpdp/platform/shared/platform"
	"github.com/mpdp/platform/shared/platform/workers"
)

func main() {
	lambda.Start(workers.NewProcessor(platform.MustLoad()).Handle)
}
