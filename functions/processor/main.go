// Command processor is the worker that validates uploaded packages (S3 events through SQS).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mpdp/platform/shared/platform"
)

func main() {
	lambda.Start(platform.NewProcessor(platform.MustLoad()).Handle)
}
