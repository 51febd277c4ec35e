package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

const (
	// ConsoleIndex is the console's page: the distribution's root object and the
	// answer to every deep link (403 and 404 from S3).
	ConsoleIndex = "index.html"
	// ConsoleConfigKey is the console's runtime configuration, written by the deployment.
	ConsoleConfigKey = "config.json"
	// ConsoleAssetsDir holds the console's content-hashed files (app-<hash>.js, .css, .map).
	ConsoleAssetsDir = "assets"

	// Cache-Control of the hashed assets (a new build has new names) and of the
	// files whose names do not change (index.html, config.json).
	ConsoleAssetsCacheControl = "public, max-age=31536000, immutable"
	ConsoleNoCache            = "no-cache"

	// hstsMaxAge is two years, the minimum of the HSTS preload list.
	hstsMaxAge = 2 * 365 * 24 * time.Hour

	// bucketDeploymentHandlerPrefix starts the id of the stack-wide singleton
	// Lambda behind Custom::CDKBucketDeployment.
	bucketDeploymentHandlerPrefix = "Custom::CDKBucketDeployment"
)

// Console is the web console: a private bucket served by a CloudFront
// distribution through Origin Access Control, its security headers, and the
// deployments of the console's build and of its config.json.
type Console struct {
	ConsoleBucket awss3.Bucket
	// ConsoleCdnLogs receives the distribution's standard logs (they need ACLs,
	// which the access log bucket does not allow).
	ConsoleCdnLogs awss3.Bucket
	ConsoleHeaders awscloudfront.ResponseHeadersPolicy
	Distribution   awscloudfront.Distribution
	// ConsoleCSP is the Content-Security-Policy (may hold tokens).
	ConsoleCSP string
	// ConsoleConfig is /config.json, by key (values may be tokens).
	ConsoleConfig map[string]*string
	// ConsoleAssets deploys assets/ (cached for a year); ConsoleIndex deploys
	// index.html, any other top-level file and config.json (no-cache), after it.
	ConsoleAssets awss3deployment.BucketDeployment
	ConsoleIndex  awss3deployment.BucketDeployment
	// ConsoleDeployRole is the role of CDK's BucketDeployment handler.
	ConsoleDeployRole awsiam.Role
}

// CheckConsoleAssets reports a console build in dir that lacks index.html or assets/.
func CheckConsoleAssets(dir string) error {
	const hint = "build the console first with `make console`, or set MPDP_CONSOLE_DIR to its dist directory"
	index := filepath.Join(dir, ConsoleIndex)
	st, err := os.Stat(index)
	if err != nil {
		return fmt.Errorf("console: %w (%s)", err, hint)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("console: %s is not a file (%s)", index, hint)
	}
	assets := filepath.Join(dir, ConsoleAssetsDir)
	if st, err = os.Stat(assets); err != nil {
		return fmt.Errorf("console: %w (%s)", err, hint)
	}
	if !st.IsDir() {
		return fmt.Errorf("console: %s is not a directory (%s)", assets, hint)
	}
	return nil
}

var (
	hostnameRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
	// CloudFront takes ACM certificates of us-east-1 only.
	cloudFrontCertificateRE = regexp.MustCompile(`^arn:aws(-[a-z]+)*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+$`)
)

// ConsoleDomain checks the optional custom domain of the console (the context
// values consoleDomain and consoleCertificateArn): both or neither; a host name
// (no scheme, port, path or wildcard) and an ACM certificate ARN in us-east-1.
// It returns the lower-cased domain and the ARN, or two empty strings.
func ConsoleDomain(domain, certificateArn string) (string, string, error) {
	domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	certificateArn = strings.TrimSpace(certificateArn)
	switch {
	case domain == "" && certificateArn == "":
		return "", "", nil
	case domain == "":
		return "", "", errors.New("consoleCertificateArn is set without consoleDomain")
	case certificateArn == "":
		return "", "", fmt.Errorf("consoleDomain %q needs consoleCertificateArn (an ACM certificate of us-east-1 that covers it)", domain)
	case len(domain) > 253 || !hostnameRE.MatchString(domain):
		return "", "", fmt.Errorf("consoleDomain %q: want a host name such as console.example.com (no scheme, port, path or wildcard)", domain)
	case !cloudFrontCertificateRE.MatchString(certificateArn):
		return "", "", fmt.Errorf("consoleCertificateArn %q: want an ACM certificate ARN of us-east-1 (CloudFront's region)", certificateArn)
	}
	return domain, certificateArn, nil
}

// APIGatewayOrigins is the CSP source of every API Gateway endpoint in a
// region: https://*.execute-api.<region>.<url suffix>. The CSP names the API by
// this wildcard, not by its own origin, so that the distribution (which carries
// the CSP) does not depend on the API, and the API's CORS can name the
// distribution's domain without a dependency cycle.
func APIGatewayOrigins(region, urlSuffix string) string {
	return fmt.Sprintf("https://*.execute-api.%s.%s", region, urlSuffix)
}

// CognitoOrigin is Cognito's user pool endpoint in a region, without a slash.
func CognitoOrigin(region, urlSuffix string) string {
	return fmt.Sprintf("https://cognito-idp.%s.%s", region, urlSuffix)
}

// ConsoleCSP is the console's Content-Security-Policy: its own files, images
// also from data:, blob: and the package bucket, and requests to API Gateway in
// the region (APIGatewayOrigins), Cognito and the package bucket (presigned
// uploads) only.
func ConsoleCSP(region, urlSuffix, bucketOrigin string) string {
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data: blob: " + bucketOrigin,
		"connect-src 'self' " + APIGatewayOrigins(region, urlSuffix) + " " + CognitoOrigin(region, urlSuffix) + " " + bucketOrigin,
		"frame-ancestors 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"object-src 'none'",
	}, "; ")
}

// cognitoOrigin is Cognito's user pool endpoint in the stack's region, without a slash.
func (s *PlatformStack) cognitoOrigin() string {
	return CognitoOrigin(*s.Stack.Region(), *s.Stack.UrlSuffix())
}

// addConsole creates the console's bucket, security headers and distribution,
// and sets the console's origin to the distribution's unless a custom domain
// set it. The distribution depends on neither the API (the CSP names API Gateway
// by a regional wildcard) nor the package bucket (the CSP names that bucket by
// its computed name): the API's and the bucket's CORS name the distribution.
func (s *PlatformStack) addConsole() {
	s.ConsoleBucket = awss3.NewBucket(s.Stack, jsii.String("ConsoleBucket"), &awss3.BucketProps{
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:          statefulRemoval,
		ServerAccessLogsBucket: s.LogBucket,
		ServerAccessLogsPrefix: jsii.String("console/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("abort-incomplete-multipart-uploads"),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})
	s.ConsoleCdnLogs = awss3.NewBucket(s.Stack, jsii.String("ConsoleCdnLogBucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		// CloudFront delivers standard logs with an ACL (awslogsdelivery), which
		// BUCKET_OWNER_ENFORCED would refuse.
		ObjectOwnership:        awss3.ObjectOwnership_OBJECT_WRITER,
		RemovalPolicy:          statefulRemoval,
		ServerAccessLogsBucket: s.LogBucket,
		ServerAccessLogsPrefix: jsii.String("console-cdn-logs/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-cdn-logs"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(365)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})

	s.ConsoleCSP = ConsoleCSP(*s.Stack.Region(), *s.Stack.UrlSuffix(), s.packageBucketOrigin())
	s.ConsoleHeaders = awscloudfront.NewResponseHeadersPolicy(s.Stack, jsii.String("ConsoleHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("Security headers of the mpdp console"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String(s.ConsoleCSP),
				Override:              jsii.Bool(true),
			},
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Seconds(jsii.Number(hstsMaxAge.Seconds())),
				IncludeSubdomains:   jsii.Bool(true),
				Preload:             jsii.Bool(true),
				Override:            jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY,
				Override:    jsii.Bool(true),
			},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
				Override:       jsii.Bool(true),
			},
		},
	})

	// The console routes by path (/invitations/<id>, /workspaces/<ws>/...): S3
	// answers 403 for a key it does not have (no s3:ListBucket), 404 if it could
	// list, and both become index.html with 200. Not cached, like index.html.
	spa := func(status float64) *awscloudfront.ErrorResponse {
		return &awscloudfront.ErrorResponse{
			HttpStatus:         jsii.Number(status),
			ResponseHttpStatus: jsii.Number(200),
			ResponsePagePath:   jsii.String("/" + ConsoleIndex),
			Ttl:                awscdk.Duration_Seconds(jsii.Number(0)),
		}
	}
	props := &awscloudfront.DistributionProps{
		Comment:           jsii.String("mpdp web console"),
		DefaultRootObject: jsii.String(ConsoleIndex),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(s.ConsoleBucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: s.ConsoleHeaders,
			Compress:              jsii.Bool(true),
		},
		ErrorResponses: &[]*awscloudfront.ErrorResponse{spa(403), spa(404)},
		HttpVersion:    awscloudfront.HttpVersion_HTTP2_AND_3,
		EnableLogging:  jsii.Bool(true),
		LogBucket:      s.ConsoleCdnLogs,
		LogFilePrefix:  jsii.String("console/"),
	}
	if s.ConsoleDomain != "" {
		props.DomainNames = jsii.Strings(s.ConsoleDomain)
		props.Certificate = awscertificatemanager.Certificate_FromCertificateArn(s.Stack, jsii.String("ConsoleCertificate"),
			jsii.String(s.ConsoleCertificateArn))
		props.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
	}
	s.Distribution = awscloudfront.NewDistribution(s.Stack, jsii.String("ConsoleDistribution"), props)

	suppressions := []*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-CFR1"),
		Reason: jsii.String("No geo restriction: the console's users (operators, merchants, reviewers) work from any country; " +
			"access to data is decided by Cognito sign-in and membership, not by location."),
	}, {
		Id: jsii.String("AwsSolutions-CFR2"),
		Reason: jsii.String("No WAF web ACL: the distribution serves only the console's static files from a private bucket " +
			"(GET and HEAD, no dynamic origin); the data is behind the API's JWT authorizer, not behind this distribution."),
	}}
	if s.ConsoleDomain == "" {
		s.ConsoleOrigin = "https://" + *s.Distribution.DistributionDomainName()
		suppressions = append(suppressions, &cdknag.NagPackSuppression{
			Id: jsii.String("AwsSolutions-CFR4"),
			Reason: jsii.String("Without consoleDomain the console is served on the distribution's *.cloudfront.net domain " +
				"with CloudFront's default certificate, whose minimum protocol CloudFront fixes (TLSv1); with consoleDomain and " +
				"consoleCertificateArn the distribution uses TLSv1.2_2021."),
		})
	}
	s.ConsoleURL = s.ConsoleOrigin
	cdknag.NagSuppressions_AddResourceSuppressions(s.Distribution, &suppressions, jsii.Bool(true))
}

// boundSource is a deployment source bound beforehand, so that the handler's
// role can be granted exactly its object (see addConsoleDeployment).
type boundSource struct{ config *awss3deployment.SourceConfig }

func (b *boundSource) Bind(constructs.Construct, *awss3deployment.DeploymentSourceContext) *awss3deployment.SourceConfig {
	return b.config
}

// addConsoleDeployment uploads the console's build and its config.json. The
// hashed assets come first, cached for a year; index.html, the other top-level
// files and config.json follow, not cached. Neither prunes: pages already open
// keep finding the assets they were built with.
//
// The handler has a role of its own, without AWSLambdaBasicExecutionRole (it
// writes to its own log group) and without the grants CDK would add (s3:GetObject*,
// s3:List*, s3:DeleteObject*, s3:Abort* on the asset and console buckets): it may
// read exactly the three source archives, list the console bucket and put its objects.
func (s *PlatformStack) addConsoleDeployment() {
	s.ConsoleConfig = map[string]*string{
		"apiUrl":          s.API.ApiEndpoint(), // the $default stage: no path, no trailing slash
		"region":          s.Stack.Region(),
		"userPoolId":      s.UserPool.UserPoolId(),
		"clientId":        s.Client.UserPoolClientId(),
		"cognitoEndpoint": jsii.String(s.cognitoOrigin() + "/"),
		"bucketOrigin":    jsii.String(s.packageBucketOrigin()),
	}

	s.ConsoleDeployRole = awsiam.NewRole(s.Stack, jsii.String("ConsoleDeploymentRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Execution role of CDK's handler that deploys the console to its bucket"),
	})
	logs := awslogs.NewLogGroup(s.Stack, jsii.String("ConsoleDeploymentLogs"), &awslogs.LogGroupProps{
		Retention:     functionLogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	logs.GrantWrite(s.ConsoleDeployRole)
	handlerRole := s.ConsoleDeployRole.WithoutPolicyUpdates(&awsiam.WithoutPolicyUpdatesOptions{AddGrantsToResources: jsii.Bool(false)})
	allow := func(sid string, action string, arns ...*string) {
		s.ConsoleDeployRole.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(sid),
			Effect:    awsiam.Effect_ALLOW,
			Actions:   jsii.Strings(action),
			Resources: &arns,
		}))
	}

	scope := constructs.NewConstruct(s.Stack, jsii.String("ConsoleSources"))
	var sources []*string
	bind := func(src awss3deployment.ISource) awss3deployment.ISource {
		cfg := src.Bind(scope, &awss3deployment.DeploymentSourceContext{HandlerRole: handlerRole})
		sources = append(sources, cfg.Bucket.ArnForObjects(cfg.ZipObjectKey))
		return &boundSource{config: cfg}
	}
	assets := bind(awss3deployment.Source_Asset(jsii.String(filepath.Join(s.ConsoleDir, ConsoleAssetsDir)), nil))
	pages := bind(awss3deployment.Source_Asset(jsii.String(s.ConsoleDir), &awss3assets.AssetOptions{
		// A config.json in the build (e.g. one written for local runs) must not
		// shadow the deployment's.
		Exclude: jsii.Strings(ConsoleAssetsDir, ConsoleConfigKey),
	}))
	config := bind(awss3deployment.Source_JsonData(jsii.String(ConsoleConfigKey), s.ConsoleConfig, nil))
	allow("ReadConsoleSources", "s3:GetObject", sources...)
	allow("ListConsoleBucket", "s3:ListBucket", s.ConsoleBucket.BucketArn()) // aws s3 sync compares with the bucket
	allow("PutConsoleObjects", "s3:PutObject", s.ConsoleBucket.ArnForObjects(jsii.String("*")))

	s.ConsoleAssets = awss3deployment.NewBucketDeployment(s.Stack, jsii.String("ConsoleAssetsDeployment"), &awss3deployment.BucketDeploymentProps{
		Sources:              &[]awss3deployment.ISource{assets},
		DestinationBucket:    s.ConsoleBucket,
		DestinationKeyPrefix: jsii.String(ConsoleAssetsDir + "/"),
		CacheControl:         &[]awss3deployment.CacheControl{awss3deployment.CacheControl_FromString(jsii.String(ConsoleAssetsCacheControl))},
		Prune:                jsii.Bool(false),
		Role:                 handlerRole,
		LogGroup:             logs,
	})
	s.ConsoleIndex = awss3deployment.NewBucketDeployment(s.Stack, jsii.String("ConsoleIndexDeployment"), &awss3deployment.BucketDeploymentProps{
		Sources:           &[]awss3deployment.ISource{pages, config},
		DestinationBucket: s.ConsoleBucket,
		CacheControl:      &[]awss3deployment.CacheControl{awss3deployment.CacheControl_FromString(jsii.String(ConsoleNoCache))},
		Prune:             jsii.Bool(false),
		Role:              handlerRole,
		LogGroup:          logs,
	})
	// index.html names the assets: upload it once they are there.
	s.ConsoleIndex.Node().AddDependency(s.ConsoleAssets)

	// CDK's handler of Custom::CDKBucketDeployment, a stack-wide singleton.
	var handler constructs.IConstruct
	for _, c := range *s.Stack.Node().Children() {
		if strings.HasPrefix(*c.Node().Id(), bucketDeploymentHandlerPrefix) {
			handler = c
		}
	}
	if handler == nil {
		panic("no bucket deployment handler: CDK's Custom::CDKBucketDeployment changed")
	}
	cdknag.NagSuppressions_AddResourceSuppressions(handler, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-L1"),
		Reason: jsii.String("CDK's BucketDeployment handler: aws-cdk-lib chooses its Python runtime (python3.13 in 2.270.0) " +
			"and ships the AWS CLI layer built for it; the handler runs only during deployments."),
	}}, jsii.Bool(true))

	consoleBucketID := *s.Stack.GetLogicalId(s.ConsoleBucket.Node().DefaultChild().(awscdk.CfnElement))
	cdknag.NagSuppressions_AddResourceSuppressions(s.ConsoleDeployRole, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("s3:PutObject on the console bucket's objects: the bucket holds only the console's build and " +
			"config.json, which this handler deploys (the file names come from the build); no delete, no other bucket."),
		AppliesTo: &[]any{fmt.Sprintf("Resource::<%s.Arn>/*", consoleBucketID)},
	}}, jsii.Bool(true))
}
