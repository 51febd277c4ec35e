// Command miniprograms is the Lambda serving the miniprograms routes of the route table.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mpdp/platform/shared/lambdahttp"
	"github.com/mpdp/platform/shared/platform"
)

func main() {
	awsCfg, cfg, err := platform.FromLambdaEnv(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	srv := platform.NewServer(awsCfg, cfg, platform.Logger())
	lambda.Start(lambdahttp.Handler(srv.Handler("miniprograms")))
}
