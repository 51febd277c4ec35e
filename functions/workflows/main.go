// Command workflows is the worker that does the launch workflow's tasks (task tokens through SQS).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mpdp/platform/shared/platform"
	"github.com/mpdp/platform/shared/platform/workers"
)

func main() {
	lambda.Start(workers.NewWorkflowWorker(platform.MustLoad()).Handle)
}
