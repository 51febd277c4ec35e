// Command mailer is the worker that delivers queued emails through SES.
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
	lambda.Start(platform.NewMailer(awsCfg, cfg, platform.Logger()).Handle)
}
