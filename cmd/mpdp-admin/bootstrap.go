package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/mpdp/platform/shared/identity"
	"github.com/mpdp/platform/shared/mail"
	"github.com/mpdp/platform/shared/platform"
	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/storage"
)

// bootstrap creates the tenant workspace and its first admin on the platform
// the stack deployed, once, and tells on out what it did.
func bootstrap(ctx context.Context, awsCfg aws.Config, o bootstrapOptions, out io.Writer) error {
	cfg, fn, err := stackConfig(ctx, awsCfg, o.Stack)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Stack %s (%s): table %s, user pool %s (read from the %s function's environment).\n",
		o.Stack, awsCfg.Region, cfg.TableName, cfg.UserPoolID, fn)
	outbox := mail.NewOutbox(sqs.NewFromConfig(awsCfg), cfg.MailQueueURL)
	b, err := platform.Bootstrap(ctx, storage.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName, nil),
		identity.New(cip.NewFromConfig(awsCfg), cfg.UserPoolID), platform.Tenant{
			Name: o.TenantName, AdminEmail: o.Email,
			Welcome: func(ctx context.Context, u identity.User) error {
				return outbox.Send(ctx, mail.TenantAdmin(o.Email, o.TenantName, cfg.ConsoleURL, u.TemporaryPassword))
			},
		})
	if err != nil {
		return err
	}
	if !b.Created {
		fmt.Fprintf(out, "Nothing to do: the tenant workspace %q (%s) already exists since %s, contact %s. Nothing was created and no email was sent.\n",
			b.Workspace.Name, b.Workspace.ID, b.Workspace.CreatedAt.Format(time.RFC3339), b.Workspace.Contact.Email)
		return nil
	}
	fmt.Fprintf(out, "Created the tenant workspace %q (%s) with its first admin %s (Cognito user %s).\n",
		b.Workspace.Name, b.Workspace.ID, o.Email, b.Admin.ID)
	how := "a temporary password, changed at first sign-in"
	if b.Admin.TemporaryPassword == "" {
		how = "their existing password (the user already existed and has signed in before)"
	}
	fmt.Fprintf(out, "Queued the welcome email to %s with %s; the mailer function sends it through SES from %s.\n", o.Email, how, cfg.MailFrom)
	fmt.Fprintf(out, "Sign in at %s.\n", cfg.ConsoleURL)
	return nil
}

// stackConfig reads the platform's configuration from the environment of one of
// the stack's functions (the functions all get the same one). Stack outputs would
// do in AWS, but do not hold the mail queue, and an emulator's CloudFormation
// (moto) returns none; the resources and the functions' configuration work in both.
func stackConfig(ctx context.Context, awsCfg aws.Config, stack string) (platform.Config, string, error) {
	cf, fns := cloudformation.NewFromConfig(awsCfg), lambda.NewFromConfig(awsCfg)
	pages := cloudformation.NewListStackResourcesPaginator(cf, &cloudformation.ListStackResourcesInput{StackName: &stack})
	seen := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			var api smithy.APIError
			if errors.As(err, &api) && api.ErrorCode() == "ValidationError" && strings.Contains(api.ErrorMessage(), "does not exist") {
				return platform.Config{}, "", fmt.Errorf("there is no stack %q in %s: check the name cdk deploy printed, and --region", stack, awsCfg.Region)
			}
			return platform.Config{}, "", fmt.Errorf("list the resources of stack %s: %w", stack, err)
		}
		for _, r := range page.StackResourceSummaries {
			if aws.ToString(r.ResourceType) != "AWS::Lambda::Function" || r.PhysicalResourceId == nil {
				continue
			}
			seen++
			fc, err := fns.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: r.PhysicalResourceId})
			if err != nil {
				return platform.Config{}, "", fmt.Errorf("read function %s of stack %s: %w", aws.ToString(r.PhysicalResourceId), stack, err)
			}
			if fc.Environment == nil || fc.Environment.Variables[resources.EnvMailQueueURL] == "" {
				continue // not a platform function (CDK's helpers)
			}
			vars := fc.Environment.Variables
			cfg, err := platform.ConfigFrom(func(k string) string { return vars[k] })
			if err != nil {
				return cfg, "", fmt.Errorf("function %s of stack %s: %w", aws.ToString(fc.FunctionName), stack, err)
			}
			cfg.Region = awsCfg.Region
			return cfg, aws.ToString(fc.FunctionName), nil
		}
	}
	return platform.Config{}, "", fmt.Errorf("stack %s has no platform function (of its %d functions, none has %s in its environment): is it the platform's stack?",
		stack, seen, resources.EnvMailQueueURL)
}
