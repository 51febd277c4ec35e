// Command mpdp-admin runs operators' tasks on a deployed platform with the AWS
// credentials of its account. It is kept apart from mpdp, the developers' CLI:
// that one signs in with Cognito and is handed to merchants and their CI, so it
// should carry neither operator actions nor the platform's server code.
//
//	mpdp-admin bootstrap --stack <stack name> --email ops@example.com [--region us-east-1] [--tenant-name "Super App"]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/mpdp/platform/shared/domain"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `mpdp-admin runs operators' tasks on a deployed platform.

Usage:
  mpdp-admin bootstrap --stack NAME --email ADDRESS [--region REGION] [--tenant-name NAME]

bootstrap, run once after the first cdk deploy, creates the tenant workspace and
its first admin (a Cognito user with a temporary password, mailed to ADDRESS).
It reads the deployed resources from the stack; running it again creates nothing.
AWS credentials and region come from the environment (AWS_PROFILE, AWS_REGION, ...).
`

// run executes one command line and returns the exit code: 0 done, 1 failed, 2 usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "bootstrap" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			return 0
		}
		return 2
	}
	fs := flag.NewFlagSet("mpdp-admin bootstrap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts bootstrapOptions
	var region string
	fs.StringVar(&opts.Stack, "stack", "", "name of the deployed CloudFormation stack (required)")
	fs.StringVar(&opts.Email, "email", "", "email of the tenant's first admin (required)")
	fs.StringVar(&opts.TenantName, "tenant-name", "Platform", "name of the tenant workspace")
	fs.StringVar(&region, "region", "", "AWS region of the stack (default: from the environment)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if err := opts.check(); err != nil || fs.NArg() > 0 {
		if err == nil {
			err = fmt.Errorf("unexpected arguments %q", fs.Args())
		}
		fmt.Fprintln(stderr, "mpdp-admin bootstrap:", err)
		return 2
	}
	var loadOpts []func(*config.LoadOptions) error
	if region != "" {
		loadOpts = append(loadOpts, config.WithRegion(region))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err == nil && awsCfg.Region == "" {
		err = errors.New("no AWS region: pass --region or set AWS_REGION")
	}
	if err != nil {
		fmt.Fprintln(stderr, "mpdp-admin bootstrap:", err)
		return 1
	}
	if err := bootstrap(ctx, awsCfg, opts, stdout); err != nil {
		fmt.Fprintln(stderr, "mpdp-admin bootstrap:", err)
		return 1
	}
	return 0
}

type bootstrapOptions struct {
	Stack, Email, TenantName string
}

func (o *bootstrapOptions) check() error {
	o.Email = domain.NormalizeEmail(o.Email)
	o.TenantName = strings.TrimSpace(o.TenantName)
	var v domain.ValidationError
	domain.CheckEmail(&v, "email", o.Email)
	switch {
	case o.Stack == "":
		return errors.New("--stack is required: the name of the stack cdk deploy created")
	case o.Email == "":
		return errors.New("--email is required: the first admin's email")
	case len(v.Fields) > 0:
		return fmt.Errorf("--email %q: %s", o.Email, v.Fields[0].Message)
	case o.TenantName == "":
		return errors.New("--tenant-name must not be empty")
	}
	return nil
}
