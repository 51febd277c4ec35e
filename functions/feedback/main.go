// Command feedback is the Lambda serving the feedback routes of the route table.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mpdp/platform/shared/lambdahttp"
	"github.com/mpdp/platform/shared/platform"
)

func main() {
	lambda.Start(lambdahttp.Handler(platform.NewServer(platform.MustLoad()).Handler("feedback")))
}
