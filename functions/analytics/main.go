// Command analytics is the worker that aggregates runtime events and crash reports (batches through SQS).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mpdp/platform/shared/platform"
	"github.com/mpdp/platform/shared/platform/workers"
)

func main() {
	lambda.Start(workers.NewAnalyticsWorker(platform.MustLoad()).Handle)
}
