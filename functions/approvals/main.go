// Command approvals is the Lambda serving the approvals routes of the route table.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mpdp/platform/shared/api"
	"github.com/mpdp/platform/shared/lambdahttp"
	"github.com/mpdp/platform/shared/platform"
	"github.com/mpdp/platform/shared/platform/apiserver"
)

func main() {
	awsCfg, c, log := platform.MustLoad()
	lambda.Start(lambdahttp.Handler(apiserver.NewFunction(api.Approvals, awsCfg, c, log)))
}
