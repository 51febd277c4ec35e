package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/routes"
)

const (
	// DefaultMailFrom is the sender address when the context value mailFrom is not set.
	DefaultMailFrom = "no-reply@example.com"
	// DefaultConsoleURL is the console's origin when the context value consoleUrl is not set.
	DefaultConsoleURL = "https://console.example.com"

	functionMemoryMB      = 256
	httpFunctionTimeout   = 10 // seconds
	workerFunctionTimeout = 30 // seconds
	functionLogRetention  = awslogs.RetentionDays_ONE_MONTH
	accessLogRetention    = awslogs.RetentionDays_THREE_MONTHS
)

// DynamoDB actions each table permission allows. Transactions (TransactWriteItems,
// TransactGetItems) are not IAM actions of their own: IAM authorizes every item of a
// transaction against the item actions below.
var (
	tableReadActions  = []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"}
	tableWriteActions = []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"}
	usersAdminActions = []string{"cognito-idp:AdminGetUser", "cognito-idp:AdminCreateUser", "cognito-idp:AdminSetUserPassword"}
	mailEnqueueAction = []string{"sqs:SendMessage"}
	mailSendActions   = []string{"ses:SendEmail", "ses:SendRawEmail"}
)

// PlatformStackProps configures the platform stack.
type PlatformStackProps struct {
	awscdk.StackProps
	// FunctionsDir holds one directory per function in resources.Functions, each with
	// the function's prebuilt linux/arm64 executable named bootstrap.
	FunctionsDir string
	// MailFrom is the sender of the platform's emails; empty means the context value
	// mailFrom, else DefaultMailFrom.
	MailFrom string
	// ConsoleURL is the console's origin (links in emails, CORS); empty means the
	// context value consoleUrl, else DefaultConsoleURL.
	ConsoleURL string
}

// PlatformStack is the whole platform in one stack. The fields give tests and
// callers the constructs behind the template.
type PlatformStack struct {
	awscdk.Stack
	Table        awsdynamodb.Table
	Bucket       awss3.Bucket
	LogBucket    awss3.Bucket
	Queues       map[string]awssqs.Queue // by resources.QueueSpec.Name
	DeadLetters  map[string]awssqs.Queue // by resources.QueueSpec.Name of the source queue
	UserPool     awscognito.UserPool
	Client       awscognito.UserPoolClient
	API          awsapigatewayv2.HttpApi
	Authorizer   awsapigatewayv2authorizers.HttpJwtAuthorizer
	Functions    map[string]awslambda.Function // by resources.Function.Name
	Roles        map[string]awsiam.Role        // by resources.Function.Name
	JWTIssuer    string                        // the authorizer's issuer (may hold tokens)
	MailFrom     string
	ConsoleURL   string
	FunctionsDir string
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
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	s := &PlatformStack{
		Stack:        stack,
		Queues:       map[string]awssqs.Queue{},
		DeadLetters:  map[string]awssqs.Queue{},
		Functions:    map[string]awslambda.Function{},
		Roles:        map[string]awsiam.Role{},
		MailFrom:     firstNonEmpty(props.MailFrom, contextString(stack, "mailFrom"), DefaultMailFrom),
		ConsoleURL:   firstNonEmpty(props.ConsoleURL, contextString(stack, "consoleUrl"), DefaultConsoleURL),
		FunctionsDir: props.FunctionsDir,
	}

	s.addTable()
	s.addBuckets()
	s.addQueues()
	s.addUserPool()
	s.addFunctions()
	s.addAPI()
	s.addOutputs()
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
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
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

func (s *PlatformStack) addBuckets() {
	// Server access logs of the package bucket (AwsSolutions-S1). cdk-nag recognizes a
	// bucket that receives other buckets' access logs, so this one needs no suppression.
	s.LogBucket = awss3.NewBucket(s.Stack, jsii.String("AccessLogBucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Encryption:        awss3.BucketEncryption_S3_MANAGED, // the only encryption S3 server access logging delivers to
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-access-logs"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(365)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})

	s.Bucket = awss3.NewBucket(s.Stack, jsii.String("PackageBucket"), &awss3.BucketProps{
		// The spec's name, made globally unique with the account and region.
		BucketName:             jsii.String(fmt.Sprintf("%s-%s-%s", resources.Bucket.Name, *s.Stack.Account(), *s.Stack.Region())),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:              jsii.Bool(true),
		RemovalPolicy:          awscdk.RemovalPolicy_RETAIN,
		ServerAccessLogsBucket: s.LogBucket,
		ServerAccessLogsPrefix: jsii.String("packages/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("abort-incomplete-multipart-uploads"),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(30)),
		}},
		// Browsers PUT packages and assets straight to S3 with presigned URLs.
		Cors: &[]*awss3.CorsRule{{
			AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_PUT},
			AllowedOrigins: jsii.Strings(s.ConsoleURL),
			AllowedHeaders: jsii.Strings("content-type", "content-length", "content-md5", "x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm"),
			ExposedHeaders: jsii.Strings("ETag"),
			MaxAge:         jsii.Number(3600),
		}},
	})
}

func (s *PlatformStack) addQueues() {
	for _, q := range resources.Queues {
		id := constructID(q.Name)
		dlq := awssqs.NewQueue(s.Stack, jsii.String(id+"DeadLetterQueue"), &awssqs.QueueProps{
			Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
			EnforceSSL:      jsii.Bool(true),
			RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		})
		queue := awssqs.NewQueue(s.Stack, jsii.String(id+"Queue"), &awssqs.QueueProps{
			Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
			EnforceSSL:        jsii.Bool(true),
			VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(q.VisibilityTimeout.Seconds())),
			DeadLetterQueue: &awssqs.DeadLetterQueue{
				Queue:           dlq,
				MaxReceiveCount: jsii.Number(q.MaxReceiveCount),
			},
		})
		s.Queues[q.Name] = queue
		s.DeadLetters[q.Name] = dlq
	}
}

func (s *PlatformStack) addUserPool() {
	spec := resources.UserPool
	s.UserPool = awscognito.NewUserPool(s.Stack, jsii.String("UserPool"), &awscognito.UserPoolProps{
		UserPoolName:        jsii.String(spec.Name),
		SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		SelfSignUpEnabled:   jsii.Bool(false), // admins create users (applications, invitations)
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
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
		Mfa:             awscognito.Mfa_OPTIONAL,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		// Threat protection in enforcing mode (cdk-nag AwsSolutions-COG3) needs the Plus plan.
		FeaturePlan:                  awscognito.FeaturePlan_PLUS,
		StandardThreatProtectionMode: awscognito.StandardThreatProtectionMode_FULL_FUNCTION,
		DeletionProtection:           jsii.Bool(true),
		RemovalPolicy:                awscdk.RemovalPolicy_RETAIN,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(s.UserPool, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-COG2"),
		Reason: jsii.String("MFA is OPTIONAL with TOTP by product decision: console users are created by admins with a " +
			"temporary password and enrol a TOTP device themselves; threat protection runs in enforcing mode " +
			"(risk-based challenges and blocks) for users who have not enrolled yet."),
	}}, jsii.Bool(true))

	s.Client = s.UserPool.AddClient(jsii.String("ConsoleClient"), &awscognito.UserPoolClientOptions{
		UserPoolClientName: jsii.String(spec.ClientName),
		GenerateSecret:     jsii.Bool(false), // a browser app cannot keep a secret
		AuthFlows: &awscognito.AuthFlow{
			UserPassword: jsii.Bool(true),
			UserSrp:      jsii.Bool(true),
		},
		DisableOAuth:               jsii.Bool(true), // no hosted UI
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Hours(jsii.Number(1)),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(1)),
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(30)),
	})
}

func (s *PlatformStack) environment() *map[string]*string {
	return &map[string]*string{
		resources.EnvTableName:    s.Table.TableName(),
		resources.EnvBucketName:   s.Bucket.BucketName(),
		resources.EnvUserPoolID:   s.UserPool.UserPoolId(),
		resources.EnvClientID:     s.Client.UserPoolClientId(),
		resources.EnvMailQueueURL: s.Queues[resources.MailQueue.Name].QueueUrl(),
		resources.EnvMailFrom:     jsii.String(s.MailFrom),
		resources.EnvConsoleURL:   jsii.String(s.ConsoleURL),
	}
}

func (s *PlatformStack) addFunctions() {
	for _, fn := range resources.Functions {
		id := constructID(fn.Name)
		timeout := httpFunctionTimeout
		if fn.Queue != nil {
			timeout = workerFunctionTimeout
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
			MemorySize:   jsii.Number(functionMemoryMB),
			Timeout:      awscdk.Duration_Seconds(jsii.Number(timeout)),
			Tracing:      awslambda.Tracing_ACTIVE,
			LogGroup:     logGroup,
			Role:         role,
			Environment:  s.environment(),
		})
		s.grant(fn, role, f)
		cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("Resource::* is only on xray:PutTraceSegments and xray:PutTelemetryRecords, which Lambda adds " +
				"for active tracing: these X-Ray actions support no resource-level permissions."),
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
		case resources.UsersAdmin:
			allow("UsersAdmin", usersAdminActions, s.UserPool.UserPoolArn())
		case resources.MailEnqueue:
			allow("MailEnqueue", mailEnqueueAction, s.Queues[resources.MailQueue.Name].QueueArn())
		case resources.MailSend:
			allow("MailSend", mailSendActions, s.sesIdentityArns()...)
		case resources.MailConsume:
			if fn.Queue == nil {
				panic(fmt.Sprintf("function %s has %s but no Queue", fn.Name, p))
			}
			queue, ok := s.Queues[fn.Queue.Name]
			if !ok {
				panic(fmt.Sprintf("function %s consumes unknown queue %s", fn.Name, fn.Queue.Name))
			}
			// The event source mapping also grants the role what it needs on this queue only.
			f.AddEventSource(awslambdaeventsources.NewSqsEventSource(queue, &awslambdaeventsources.SqsEventSourceProps{
				BatchSize:               jsii.Number(10),
				ReportBatchItemFailures: jsii.Bool(true),
			}))
		default:
			panic(fmt.Sprintf("function %s: permission %q has no IAM mapping in infra/stack.go", fn.Name, p))
		}
	}
}

// sesIdentityArns are the SES identities the sender may be verified as: the
// address itself and its domain.
func (s *PlatformStack) sesIdentityArns() []*string {
	identity := func(name string) *string {
		return s.Stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("ses"),
			Resource:     jsii.String("identity"),
			ResourceName: jsii.String(name),
			ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
		})
	}
	arns := []*string{identity(s.MailFrom)}
	if at := strings.LastIndex(s.MailFrom, "@"); at >= 0 && at < len(s.MailFrom)-1 {
		arns = append(arns, identity(s.MailFrom[at+1:]))
	}
	return arns
}

func (s *PlatformStack) addAPI() {
	s.API = awsapigatewayv2.NewHttpApi(s.Stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName:     jsii.String("mpdp"),
		Description: jsii.String("Mini program development platform API"),
		CorsPreflight: &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: jsii.Strings(s.ConsoleURL),
			AllowMethods: &[]awsapigatewayv2.CorsHttpMethod{
				awsapigatewayv2.CorsHttpMethod_GET, awsapigatewayv2.CorsHttpMethod_POST,
				awsapigatewayv2.CorsHttpMethod_PUT, awsapigatewayv2.CorsHttpMethod_PATCH,
				awsapigatewayv2.CorsHttpMethod_DELETE,
			},
			AllowHeaders:  jsii.Strings("Authorization", "Content-Type", "If-Match", "Idempotency-Key"),
			ExposeHeaders: jsii.Strings("ETag", "Location"),
			MaxAge:        awscdk.Duration_Hours(jsii.Number(1)),
		},
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
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: accessLogs.LogGroupArn(),
		Format:         jsii.String(string(format)),
	})

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
				})
			integrations[r.Function] = integration
		}
		var authorizer awsapigatewayv2.IHttpRouteAuthorizer
		switch r.Access {
		case routes.Signed:
			authorizer = s.Authorizer
		case routes.Public:
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
	out("BucketName", "S3 bucket for packages and console assets", s.Bucket.BucketName())
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
