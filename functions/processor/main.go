// Command processor is the worker that validates uploaded packages (S3 events through SQS).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mpdp/platform/shared/platform"
)

func main() {
	awsCfg, cfg, err := platform.FromLambdaEnv(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(platform.NewProcessor(awsCfg, cfg, platform.Logger()).Handle)
}
