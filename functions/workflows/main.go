// Command workflows is the worker that does the launch workflow's tasks (task tokens through SQS).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mpdp/platform/shared/platform"
)

func main() {
	lambda.Start(platform.NewWorkflowWorker(platform.MustLoad()).Handle)
}
