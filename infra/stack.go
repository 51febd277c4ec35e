package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/routes"
	"github.com/mpdp/platform/shared/workflows"
)

const (
	// DefaultMailFrom is the sender address when the context value mailFrom is not set.
	DefaultMailFrom = "no-reply@example.com"

	functionMemoryMB     = 256
	httpFunctionTimeout  = 10 // seconds
	functionLogRetention = awslogs.RetentionDays_ONE_MONTH
	accessLogRetention   = awslogs.RetentionDays_THREE_MONTHS

	// A dead-letter queue alarms when it holds at least one message in this period.
	deadLetterAlarmPeriod = 5 * time.Minute
	// The launch workflow alarms when an execution fails or times out in this period.
	workflowAlarmPeriod  = 5 * time.Minute
	workflowLogRetention = awslogs.RetentionDays_THREE_MONTHS
)

// statefulRemoval keeps the data of stateful resources (table, buckets, user
// pool, KMS keys) when they are replaced or the stack is deleted, but not when
// their own creation fails: a failed first deploy then leaves no named bucket
// behind to break the retry with BucketAlreadyExists (CloudFormation's
// RetainExceptOnCreate).
const statefulRemoval = awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE

// WorkerConfig sizes a queue worker and its event source mapping.
type WorkerConfig struct {
	TimeoutSeconds     int
	MemoryMB           int
	EphemeralStorageMB int // 0: Lambda's default (512 MB)
	BatchSize          int
	BatchingWindow     time.Duration // 0: none
	// MaxConcurrency caps the concurrent invocations the event source starts
	// (2 to 1000); the context value workerMaxConcurrency overrides it for all.
	MaxConcurrency int
}

// Workers sizes the worker of each queue, by resources.QueueSpec.Name. A queue's
// visibility timeout must exceed its worker's timeout (the stack checks it).
var Workers = map[string]WorkerConfig{
	// SES's sending rate (14 a second out of the sandbox at first) is the bound: two at a time.
	resources.MailQueue.Name: {TimeoutSeconds: 30, MemoryMB: functionMemoryMB, BatchSize: 10, MaxConcurrency: 2},
	// The package processor downloads packages (up to 30 MiB) to /tmp and validates them.
	resources.PackageQueue.Name: {TimeoutSeconds: 60, MemoryMB: 512, EphemeralStorageMB: 1024, BatchSize: 5, BatchingWindow: 2 * time.Second, MaxConcurrency: 5},
	// The workflow worker does a launch's publish and advance tasks and answers with the task token.
	resources.WorkflowQueue.Name: {TimeoutSeconds: 30, MemoryMB: functionMemoryMB, BatchSize: 5, MaxConcurrency: 5},
	// The analytics worker archives each batch to S3 and applies its aggregates
	// (a few DynamoDB transactions per batch of up to 500 items).
	resources.AnalyticsQueue.Name: {TimeoutSeconds: 60, MemoryMB: 512, BatchSize: 10, BatchingWindow: 2 * time.Second, MaxConcurrency: 5},
}

// DynamoDB actions each table permission allows. Transactions (TransactWriteItems,
// TransactGetItems) are not IAM actions of their own: IAM authorizes every item of a
// transaction against the item actions below.
var (
	tableReadActions  = []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"}
	tableWriteActions = []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"}
	usersReadActions  = []string{"cognito-idp:AdminGetUser"}
	usersAdminActions = []string{"cognito-idp:AdminCreateUser", "cognito-idp:AdminSetUserPassword"}
	mailEnqueueAction = []string{"sqs:SendMessage"}
	mailSendActions   = []string{"ses:SendEmail", "ses:SendRawEmail"}
	// Presigned URLs act with the signer's permissions: a presigned PUT needs
	// s3:PutObject, a presigned GET s3:GetObject, each on its prefix only.
	objectPutAction = []string{"s3:PutObject"}
	objectGetAction = []string{"s3:GetObject"}
	// WorkflowStart starts executions of the launch state machine only.
	workflowStartActions = []string{"states:StartExecution"}
	// WorkflowAnswer completes the launch workflow's callback tasks. The Service
	// Authorization Reference lists no resource type for these actions (and no
	// condition key of their own), so they are granted on "*"; the caller still
	// needs the task token, which Step Functions hands out only in the task's message.
	workflowAnswerActions = []string{"states:SendTaskSuccess", "states:SendTaskFailure"}
	// The launch state machine's own role: its direct DynamoDB integrations
	// (updateItem, deleteItem) on the table, and sqs:sendMessage.waitForTaskToken
	// on the workflow queue.
	workflowTableActions = []string{"dynamodb:UpdateItem", "dynamodb:DeleteItem"}
	workflowQueueActions = []string{"sqs:SendMessage"}
	// App key secrets: the apps function encrypts new ones, the runtime function
	// decrypts them to check signatures; each on the app keys' KMS key only.
	keysEncryptActions = []string{"kms:Encrypt"}
	keysDecryptActions = []string{"kms:Decrypt"}
)

// PlatformStackProps configures the platform stack.
type PlatformStackProps struct {
	awscdk.StackProps
	// Stage names the stack's resources (stageName); empty means the context
	// value stage, else DefaultStage. ProductionStage, or the context value
	// protect=true, turns on termination protection.
	Stage string
	// FunctionsDir holds one directory per function in resources.Functions, each with
	// the function's prebuilt linux/arm64 executable named bootstrap.
	FunctionsDir string
	// MailFrom is the sender of the platform's emails; empty means the context value
	// mailFrom, else DefaultMailFrom.
	MailFrom string
	// ConsoleDir is the console's build (index.html, assets/), deployed to the
	// console bucket behind the CloudFront distribution.
	ConsoleDir string
	// ConsoleDomain and ConsoleCertificateArn, both or neither, serve the console
	// on a custom domain with an ACM certificate of us-east-1; empty means the
	// context values consoleDomain and consoleCertificateArn, else the
	// distribution's own domain (https://<id>.cloudfront.net).
	ConsoleDomain         string
	ConsoleCertificateArn string
	// AlarmEmail, if set, subscribes this address to the alarm topic; empty means
	// the context value alarmEmail, else no subscription.
	AlarmEmail string
}

// PlatformStack is the whole platform in one stack. The fields give tests and
// callers the constructs behind the template.
type PlatformStack struct {
	awscdk.Stack
	Stage       string
	Table       awsdynamodb.Table
	Bucket      awss3.Bucket
	LogBucket   awss3.Bucket
	Queues      map[string]awssqs.Queue // by resources.QueueSpec.Name
	DeadLetters map[string]awssqs.Queue // by resources.QueueSpec.Name of the source queue
	UserPool    awscognito.UserPool
	Client      awscognito.UserPoolClient
	API         awsapigatewayv2.HttpApi
	Authorizer  awsapigatewayv2authorizers.HttpJwtAuthorizer
	Functions   map[string]awslambda.Function // by resources.Function.Name
	Roles       map[string]awsiam.Role        // by resources.Function.Name
	// NotificationsRole is the role of CDK's Custom::S3BucketNotifications handler.
	NotificationsRole awsiam.Role
	AlarmKey          awskms.Key
	// AppKeysKey encrypts the secrets of the host apps' keys (resources.AppKeysKey).
	AppKeysKey awskms.Key
	AlarmTopic awssns.Topic
	Alarms     map[string]awscloudwatch.Alarm // dead-letter alarms, by resources.QueueSpec.Name of the source queue
	// StateMachine is the launch workflow (resources.LaunchWorkflow), with its
	// role, log group and alarm on failed or timed-out executions.
	StateMachine     awsstepfunctions.StateMachine
	StateMachineRole awsiam.Role
	StateMachineLogs awslogs.LogGroup
	WorkflowAlarm    awscloudwatch.Alarm
	JWTIssuer        string // the authorizer's issuer (may hold tokens)
	MailFrom         string
	// ConsoleOrigin is the console's https origin: https://<consoleDomain>, else
	// https://<distribution domain> (a token). The API's and the package bucket's
	// CORS allow this origin only; ConsoleURL (links in emails) is the same.
	ConsoleOrigin string
	ConsoleURL    string
	// ConsoleDomain is the custom domain of the console, empty if none.
	ConsoleDomain         string
	ConsoleCertificateArn string
	AlarmEmail            string
	// Capacity is the throttling of the API and the workers' concurrency (capacity.go).
	Capacity      Capacity
	FunctionsDir  string
	ConsoleDir    string
	Console       // the console's bucket, distribution and deployments (console.go)
	Mail          // the SES identity and configuration set (mail.go)
	Observability // alarms and dashboard (observability.go)
}

// CheckFunctionAssets reports a function whose bootstrap is missing from dir.
func CheckFunctionAssets(dir string) error {
	for _, fn := range resources.Functions {
		p := filepath.Join(dir, fn.Name, "bootstrap")
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("function %s: %w (build the functions for linux/arm64 first, or set MPDP_FUNCTIONS_DIR)", fn.Name, err)
		}
		if st.IsDir() {
			return fmt.Errorf("function %s: %s is a directory", fn.Name, p)
		}
	}
	return nil
}

// NewPlatformStack provisions the table, bucket, queues, user pool, functions and
// HTTP API that the shared definitions describe.
func NewPlatformStack(scope constructs.Construct, id string, props *PlatformStackProps) *PlatformStack {
	if props == nil {
		props = &PlatformStackProps{}
	}
	if props.FunctionsDir == "" {
		panic("PlatformStackProps.FunctionsDir is required")
	}
	if props.ConsoleDir == "" {
		panic("PlatformStackProps.ConsoleDir is required")
	}
	stage := firstNonEmpty(props.Stage, contextString(scope, "stage"), DefaultStage)
	if err := CheckStage(stage); err != nil {
		panic(err.Error())
	}
	stackProps := props.StackProps
	protect := contextString(scope, "protect")
	if protect != "" && protect != "true" && protect != "false" {
		panic(fmt.Sprintf("context protect=%q: want true or false", protect))
	}
	if stage == ProductionStage || protect == "true" {
		stackProps.TerminationProtection = jsii.Bool(true)
	}
	tags := map[string]*string{"stage": jsii.String(stage), "service": jsii.String(Service)}
	stackProps.Tags = &tags
	stack := awscdk.NewStack(scope, jsii.String(id), &stackProps)
	// The stack's tags go to the stack (CloudFormation propagates them) and, with
	// explicitStackTags, to every taggable resource of the template as well.
	for k, v := range tags {
		awscdk.Tags_Of(stack).Add(jsii.String(k), v, nil)
	}
	var err error
	s := &PlatformStack{
		Stack:        stack,
		Stage:        stage,
		Queues:       map[string]awssqs.Queue{},
		DeadLetters:  map[string]awssqs.Queue{},
		Functions:    map[string]awslambda.Function{},
		Roles:        map[string]awsiam.Role{},
		Alarms:       map[string]awscloudwatch.Alarm{},
		AlarmEmail:   firstNonEmpty(props.AlarmEmail, contextString(stack, "alarmEmail")),
		Capacity:     mustCapacity(stack),
		FunctionsDir: props.FunctionsDir,
		ConsoleDir:   props.ConsoleDir,
	}
	if s.MailFrom, err = mailFromFor(stage, firstNonEmpty(props.MailFrom, contextString(stack, "mailFrom"))); err != nil {
		panic(err.Error())
	}
	domain, certificate, err := ConsoleDomain(
		firstNonEmpty(props.ConsoleDomain, contextString(stack, "consoleDomain")),
		firstNonEmpty(props.ConsoleCertificateArn, contextString(stack, "consoleCertificateArn")))
	if err != nil {
		panic(err.Error())
	}
	if domain != "" {
		s.ConsoleDomain, s.ConsoleCertificateArn = domain, certificate
		s.ConsoleOrigin = "https://" + domain
	}

	// Order matters where values are needed, not for CloudFormation: the
	// distribution exists before the API, the package bucket and the functions
	// (their CORS and CONSOLE_URL name the console's origin).
	s.addTable()
	s.addLogBucket()
	s.addConsole()
	s.addAPI()
	s.addPackageBucket()
	s.addQueues()
	s.addPackageNotifications()
	s.addStateMachine()
	s.addAlarms()
	s.addMail()
	s.addUserPool()
	s.addAppKeysKey()
	s.addFunctions()
	s.addRoutes()
	s.addObservability()
	s.allowAlarms()
	s.addConsoleDeployment()
	s.addOutputs()
	s.mailOutputs()
	return s
}

func (s *PlatformStack) addTable() {
	spec := resources.Table
	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	s.Table = awsdynamodb.NewTable(s.Stack, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey: str(spec.PartitionKey),
		SortKey:      str(spec.SortKey),
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		TimeToLiveAttribute: jsii.String(spec.TTLAttribute),
		Encryption:          awsdynamodb.TableEncryption_AWS_MANAGED,
		DeletionProtection:  jsii.Bool(true),
		RemovalPolicy:       statefulRemoval,
	})
	for _, ix := range spec.Indexes {
		s.Table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   str(ix.PartitionKey),
			SortKey:        str(ix.SortKey),
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
}

func (s *PlatformStack) addLogBucket() {
	// Server access logs of the package and console buckets (AwsSolutions-S1). cdk-nag recognizes a
	// bucket that receives other buckets' access logs, so this one needs no suppression.
	s.LogBucket = awss3.NewBucket(s.Stack, jsii.String("AccessLogBucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Encryption:        awss3.BucketEncryption_S3_MANAGED, // the only encryption S3 server access logging delivers to
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     statefulRemoval,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-access-logs"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(365)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})
}

// logLevel is the functions' application log level: the context value
// logLevel (DEBUG, INFO, WARN or ERROR), else INFO.
func (s *PlatformStack) logLevel() awslambda.ApplicationLogLevel {
	level := firstNonEmpty(contextString(s.Stack, "logLevel"), "INFO")
	if !slices.Contains([]string{"DEBUG", "INFO", "WARN", "ERROR"}, level) {
		panic(fmt.Sprintf("context logLevel=%q: want DEBUG, INFO, WARN or ERROR", level))
	}
	return awslambda.ApplicationLogLevel(level)
}

// launchWorkflowName is the launch state machine's name in this stage.
func (s *PlatformStack) launchWorkflowName() string {
	return stageName(s.Stage, resources.LaunchWorkflow.Name)
}

// packageBucketName is the package bucket's name: the spec's name, made globally
// unique with the account and region. The console's CSP and config.json name the
// bucket's origin from it without referencing the bucket (whose CORS names the
// console's origin, the distribution's domain).
func (s *PlatformStack) packageBucketName() string {
	return fmt.Sprintf("%s-%s-%s", stageName(s.Stage, resources.Bucket.Name), *s.Stack.Account(), *s.Stack.Region())
}

// packageBucketOrigin is the package bucket's virtual-hosted, regional origin,
// the one presigned URLs use: https://<bucket>.s3.<region>.<url suffix>.
func (s *PlatformStack) packageBucketOrigin() string {
	return fmt.Sprintf("https://%s.s3.%s.%s", s.packageBucketName(), *s.Stack.Region(), *s.Stack.UrlSuffix())
}

func (s *PlatformStack) addPackageBucket() {
	s.NotificationsRole = awsiam.NewRole(s.Stack, jsii.String("BucketNotificationsRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Execution role of CDK's handler that sets the package bucket's notifications"),
	})
	s.Bucket = awss3.NewBucket(s.Stack, jsii.String("PackageBucket"), &awss3.BucketProps{
		BucketName:             jsii.String(s.packageBucketName()),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:              jsii.Bool(true),
		RemovalPolicy:          statefulRemoval,
		ServerAccessLogsBucket: s.LogBucket,
		ServerAccessLogsPrefix: jsii.String("packages/"),
		// The role of CDK's Custom::S3BucketNotifications handler (see addPackageNotifications).
		NotificationsHandlerRole: s.NotificationsRole,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("abort-incomplete-multipart-uploads"),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(30)),
			// Remove delete markers that no longer hide any version (e.g. under IncomingPrefix).
			ExpiredObjectDeleteMarker: jsii.Bool(true),
		}, {
			// Abandoned and rejected uploads: the processor copies accepted packages
			// out of IncomingPrefix, so nothing there needs to outlive IncomingDays.
			Id:                          jsii.String("expire-incoming-uploads"),
			Prefix:                      jsii.String(resources.Bucket.IncomingPrefix),
			Expiration:                  awscdk.Duration_Days(jsii.Number(resources.Bucket.IncomingDays)),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(resources.Bucket.IncomingDays)),
		}, {
			// Raw runtime events and crashes: written once, read rarely (replays,
			// audits), so they move to Infrequent Access, then expire.
			Id:     jsii.String("archive-runtime-events"),
			Prefix: jsii.String(resources.Bucket.ArchivePrefix),
			Transitions: &[]*awss3.Transition{{
				StorageClass:    awss3.StorageClass_INFREQUENT_ACCESS(),
				TransitionAfter: awscdk.Duration_Days(jsii.Number(resources.Bucket.ArchiveIADays)),
			}},
			Expiration:                  awscdk.Duration_Days(jsii.Number(resources.Bucket.ArchiveDays)),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(1)),
		}},
		// Browsers PUT packages and assets straight to S3 with presigned URLs, and
		// GET packages through presigned URLs, from the console's origin only.
		Cors: &[]*awss3.CorsRule{s.bucketCORSRule()},
	})
}

// bucketCORSRule is resources.CORS with the console's origin.
func (s *PlatformStack) bucketCORSRule() *awss3.CorsRule {
	spec := resources.CORS
	methods := make([]awss3.HttpMethods, 0, len(spec.Methods))
	for _, m := range spec.Methods {
		methods = append(methods, awss3.HttpMethods(strings.ToUpper(m)))
	}
	return &awss3.CorsRule{
		AllowedMethods: &methods,
		AllowedOrigins: jsii.Strings(s.ConsoleOrigin),
		AllowedHeaders: jsii.Strings(spec.Headers...),
		ExposedHeaders: jsii.Strings(spec.Expose...),
		MaxAge:         jsii.Number(resources.Bucket.CORSMaxAgeHours * int(time.Hour/time.Second)),
	}
}

// queueDestination sends a bucket's notifications to an SQS queue. Unlike
// awss3notifications.SqsDestination it adds no policy itself:
// addPackageNotifications grants s3.amazonaws.com sqs:SendMessage with both
// aws:SourceArn and aws:SourceAccount conditions.
type queueDestination struct{ queue awssqs.IQueue }

func (d *queueDestination) Bind(_ constructs.Construct, _ interfacesawss3.IBucketRef) *awss3.BucketNotificationDestinationConfig {
	return &awss3.BucketNotificationDestinationConfig{
		Arn:  d.queue.QueueArn(),
		Type: awss3.BucketNotificationDestinationType_QUEUE,
		// The queue's subtree holds its policy: S3 checks it when the notification is set.
		Dependencies: &[]constructs.IDependable{d.queue},
	}
}

// addPackageNotifications sends the bucket's ObjectCreated events under
// IncomingPrefix to the package queue. Only S3, on behalf of this bucket in this
// account, may send to the queue.
func (s *PlatformStack) addPackageNotifications() {
	queue := s.Queues[resources.PackageQueue.Name]
	queue.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("BucketObjectCreated"),
		Effect:     awsiam.Effect_ALLOW,
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("s3.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sqs:SendMessage"),
		Resources:  jsii.Strings(*queue.QueueArn()),
		Conditions: &map[string]any{
			"ArnLike":      map[string]any{"aws:SourceArn": s.Bucket.BucketArn()},
			"StringEquals": map[string]any{"aws:SourceAccount": s.Stack.Account()},
		},
	}))
	s.Bucket.AddEventNotification(awss3.EventType_OBJECT_CREATED, &queueDestination{queue: queue},
		&awss3.NotificationKeyFilter{Prefix: jsii.String(resources.Bucket.IncomingPrefix)})
	s.tightenNotificationsHandler()
}

// notificationsHandlerPrefix starts the id of the stack-wide singleton Lambda that
// CDK adds to apply bucket notifications (Custom::S3BucketNotifications).
const notificationsHandlerPrefix = "BucketNotificationsHandler"

// tightenNotificationsHandler gives CDK's notifications handler a log group with
// retention, and takes from its role (NotificationsRole) the AWS managed policy
// AWSLambdaBasicExecutionRole that CDK attaches, which allows logging to every log
// group: the role may write to that log group only, like the platform's functions.
// CDK itself grants it s3:PutBucketNotification on this bucket only.
func (s *PlatformStack) tightenNotificationsHandler() {
	var handler constructs.IConstruct
	for _, c := range *s.Stack.Node().Children() {
		if strings.HasPrefix(*c.Node().Id(), notificationsHandlerPrefix) {
			if handler != nil {
				panic("more than one bucket notifications handler")
			}
			handler = c
		}
	}
	if handler == nil {
		panic("no bucket notifications handler: CDK's Custom::S3BucketNotifications changed")
	}
	fn, ok := handler.Node().TryFindChild(jsii.String("Resource")).(awscdk.CfnResource)
	if !ok || *fn.CfnResourceType() != "AWS::Lambda::Function" {
		panic("bucket notifications handler: no AWS::Lambda::Function Resource")
	}
	logGroup := awslogs.NewLogGroup(s.Stack, jsii.String("BucketNotificationsLogs"), &awslogs.LogGroupProps{
		Retention:     functionLogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	fn.AddPropertyOverride(jsii.String("LoggingConfig"), map[string]any{"LogGroup": logGroup.LogGroupName()})
	logGroup.GrantWrite(s.NotificationsRole)
	s.NotificationsRole.Node().DefaultChild().(awsiam.CfnRole).SetManagedPolicyArns(nil)
}

func (s *PlatformStack) addQueues() {
	for _, q := range resources.Queues {
		id := constructID(q.Name)
		dlq := awssqs.NewQueue(s.Stack, jsii.String(id+"DeadLetterQueue"), &awssqs.QueueProps{
			Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
			EnforceSSL:      jsii.Bool(true),
			RetentionPeriod: awscdk.Duration_Seconds(jsii.Number(resources.DeadLetterRetention.Seconds())),
		})
		queue := awssqs.NewQueue(s.Stack, jsii.String(id+"Queue"), &awssqs.QueueProps{
			Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
			EnforceSSL:        jsii.Bool(true),
			VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(q.VisibilityTimeout.Seconds())),
			RetentionPeriod:   awscdk.Duration_Seconds(jsii.Number(resources.QueueRetention.Seconds())),
			DeadLetterQueue: &awssqs.DeadLetterQueue{
				Queue:           dlq,
				MaxReceiveCount: jsii.Number(q.MaxReceiveCount),
			},
		})
		s.Queues[q.Name] = queue
		s.DeadLetters[q.Name] = dlq
	}
}

// addStateMachine creates the launch workflow (design decision 5) from the
// definition in shared/workflows, the same one the local provisioning deploys.
// Its role may update and delete items of the table (the direct DynamoDB
// integrations) and send to the workflow queue (the waitForTaskToken tasks),
// besides what logging and tracing need.
func (s *PlatformStack) addStateMachine() {
	queue := s.Queues[resources.WorkflowQueue.Name]
	definition, err := workflows.Definition(workflows.Config{Table: *s.Table.TableName(), TaskQueueURL: *queue.QueueUrl()})
	if err != nil {
		panic(err.Error())
	}
	// Named, so that the role's trust policy can name it without a reference cycle.
	arn := s.Stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("states"),
		Resource:     jsii.String("stateMachine"),
		ResourceName: jsii.String(s.launchWorkflowName()),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	s.StateMachineRole = awsiam.NewRole(s.Stack, jsii.String("LaunchWorkflowRole"), &awsiam.RoleProps{
		// Only Step Functions, for this state machine in this account (confused deputy).
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("states.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": s.Stack.Account()},
			"ArnLike":      map[string]any{"aws:SourceArn": arn},
		}),
		Description: jsii.String(fmt.Sprintf("Execution role of the %s state machine", s.launchWorkflowName())),
	})
	allow := func(sid string, actions []string, arn *string) {
		s.StateMachineRole.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(sid),
			Effect:    awsiam.Effect_ALLOW,
			Actions:   jsii.Strings(actions...),
			Resources: &[]*string{arn},
		}))
	}
	allow("LaunchItems", workflowTableActions, s.Table.TableArn())
	allow("LaunchTasks", workflowQueueActions, queue.QueueArn())
	// The queues use SQS managed encryption (no customer managed key), so the
	// role needs no KMS permission to send.

	s.StateMachineLogs = awslogs.NewLogGroup(s.Stack, jsii.String("LaunchWorkflowLogs"), &awslogs.LogGroupProps{
		Retention:     workflowLogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	s.StateMachine = awsstepfunctions.NewStateMachine(s.Stack, jsii.String("LaunchWorkflow"), &awsstepfunctions.StateMachineProps{
		StateMachineName: jsii.String(s.launchWorkflowName()),
		StateMachineType: awsstepfunctions.StateMachineType_STANDARD,
		DefinitionBody:   awsstepfunctions.DefinitionBody_FromString(jsii.String(definition)),
		Role:             s.StateMachineRole,
		Logs: &awsstepfunctions.LogOptions{
			Destination: s.StateMachineLogs,
			Level:       awsstepfunctions.LogLevel_ALL,
			// Execution data holds reviewers' notes and user ids: keep it out of the logs.
			IncludeExecutionData: jsii.Bool(false),
		},
		TracingEnabled: jsii.Bool(true),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(s.StateMachineRole, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Resource::* is only on the actions CDK adds for the state machine's logging (logs:CreateLogDelivery, " +
			"GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, " +
			"DescribeLogGroups) and X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets): " +
			"these actions support no resource-level permissions. Its data access is the table and the workflow queue only."),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(true))
}

// addAlarms raises an alarm when a dead-letter queue holds a message or a launch
// workflow execution fails or times out, and sends it to an encrypted SNS topic
// (with an optional email subscription).
func (s *PlatformStack) addAlarms() {
	// CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key,
	// so the topic has a key of its own whose policy lets CloudWatch use it.
	s.AlarmKey = awskms.NewKey(s.Stack, jsii.String("AlarmTopicKey"), &awskms.KeyProps{
		Description:       jsii.String(fmt.Sprintf("Encrypts the %s alarm topic", *s.Stack.StackName())),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     statefulRemoval,
	})
	s.AlarmTopic = awssns.NewTopic(s.Stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String(*s.Stack.StackName() + " alarms"),
		EnforceSSL:  jsii.Bool(true),
		MasterKey:   s.AlarmKey,
	})
	action := awscloudwatchactions.NewSnsAction(s.AlarmTopic)

	for _, q := range resources.Queues {
		dlq := s.DeadLetters[q.Name]
		// Named, so that the key policy can name the alarms without a reference
		// cycle (key → alarm → topic → key).
		name := fmt.Sprintf("%s-%s-not-empty", *s.Stack.StackName(), q.DeadLetterName())
		alarm := awscloudwatch.NewAlarm(s.Stack, jsii.String(constructID(q.Name)+"DeadLetterAlarm"), &awscloudwatch.AlarmProps{
			AlarmName: jsii.String(name),
			AlarmDescription: jsii.String(fmt.Sprintf("Messages of %s failed %d deliveries and wait in %s: inspect and redrive them.",
				q.Name, q.MaxReceiveCount, q.DeadLetterName())),
			Metric: dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
				Period:    awscdk.Duration_Seconds(jsii.Number(deadLetterAlarmPeriod.Seconds())),
				Statistic: jsii.String("Maximum"),
			}),
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		alarm.AddAlarmAction(action)
		alarm.AddOkAction(action)
		s.Alarms[q.Name] = alarm
		s.alarmNames = append(s.alarmNames, name)
	}

	// Failed or timed-out launch executions: the sum of both metrics over the period.
	metric := func(m awscloudwatch.Metric) awscloudwatch.IMetric { return m }
	opts := &awscloudwatch.MetricOptions{
		Period:    awscdk.Duration_Seconds(jsii.Number(workflowAlarmPeriod.Seconds())),
		Statistic: jsii.String("Sum"),
	}
	name := fmt.Sprintf("%s-%s-failed", *s.Stack.StackName(), resources.LaunchWorkflow.Name)
	s.WorkflowAlarm = awscloudwatch.NewAlarm(s.Stack, jsii.String("LaunchWorkflowFailedAlarm"), &awscloudwatch.AlarmProps{
		AlarmName: jsii.String(name),
		AlarmDescription: jsii.String(fmt.Sprintf("A %s execution failed or timed out: its launch item's endReason and the "+
			"execution history say why.", resources.LaunchWorkflow.Name)),
		Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("SUM([failed, timedOut])"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"failed":   metric(s.StateMachine.MetricFailed(opts)),
				"timedOut": metric(s.StateMachine.MetricTimedOut(opts)),
			},
			Label:  jsii.String("Failed or timed-out executions"),
			Period: awscdk.Duration_Seconds(jsii.Number(workflowAlarmPeriod.Seconds())),
		}),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	s.WorkflowAlarm.AddAlarmAction(action)
	s.WorkflowAlarm.AddOkAction(action)
	s.alarmNames = append(s.alarmNames, name)

	if s.AlarmEmail != "" {
		s.AlarmTopic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(s.AlarmEmail), nil))
	}
}

// alarmArn is the ARN of the alarm named name in this stack's account and region.
func (s *PlatformStack) alarmArn(name string) *string {
	return s.Stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("cloudwatch"),
		Resource:     jsii.String("alarm"),
		ResourceName: jsii.String(name),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

func (s *PlatformStack) addUserPool() {
	spec := resources.UserPool
	s.UserPool = awscognito.NewUserPool(s.Stack, jsii.String("UserPool"), &awscognito.UserPoolProps{
		UserPoolName:        jsii.String(stageName(s.Stage, spec.Name)),
		SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(spec.CaseSensitiveUsernames),
		SelfSignUpEnabled:   jsii.Bool(false), // admins create users (applications, invitations)
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		// resources.UserPool.VerifyBeforeUpdate: the verified email stays until a new one is confirmed.
		KeepOriginal: &awscognito.KeepOriginalAttrs{Email: jsii.Bool(slices.Contains(spec.VerifyBeforeUpdate, "email"))},
		StandardAttributes: &awscognito.StandardAttributes{
			Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
		},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(spec.PasswordMinLength),
			RequireLowercase:     jsii.Bool(true),
			RequireUppercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireSymbols:       jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(spec.TemporaryPasswordDays)),
		},
		Mfa:             awscognito.Mfa(spec.MFA),
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		// Threat protection in enforcing mode (cdk-nag AwsSolutions-COG3) needs the Plus plan.
		FeaturePlan:                  awscognito.FeaturePlan_PLUS,
		StandardThreatProtectionMode: awscognito.StandardThreatProtectionMode_FULL_FUNCTION,
		DeletionProtection:           jsii.Bool(true),
		RemovalPolicy:                statefulRemoval,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(s.UserPool, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-COG2"),
		Reason: jsii.String("MFA is OPTIONAL with TOTP by product decision: console users are created by admins with a " +
			"temporary password and enrol a TOTP device themselves; threat protection runs in enforcing mode " +
			"(risk-based challenges and blocks) for users who have not enrolled yet."),
	}}, jsii.Bool(true))
	s.cognitoEmail(s.UserPool)

	s.Client = s.UserPool.AddClient(jsii.String("ConsoleClient"), &awscognito.UserPoolClientOptions{
		UserPoolClientName: jsii.String(stageName(s.Stage, spec.ClientName)),
		GenerateSecret:     jsii.Bool(false), // a browser app cannot keep a secret
		AuthFlows: &awscognito.AuthFlow{
			UserPassword: jsii.Bool(slices.Contains(spec.AuthFlows, "ALLOW_USER_PASSWORD_AUTH")),
			UserSrp:      jsii.Bool(slices.Contains(spec.AuthFlows, "ALLOW_USER_SRP_AUTH")),
		},
		DisableOAuth:               jsii.Bool(true), // no hosted UI
		PreventUserExistenceErrors: jsii.Bool(spec.PreventUserExistenceErrors),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Minutes(jsii.Number(spec.AccessTokenValidity.Minutes())),
		IdTokenValidity:            awscdk.Duration_Minutes(jsii.Number(spec.IDTokenValidity.Minutes())),
		RefreshTokenValidity:       awscdk.Duration_Minutes(jsii.Number(spec.RefreshTokenValidity.Minutes())),
	})
	// The client writes only resources.UserPool.WritableAttributes (standard
	// attribute names, which CDK's ClientAttributes would spell as a mask).
	client := s.Client.Node().DefaultChild().(awscognito.CfnUserPoolClient)
	client.SetWriteAttributes(jsii.Strings(spec.WritableAttributes...))
}

// addAppKeysKey creates the customer managed key of the app keys' secrets, with
// yearly rotation. Only the apps function may encrypt with it and only the
// runtime function may decrypt (KeysEncrypt, KeysDecrypt in grant).
func (s *PlatformStack) addAppKeysKey() {
	spec := resources.AppKeysKey
	s.AppKeysKey = awskms.NewKey(s.Stack, jsii.String("AppKeysKey"), &awskms.KeyProps{
		Alias:             jsii.String("alias/" + stageName(s.Stage, strings.TrimPrefix(spec.Alias, "alias/"))),
		Description:       jsii.String(fmt.Sprintf("%s (%s)", spec.Description, *s.Stack.StackName())),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     statefulRemoval,
	})
}

func (s *PlatformStack) environment() *map[string]*string {
	return &map[string]*string{
		resources.EnvTableName:            s.Table.TableName(),
		resources.EnvBucketName:           s.Bucket.BucketName(),
		resources.EnvUserPoolID:           s.UserPool.UserPoolId(),
		resources.EnvClientID:             s.Client.UserPoolClientId(),
		resources.EnvMailQueueURL:         s.Queues[resources.MailQueue.Name].QueueUrl(),
		resources.EnvMailFrom:             jsii.String(s.MailFrom),
		resources.EnvMailConfigurationSet: jsii.String(s.ConfigurationSetName),
		resources.EnvConsoleURL:           jsii.String(s.ConsoleURL),
		resources.EnvStateMachine:         s.StateMachine.StateMachineArn(),
		resources.EnvAppKeysKMSKey:        s.AppKeysKey.KeyArn(),
		resources.EnvAnalyticsQueueURL:    s.Queues[resources.AnalyticsQueue.Name].QueueUrl(),
		// One origin: the console's (resources.EnvConsoleOrigins is comma-separated).
		resources.EnvConsoleOrigins: jsii.String(s.ConsoleOrigin),
	}
}

func (s *PlatformStack) addFunctions() {
	for _, fn := range resources.Functions {
		id := constructID(fn.Name)
		timeout, memory := httpFunctionTimeout, functionMemoryMB
		var ephemeral awscdk.Size
		if fn.Queue != nil {
			w := workerConfig(fn)
			timeout, memory = w.TimeoutSeconds, w.MemoryMB
			if w.EphemeralStorageMB > 0 {
				ephemeral = awscdk.Size_Mebibytes(jsii.Number(w.EphemeralStorageMB))
			}
		}
		logGroup := awslogs.NewLogGroup(s.Stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
			Retention:     functionLogRetention,
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		})
		// An explicit role with only inline grants: no AWS managed policies (AwsSolutions-IAM4).
		role := awsiam.NewRole(s.Stack, jsii.String(id+"Role"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String(fmt.Sprintf("Execution role of the %s function", fn.Name)),
		})
		logGroup.GrantWrite(role)

		f := awslambda.NewFunction(s.Stack, jsii.String(id+"Function"), &awslambda.FunctionProps{
			Description:  jsii.String(fmt.Sprintf("mpdp %s", fn.Name)),
			Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
			Architecture: awslambda.Architecture_ARM_64(),
			Handler:      jsii.String("bootstrap"),
			Code:         awslambda.Code_FromAsset(jsii.String(filepath.Join(s.FunctionsDir, fn.Name)), nil),
			MemorySize:   jsii.Number(memory),
			Timeout:      awscdk.Duration_Seconds(jsii.Number(timeout)),
			// nil leaves Lambda's default /tmp (512 MB).
			EphemeralStorageSize: ephemeral,
			Tracing:              awslambda.Tracing_ACTIVE,
			LogGroup:             logGroup,
			// JSON logs with levels: Lambda drops application lines below
			// logLevel (context, default INFO) and its own below WARN.
			LoggingFormat:         awslambda.LoggingFormat_JSON,
			ApplicationLogLevelV2: s.logLevel(),
			SystemLogLevelV2:      awslambda.SystemLogLevel_WARN,
			Role:                  role,
			Environment:           s.environment(),
		})
		s.grant(fn, role, f)
		reason := "Resource::* is only on xray:PutTraceSegments and xray:PutTelemetryRecords, which Lambda adds " +
			"for active tracing: these X-Ray actions support no resource-level permissions."
		if slices.Contains(fn.Permissions, resources.WorkflowAnswer) {
			reason = "Resource::* is only on xray:PutTraceSegments and xray:PutTelemetryRecords, which Lambda adds for active " +
				"tracing, and on states:SendTaskSuccess and states:SendTaskFailure (workflow:answer), which complete the launch " +
				"workflow's callback tasks: the Service Authorization Reference lists no resource type and no condition key " +
				"for any of them. Answering also needs the task token, which only the task's message carries."
		}
		cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
			Id:        jsii.String("AwsSolutions-IAM5"),
			Reason:    jsii.String(reason),
			AppliesTo: &[]interface{}{"Resource::*"},
		}}, jsii.Bool(true))
		s.Functions[fn.Name] = f
		s.Roles[fn.Name] = role
	}
}

// grant turns fn's permissions into the narrowest statements that allow them.
func (s *PlatformStack) grant(fn resources.Function, role awsiam.Role, f awslambda.Function) {
	allow := func(sid string, actions []string, arns ...*string) {
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(sid),
			Effect:    awsiam.Effect_ALLOW,
			Actions:   jsii.Strings(actions...),
			Resources: &arns,
		}))
	}
	var prefixes []string // object prefixes granted on, for the IAM5 suppression
	objects := func(prefix string) *string {
		if !slices.Contains(prefixes, prefix) {
			prefixes = append(prefixes, prefix)
		}
		return s.objects(prefix)
	}
	defer func() {
		if len(prefixes) == 0 {
			return
		}
		bucketID := *s.Stack.GetLogicalId(s.Bucket.Node().DefaultChild().(awscdk.CfnElement))
		appliesTo := make([]any, 0, len(prefixes))
		for _, prefix := range prefixes {
			appliesTo = append(appliesTo, fmt.Sprintf("Resource::<%s.Arn>/%s*", bucketID, prefix))
		}
		cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String(fmt.Sprintf("Object actions on the key prefixes %s of the package bucket only: object keys are "+
				"generated per upload, so a prefix is the narrowest resource; no bucket-wide or s3:* grant.", strings.Join(prefixes, ", "))),
			AppliesTo: &appliesTo,
		}}, jsii.Bool(true))
	}()
	for _, p := range fn.Permissions {
		switch p {
		case resources.TableRead:
			arns := []*string{s.Table.TableArn()}
			for _, ix := range resources.Table.Indexes {
				arns = append(arns, jsii.String(fmt.Sprintf("%s/index/%s", *s.Table.TableArn(), ix.Name)))
			}
			allow("TableRead", tableReadActions, arns...)
		case resources.TableWrite:
			allow("TableWrite", tableWriteActions, s.Table.TableArn())
		case resources.UsersRead:
			allow("UsersRead", usersReadActions, s.UserPool.UserPoolArn())
		case resources.UsersAdmin:
			allow("UsersAdmin", usersAdminActions, s.UserPool.UserPoolArn())
		case resources.MailEnqueue:
			allow("MailEnqueue", mailEnqueueAction, s.Queues[resources.MailQueue.Name].QueueArn())
		case resources.MailSend:
			allow("MailSend", mailSendActions, s.sesIdentityArns()...)
		case resources.MailConsume:
			s.consume(fn, p, resources.MailQueue, f)
		case resources.PackagesSign:
			allow("PackagesSignPut", objectPutAction, objects(resources.Bucket.IncomingPrefix))
			allow("PackagesSignGet", objectGetAction, objects(resources.Bucket.PackagesPrefix))
		case resources.AssetsSign:
			allow("AssetsSignPut", objectPutAction, objects(resources.Bucket.AssetsPrefix))
		case resources.AssetsRead:
			// Presigned views of images (icons, logos, screenshots), and reading
			// uploaded images back to check their real type and size.
			allow("AssetsRead", objectGetAction, objects(resources.Bucket.AssetsPrefix))
		case resources.PackagesProcess:
			// The worker reads uploads and copies accepted packages.
			allow("PackagesProcessGet", objectGetAction, objects(resources.Bucket.IncomingPrefix))
			allow("PackagesProcessPut", objectPutAction, objects(resources.Bucket.PackagesPrefix))
		case resources.PackagesConsume:
			s.consume(fn, p, resources.PackageQueue, f)
		case resources.WorkflowStart:
			allow("WorkflowStart", workflowStartActions, s.StateMachine.StateMachineArn())
		case resources.WorkflowAnswer:
			// No resource type for these actions: see workflowAnswerActions.
			allow("WorkflowAnswer", workflowAnswerActions, jsii.String("*"))
		case resources.WorkflowConsume:
			s.consume(fn, p, resources.WorkflowQueue, f)
		case resources.KeysEncrypt:
			allow("KeysEncrypt", keysEncryptActions, s.AppKeysKey.KeyArn())
		case resources.KeysDecrypt:
			allow("KeysDecrypt", keysDecryptActions, s.AppKeysKey.KeyArn())
		case resources.AnalyticsEnqueue:
			allow("AnalyticsEnqueue", mailEnqueueAction, s.Queues[resources.AnalyticsQueue.Name].QueueArn())
		case resources.AnalyticsConsume:
			s.consume(fn, p, resources.AnalyticsQueue, f)
		case resources.ArchiveWrite:
			allow("ArchiveWrite", objectPutAction, objects(resources.Bucket.ArchivePrefix))
		default:
			panic(fmt.Sprintf("function %s: permission %q has no IAM mapping in infra/stack.go", fn.Name, p))
		}
	}
}

// objects is the ARN of the bucket's objects under prefix.
func (s *PlatformStack) objects(prefix string) *string {
	if prefix == "" || !strings.HasSuffix(prefix, "/") {
		panic(fmt.Sprintf("bucket prefix %q must be non-empty and end with /", prefix))
	}
	return s.Bucket.ArnForObjects(jsii.String(prefix + "*"))
}

// workerConfig is fn's entry in Workers; a worker without one stops the synth.
func workerConfig(fn resources.Function) WorkerConfig {
	w, ok := Workers[fn.Queue.Name]
	if !ok {
		panic(fmt.Sprintf("function %s: queue %s has no entry in infra Workers", fn.Name, fn.Queue.Name))
	}
	if vis := fn.Queue.VisibilityTimeout; vis <= time.Duration(w.TimeoutSeconds)*time.Second {
		panic(fmt.Sprintf("function %s: queue %s's visibility timeout %s must exceed the function timeout %ds",
			fn.Name, fn.Queue.Name, vis, w.TimeoutSeconds))
	}
	return w
}

// consume connects fn to the queue that permission p names, which must be fn's Queue.
// The event source mapping grants the role what it needs on this queue only
// (receive, delete, change visibility, get attributes and URL).
func (s *PlatformStack) consume(fn resources.Function, p resources.Permission, want resources.QueueSpec, f awslambda.Function) {
	if fn.Queue == nil || fn.Queue.Name != want.Name {
		panic(fmt.Sprintf("function %s has %s, which consumes %s, but its Queue is %v", fn.Name, p, want.Name, fn.Queue))
	}
	queue, ok := s.Queues[want.Name]
	if !ok {
		panic(fmt.Sprintf("function %s consumes unknown queue %s", fn.Name, want.Name))
	}
	w := workerConfig(fn)
	esp := &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(w.BatchSize),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(s.Capacity.workerConcurrency(w)),
	}
	if w.BatchingWindow > 0 {
		esp.MaxBatchingWindow = awscdk.Duration_Seconds(jsii.Number(w.BatchingWindow.Seconds()))
	}
	f.AddEventSource(awslambdaeventsources.NewSqsEventSource(queue, esp))
}

// sesIdentityArns are what the mailer sends as and through: the identity
// (the domain's, or the existing one of sesIdentityArn), the address's own
// identity (in case the address, not the domain, is verified), and the
// configuration set (SES checks ses:SendEmail on it too).
func (s *PlatformStack) sesIdentityArns() []*string {
	return []*string{jsii.String(s.MailIdentityArn), s.sesIdentityArn(s.MailFrom), s.configurationSetArn()}
}

// The API's CORS, besides its one origin (the console's).
var (
	apiCORSMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	apiCORSHeaders = []string{"Authorization", "Content-Type", "If-Match", "Idempotency-Key"}
	apiCORSExpose  = []string{"ETag", "Location"}
	apiCORSMaxAge  = time.Hour
)

// addAPI creates the HTTP API and its default stage's access logs; addRoutes adds
// the authorizer and the routes. The API's CORS allows the console's origin only
// (the distribution's domain, or the custom domain), in the API resource itself:
// the API depends on the distribution, which does not depend on the API (see
// addConsole), so CloudFormation owns the CORS like every other property.
func (s *PlatformStack) addAPI() {
	if s.ConsoleOrigin == "" {
		panic("addAPI: the console's origin is not set (addConsole comes first)")
	}
	methods := make([]awsapigatewayv2.CorsHttpMethod, 0, len(apiCORSMethods))
	for _, m := range apiCORSMethods {
		methods = append(methods, awsapigatewayv2.CorsHttpMethod(m))
	}
	cors := &awsapigatewayv2.CorsPreflightOptions{
		AllowOrigins:  jsii.Strings(s.ConsoleOrigin),
		AllowMethods:  &methods,
		AllowHeaders:  jsii.Strings(apiCORSHeaders...),
		ExposeHeaders: jsii.Strings(apiCORSExpose...),
		MaxAge:        awscdk.Duration_Seconds(jsii.Number(apiCORSMaxAge.Seconds())),
	}
	s.API = awsapigatewayv2.NewHttpApi(s.Stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName:       jsii.String(stageName(s.Stage, Service)),
		Description:   jsii.String("Mini program development platform API"),
		CorsPreflight: cors,
	})

	// Access logs of the default stage, in JSON.
	accessLogs := awslogs.NewLogGroup(s.Stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention:     accessLogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	format, err := json.Marshal(map[string]string{
		"requestId":        "$context.requestId",
		"requestTime":      "$context.requestTime",
		"ip":               "$context.identity.sourceIp",
		"userAgent":        "$context.identity.userAgent",
		"routeKey":         "$context.routeKey",
		"status":           "$context.status",
		"protocol":         "$context.protocol",
		"responseLength":   "$context.responseLength",
		"latency":          "$context.responseLatency",
		"integrationError": "$context.integrationErrorMessage",
		"authorizerError":  "$context.authorizer.error",
		"sub":              "$context.authorizer.claims.sub",
	})
	if err != nil {
		panic(err)
	}
	stage := s.API.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	stage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{
		ThrottlingRateLimit:  jsii.Number(s.Capacity.API.Rate),
		ThrottlingBurstLimit: jsii.Number(s.Capacity.API.Burst),
	})
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: accessLogs.LogGroupArn(),
		Format:         jsii.String(string(format)),
	})
}

// addRoutes adds the Cognito JWT authorizer and one route per routes.Table entry.
func (s *PlatformStack) addRoutes() {
	s.JWTIssuer = fmt.Sprintf("https://cognito-idp.%s.%s/%s", *s.Stack.Region(), *s.Stack.UrlSuffix(), *s.UserPool.UserPoolId())
	s.Authorizer = awsapigatewayv2authorizers.NewHttpJwtAuthorizer(jsii.String("CognitoJwt"), jsii.String(s.JWTIssuer),
		&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
			AuthorizerName: jsii.String("cognito-jwt"),
			JwtAudience:    jsii.Strings(*s.Client.UserPoolClientId()),
		})

	integrations := map[string]awsapigatewayv2integrations.HttpLambdaIntegration{}
	for _, r := range routes.Table {
		f, ok := s.Functions[r.Function]
		if !ok {
			panic(fmt.Sprintf("route %s: function %q is not in resources.Functions", r.Pattern(), r.Function))
		}
		integration, ok := integrations[r.Function]
		if !ok {
			integration = awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(constructID(r.Function)+"Integration"), f,
				&awsapigatewayv2integrations.HttpLambdaIntegrationProps{
					PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
					// One Lambda::Permission per function (source arn:...:execute-api:<region>:<account>:<api>/*/*/*,
					// this API only) instead of one per route: 14 resources instead of 77, against
					// CloudFormation's 500. Which routes reach a function is decided by the routes.
					ScopePermissionToRoute: jsii.Bool(false),
				})
			integrations[r.Function] = integration
		}
		var authorizer awsapigatewayv2.IHttpRouteAuthorizer
		switch r.Access {
		case routes.Signed:
			authorizer = s.Authorizer
		case routes.Public, routes.AppKey:
			// App-key routes take no Cognito token: the function checks the signature.
			authorizer = awsapigatewayv2.NewHttpNoneAuthorizer()
		default:
			panic(fmt.Sprintf("route %s: unknown access %d", r.Pattern(), r.Access))
		}
		added := s.API.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
			Integration: integration,
			Authorizer:  authorizer,
		})
		s.throttle(r, *added)
		if r.Access == routes.AppKey {
			for _, route := range *added {
				cdknag.NagSuppressions_AddResourceSuppressions(route, &[]*cdknag.NagPackSuppression{{
					Id: jsii.String("AwsSolutions-APIG4"),
					Reason: jsii.String(fmt.Sprintf("%s is authenticated by app-key HMAC signatures in the function "+
						"(routes.AppKey in shared/routes, package appkeys): host apps have no Cognito token.", r.Pattern())),
				}}, jsii.Bool(true))
			}
		}
		if r.Access == routes.Public {
			for _, route := range *added {
				cdknag.NagSuppressions_AddResourceSuppressions(route, &[]*cdknag.NagPackSuppression{{
					Id: jsii.String("AwsSolutions-APIG4"),
					Reason: jsii.String(fmt.Sprintf("%s is public by design (routes.Public in shared/routes): "+
						"it is called before the caller has an account or a token.", r.Pattern())),
				}}, jsii.Bool(true))
			}
		}
	}
}

func (s *PlatformStack) addOutputs() {
	out := func(id, description string, value *string) {
		awscdk.NewCfnOutput(s.Stack, jsii.String(id), &awscdk.CfnOutputProps{
			Description: jsii.String(description),
			Value:       value,
		})
	}
	out("ApiUrl", "Base URL of the HTTP API", s.API.Url())
	out("UserPoolId", "Cognito user pool id", s.UserPool.UserPoolId())
	out("UserPoolClientId", "Cognito app client id of the console", s.Client.UserPoolClientId())
	out("TableName", "DynamoDB table name", s.Table.TableName())
	out("BucketName", "S3 bucket for packages and assets", s.Bucket.BucketName())
	out("ConsoleUrl", "URL of the web console (links in emails; the only CORS origin of the API and the bucket)", jsii.String(s.ConsoleURL))
	out("ConsoleDistributionId", "CloudFront distribution of the console", s.Distribution.DistributionId())
	out("ConsoleDistributionDomainName", "Domain of the console's distribution (the target of consoleDomain's DNS record)",
		s.Distribution.DistributionDomainName())
	out("ConsoleBucketName", "S3 bucket of the console's files", s.ConsoleBucket.BucketName())
	out("AlarmTopicArn", "SNS topic of the dead-letter queue and launch workflow alarms", s.AlarmTopic.TopicArn())
	out("LaunchStateMachineArn", "Launch workflow state machine", s.StateMachine.StateMachineArn())
}

// constructID turns "mpdp-mail" or "accounts" into "MpdpMail" or "Accounts".
func constructID(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func contextString(scope constructs.Construct, key string) string {
	v := scope.Node().TryGetContext(jsii.String(key))
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
