// Command infra is the CDK app that provisions the mini program development
// platform. Run it through the CDK CLI (`npx cdk synth`, `npx cdk deploy`); the
// Lambda binaries are built beforehand, one linux/arm64 `bootstrap` per function
// under ../build/functions/<name>/ (or the directory in MPDP_FUNCTIONS_DIR), and
// the web console is built into ../console/dist (or MPDP_CONSOLE_DIR) by `make console`.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// DefaultFunctionsDir is where the root build puts the function binaries, relative to infra/.
const DefaultFunctionsDir = "../build/functions"

// DefaultConsoleDir is where the console's build puts its files, relative to infra/.
const DefaultConsoleDir = "../console/dist"

func main() {
	defer jsii.Close()

	dir := os.Getenv("MPDP_FUNCTIONS_DIR")
	if dir == "" {
		dir = DefaultFunctionsDir
	}
	if err := CheckFunctionAssets(dir); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
	consoleDir := os.Getenv("MPDP_CONSOLE_DIR")
	if consoleDir == "" {
		consoleDir = DefaultConsoleDir
	}
	if err := CheckConsoleAssets(consoleDir); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}

	app := awscdk.NewApp(nil)
	stage, err := StageOf(app)
	if err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
	AddNagChecks(app)
	NewPlatformStack(app, StackName(stage), &PlatformStackProps{
		Stage:        stage,
		StackProps:   awscdk.StackProps{Env: env()},
		FunctionsDir: dir,
		ConsoleDir:   consoleDir,
	})
	app.Synth(nil)
}

// AddNagChecks applies cdk-nag's AWS Solutions rules to everything in scope.
func AddNagChecks(app awscdk.App) {
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// env targets the account and region of the CLI's credentials when it has them,
// and leaves the stack environment-agnostic otherwise (synth offline).
func env() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if account == "" || region == "" {
		return nil
	}
	return &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
}
