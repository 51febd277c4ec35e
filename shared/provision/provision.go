// Package provision creates the platform's resources on an AWS endpoint from the
// same definitions the CDK app uses (package resources). It is how `make dev`
// and the integration tests set up the emulator; in the cloud, CDK does this.
package provision

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/workflows"
)

// Options tune local provisioning.
type Options struct {
	MailFrom       string   // the SES identity emails are sent from
	ConsoleOrigins []string // browsers on these origins may PUT to the bucket
}

// Outputs name what Provision created, like the CDK app's stack outputs.
type Outputs struct {
	TableName        string
	BucketName       string
	MailQueueURL     string
	PackageQueueURL  string
	WorkflowQueueURL string
	// AnalyticsQueueURL carries accepted runtime analytics batches.
	AnalyticsQueueURL string
	StateMachineARN   string
	UserPoolID        string
	ClientID          string
	AppKeysKMSKey     string // ARN of the KMS key of the app keys' secrets
	// MailConfigurationSet is the SES configuration set emails go through.
	MailConfigurationSet string
}

// Provision creates every resource (reusing those that exist) and says where they are.
func Provision(ctx context.Context, cfg aws.Config, opts Options) (Outputs, error) {
	out := Outputs{TableName: resources.Table.Name, BucketName: resources.Bucket.Name}
	if err := createTable(ctx, dynamodb.NewFromConfig(cfg), resources.Table); err != nil {
		return out, err
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if err := createBucket(ctx, s3c, resources.Bucket, opts.ConsoleOrigins); err != nil {
		return out, err
	}
	sq := sqs.NewFromConfig(cfg)
	for _, q := range resources.Queues {
		url, err := createQueue(ctx, sq, q)
		if err != nil {
			return out, err
		}
		switch q.Name {
		case resources.MailQueue.Name:
			out.MailQueueURL = url
		case resources.PackageQueue.Name:
			out.PackageQueueURL = url
		case resources.WorkflowQueue.Name:
			out.WorkflowQueueURL = url
		case resources.AnalyticsQueue.Name:
			out.AnalyticsQueueURL = url
		}
	}
	if err := notify(ctx, s3c, sq, out.PackageQueueURL); err != nil {
		return out, err
	}
	var err error
	if out.StateMachineARN, err = createStateMachine(ctx, sfn.NewFromConfig(cfg), out.WorkflowQueueURL); err != nil {
		return out, err
	}
	if out.AppKeysKMSKey, err = createKey(ctx, kms.NewFromConfig(cfg), resources.AppKeysKey); err != nil {
		return out, err
	}
	if out.UserPoolID, out.ClientID, err = createUserPool(ctx, cip.NewFromConfig(cfg), resources.UserPool); err != nil {
		return out, err
	}
	ses := sesv2.NewFromConfig(cfg)
	if _, err := ses.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: &opts.MailFrom}); err != nil && !alreadyExists(err) {
		return out, fmt.Errorf("verify sender %s: %w", opts.MailFrom, err)
	}
	if _, err := ses.CreateConfigurationSet(ctx, CreateConfigurationSetInput(resources.MailConfigurationSet)); err != nil && !alreadyExists(err) {
		return out, fmt.Errorf("create configuration set %s: %w", resources.MailConfigurationSet.Name, err)
	}
	out.MailConfigurationSet = resources.MailConfigurationSet.Name
	return out, nil
}

// alreadyExists says whether err is SES's AlreadyExistsException.
func alreadyExists(err error) bool {
	var exists interface{ ErrorCode() string }
	return errors.As(err, &exists) && exists.ErrorCode() == "AlreadyExistsException"
}

// createKey finds the KMS key under spec's alias, or creates it (with rotation,
// like the CDK app's) and the alias, and returns its ARN.
func createKey(ctx context.Context, client *kms.Client, spec resources.KMSKeySpec) (string, error) {
	found, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &spec.Alias})
	if err == nil {
		return aws.ToString(found.KeyMetadata.Arn), nil
	}
	var missing *kmstypes.NotFoundException
	if !errors.As(err, &missing) {
		return "", fmt.Errorf("describe key %s: %w", spec.Alias, err)
	}
	created, err := client.CreateKey(ctx, &kms.CreateKeyInput{Description: &spec.Description,
		KeySpec: kmstypes.KeySpecSymmetricDefault, KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt})
	if err != nil {
		return "", fmt.Errorf("create key %s: %w", spec.Alias, err)
	}
	id := created.KeyMetadata.KeyId
	if _, err := client.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: id}); err != nil {
		return "", fmt.Errorf("enable rotation of key %s: %w", spec.Alias, err)
	}
	if _, err := client.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: &spec.Alias, TargetKeyId: id}); err != nil {
		return "", fmt.Errorf("create alias %s: %w", spec.Alias, err)
	}
	return aws.ToString(created.KeyMetadata.Arn), nil
}

// createStateMachine creates the launch workflow from the same definition CDK deploys.
func createStateMachine(ctx context.Context, client *sfn.Client, taskQueueURL string) (string, error) {
	def, err := workflows.Definition(workflows.Config{Table: resources.Table.Name, TaskQueueURL: taskQueueURL})
	if err != nil {
		return "", err
	}
	out, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: &resources.LaunchWorkflow.Name, Definition: &def,
		RoleArn: aws.String("arn:aws:iam::123456789012:role/" + resources.LaunchWorkflow.Name)})
	if err == nil {
		return aws.ToString(out.StateMachineArn), nil
	}
	var exists *sfntypes.StateMachineAlreadyExists
	if !errors.As(err, &exists) {
		return "", fmt.Errorf("create state machine: %w", err)
	}
	list, err := client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil {
		return "", fmt.Errorf("list state machines: %w", err)
	}
	for _, sm := range list.StateMachines {
		if aws.ToString(sm.Name) == resources.LaunchWorkflow.Name {
			_, err := client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn, Definition: &def})
			return aws.ToString(sm.StateMachineArn), err
		}
	}
	return "", fmt.Errorf("state machine %s exists but is not listed", resources.LaunchWorkflow.Name)
}

func createTable(ctx context.Context, db *dynamodb.Client, t resources.TableSpec) error {
	_, err := db.CreateTable(ctx, CreateTableInput(t))
	var inUse *ddbtypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", t.Name, err)
	}
	if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: &t.Name}, time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", t.Name, err)
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: &t.Name,
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: &t.TTLAttribute, Enabled: aws.Bool(true)}})
	if err != nil && !errors.As(err, new(*ddbtypes.ResourceInUseException)) {
		var apiErr interface{ ErrorMessage() string }
		if !errors.As(err, &apiErr) { // "TimeToLive is already enabled" is fine
			return fmt.Errorf("enable TTL on %s: %w", t.Name, err)
		}
	}
	return nil
}

func createBucket(ctx context.Context, client *s3.Client, b resources.BucketSpec, origins []string) error {
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &b.Name})
	var owned interface{ ErrorCode() string }
	if err != nil && !(errors.As(err, &owned) && owned.ErrorCode() == "BucketAlreadyOwnedByYou") {
		return fmt.Errorf("create bucket %s: %w", b.Name, err)
	}
	if len(origins) == 0 {
		return nil
	}
	_, err = client.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: &b.Name, CORSConfiguration: &s3types.CORSConfiguration{
		CORSRules: []s3types.CORSRule{{AllowedOrigins: origins, AllowedMethods: resources.CORS.Methods,
			AllowedHeaders: resources.CORS.Headers, ExposeHeaders: resources.CORS.Expose,
			MaxAgeSeconds: aws.Int32(int32(b.CORSMaxAgeHours * 3600))}},
	}})
	if err != nil {
		return fmt.Errorf("set CORS on %s: %w", b.Name, err)
	}
	return nil
}

// notify sends the bucket's ObjectCreated events under the incoming prefix to the package queue.
func notify(ctx context.Context, client *s3.Client, sq *sqs.Client, queueURL string) error {
	attrs, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &queueURL,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return fmt.Errorf("read package queue: %w", err)
	}
	_, err = client.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{
		Bucket: &resources.Bucket.Name,
		NotificationConfiguration: &s3types.NotificationConfiguration{QueueConfigurations: []s3types.QueueConfiguration{{
			QueueArn: aws.String(attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]),
			Events:   []s3types.Event{s3types.EventS3ObjectCreated},
			Filter: &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: []s3types.FilterRule{
				{Name: s3types.FilterRuleNamePrefix, Value: aws.String(resources.Bucket.IncomingPrefix)},
			}}},
		}}},
	})
	if err != nil {
		return fmt.Errorf("bucket notifications: %w", err)
	}
	return nil
}

func createQueue(ctx context.Context, client *sqs.Client, q resources.QueueSpec) (string, error) {
	dlq, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(q.DeadLetterName()), Attributes: DeadLetterAttributes(q)})
	if err != nil {
		return "", fmt.Errorf("create queue %s: %w", q.DeadLetterName(), err)
	}
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return "", fmt.Errorf("read queue %s: %w", q.DeadLetterName(), err)
	}
	main, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &q.Name,
		Attributes: QueueAttributes(q, attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)])})
	if err != nil {
		return "", fmt.Errorf("create queue %s: %w", q.Name, err)
	}
	return *main.QueueUrl, nil
}

// createUserPool creates the pool and its client, or finds them by name.
func createUserPool(ctx context.Context, client *cip.Client, p resources.UserPoolSpec) (poolID, clientID string, err error) {
	pools, err := client.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	if err != nil {
		return "", "", fmt.Errorf("list user pools: %w", err)
	}
	for _, up := range pools.UserPools {
		if aws.ToString(up.Name) == p.Name {
			poolID = aws.ToString(up.Id)
		}
	}
	if poolID == "" {
		out, err := client.CreateUserPool(ctx, CreateUserPoolInput(p))
		if err != nil {
			return "", "", fmt.Errorf("create user pool: %w", err)
		}
		poolID = aws.ToString(out.UserPool.Id)
	}
	clients, err := client.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: &poolID, MaxResults: aws.Int32(60)})
	if err != nil {
		return "", "", fmt.Errorf("list user pool clients: %w", err)
	}
	for _, c := range clients.UserPoolClients {
		if aws.ToString(c.ClientName) == p.ClientName {
			return poolID, aws.ToString(c.ClientId), nil
		}
	}
	out, err := client.CreateUserPoolClient(ctx, CreateUserPoolClientInput(p, poolID))
	if err != nil {
		return "", "", fmt.Errorf("create user pool client: %w", err)
	}
	return poolID, aws.ToString(out.UserPoolClient.ClientId), nil
}
