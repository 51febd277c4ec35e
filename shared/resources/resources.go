// Package resources defines, once, the AWS resources the platform needs: the
// table with its keys and indexes, the bucket, the queues, the user pool and the
// functions. The CDK app in infra/ and the local provisioning both read these
// definitions, so the cloud and the emulator cannot drift apart.
package resources

import (
	"strings"
	"time"
)

// Table is the single DynamoDB table.
var Table = TableSpec{
	Name:         "mpdp",
	PartitionKey: "pk",
	SortKey:      "sk",
	TTLAttribute: "ttl",
	Indexes: []IndexSpec{
		// GSI1: "my workspaces", invitations of a workspace, authorizations, approvals by status.
		{Name: "gsi1", PartitionKey: "gsi1pk", SortKey: "gsi1sk"},
		// GSI2: approvals by type and status.
		{Name: "gsi2", PartitionKey: "gsi2pk", SortKey: "gsi2sk"},
		// GSI3: approvals by type, all statuses.
		{Name: "gsi3", PartitionKey: "gsi3pk", SortKey: "gsi3sk"},
	},
}

// TableSpec describes a table whose key attributes are all strings.
type TableSpec struct {
	Name         string
	PartitionKey string
	SortKey      string
	TTLAttribute string
	Indexes      []IndexSpec
}

// IndexSpec is a global secondary index projecting all attributes. Indexes are
// sparse: only items that carry the index's key attributes appear in them.
type IndexSpec struct {
	Name         string
	PartitionKey string
	SortKey      string
}

// KeyAttributes lists every attribute used in a key, in a stable order.
func (t TableSpec) KeyAttributes() []string {
	attrs := []string{t.PartitionKey, t.SortKey}
	for _, ix := range t.Indexes {
		attrs = append(attrs, ix.PartitionKey, ix.SortKey)
	}
	return attrs
}

// Bucket holds uploaded packages and console assets. Uploads land under
// IncomingPrefix, whose objects expire after a day; the package processor copies
// accepted packages under PackagesPrefix, so abandoned and rejected uploads go away.
var Bucket = BucketSpec{
	Name:            "mpdp-packages",
	IncomingPrefix:  "incoming/",
	PackagesPrefix:  "packages/",
	AssetsPrefix:    "assets/",
	ArchivePrefix:   "archive/",
	IncomingDays:    1,
	ArchiveIADays:   30,
	ArchiveDays:     400,
	CORSMaxAgeHours: 1,
}

// BucketSpec describes the bucket; the cloud name gets the account and region appended by CDK.
type BucketSpec struct {
	Name            string
	IncomingPrefix  string // presigned uploads; ObjectCreated here notifies PackageQueue
	PackagesPrefix  string // accepted packages
	AssetsPrefix    string // icons and logos
	ArchivePrefix   string // raw runtime events and crashes, archive/<kind>/dt=<YYYY-MM-DD>/<mp>/<batch>.json
	IncomingDays    int    // lifecycle expiry of incoming uploads
	ArchiveIADays   int    // archived objects move to Infrequent Access after this many days
	ArchiveDays     int    // and expire after this many
	CORSMaxAgeHours int
}

// CORS is what browsers on the console's origins may do with the bucket: PUT
// through presigned URLs (with the headers those URLs bind) and GET downloads.
var CORS = CORSSpec{
	Methods: []string{"PUT", "GET", "HEAD"},
	Headers: []string{"content-type", "content-length", "x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm"},
	Expose:  []string{"ETag", "x-amz-checksum-sha256"},
}

// CORSSpec is a CORS rule; the allowed origins are the deployment's console origins.
type CORSSpec struct {
	Methods []string
	Headers []string
	Expose  []string
}

// QueueSpec is an SQS queue with a dead-letter queue.
type QueueSpec struct {
	Name              string
	VisibilityTimeout time.Duration
	MaxReceiveCount   int // deliveries before a message moves to the dead-letter queue
}

// Retention of messages: SQS's default on the work queues, the longest SQS
// allows on the dead-letter queues (time to inspect and redrive).
const (
	QueueRetention      = 4 * 24 * time.Hour
	DeadLetterRetention = 14 * 24 * time.Hour
)

// DeadLetterName is the name of the queue's dead-letter queue.
func (q QueueSpec) DeadLetterName() string { return q.Name + "-dlq" }

// Queues are the work queues. Each has a worker; locally a poller plays the part of
// Lambda's event source mapping.
var Queues = []QueueSpec{
	{Name: "mpdp-mail", VisibilityTimeout: 60 * time.Second, MaxReceiveCount: 5},
	{Name: "mpdp-packages", VisibilityTimeout: 120 * time.Second, MaxReceiveCount: 4},
	{Name: "mpdp-workflow", VisibilityTimeout: 60 * time.Second, MaxReceiveCount: 5},
	{Name: "mpdp-analytics", VisibilityTimeout: 120 * time.Second, MaxReceiveCount: 5},
}

// MailQueue carries the emails the platform sends.
var MailQueue = Queues[0]

// PackageQueue carries the bucket's ObjectCreated events for IncomingPrefix.
var PackageQueue = Queues[1]

// WorkflowQueue carries the launch workflow's tasks (with their task tokens).
var WorkflowQueue = Queues[2]

// AnalyticsQueue carries accepted runtime event and crash batches to the
// analytics worker.
var AnalyticsQueue = Queues[3]

// LaunchWorkflow is the Step Functions state machine of launches (its
// definition is in package workflows).
var LaunchWorkflow = StateMachineSpec{Name: "mpdp-launch"}

// StateMachineSpec names a state machine.
type StateMachineSpec struct{ Name string }

// UserPool is the Cognito user pool console users sign in to.
var UserPool = UserPoolSpec{
	Name:       "mpdp-console",
	ClientName: "mpdp-console-web",
	// Temporary passwords handed out on invitation expire after this many days.
	TemporaryPasswordDays: 7,
	PasswordMinLength:     12,
	// Users sign in with their email address, in any case.
	CaseSensitiveUsernames: false,
	// TOTP, which users enrol themselves.
	MFA: "OPTIONAL",
	// A changed email address takes effect only once its code is confirmed:
	// until then the verified one stays (and keeps signing in).
	VerifyBeforeUpdate: []string{"email"},
	// The console's client may write no attribute that identifies or
	// authorizes anyone: not email (members are matched by sub, and an
	// unverified address must not replace a verified one).
	WritableAttributes:         []string{"name"},
	AuthFlows:                  []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
	PreventUserExistenceErrors: true,
	AccessTokenValidity:        time.Hour,
	IDTokenValidity:            time.Hour,
	RefreshTokenValidity:       30 * 24 * time.Hour,
}

// UserPoolSpec holds the user pool and console client settings both
// provisioners apply (infra's parity tests compare them).
type UserPoolSpec struct {
	Name                       string
	ClientName                 string
	TemporaryPasswordDays      int
	PasswordMinLength          int
	CaseSensitiveUsernames     bool
	MFA                        string   // OFF, OPTIONAL or ON
	VerifyBeforeUpdate         []string // attributes that keep their original value until the new one is verified
	WritableAttributes         []string // what the console's client may write
	AuthFlows                  []string // the client's explicit auth flows
	PreventUserExistenceErrors bool
	AccessTokenValidity        time.Duration
	IDTokenValidity            time.Duration
	RefreshTokenValidity       time.Duration
}

// MailConfigurationSet is the SES configuration set every email goes through:
// addresses that bounce or complain are suppressed (SES's account-level list),
// and SES keeps reputation metrics (bounce and complaint rates) for it. The CDK
// app adds the stage to its name and sends its events to CloudWatch.
var MailConfigurationSet = ConfigurationSetSpec{
	Name:              "mpdp-mail",
	SuppressedReasons: []string{"BOUNCE", "COMPLAINT"},
	ReputationMetrics: true,
}

// ConfigurationSetSpec describes an SES configuration set.
type ConfigurationSetSpec struct {
	Name              string
	SuppressedReasons []string // BOUNCE, COMPLAINT
	ReputationMetrics bool
}

// AppKeysKey is the KMS key that encrypts the secrets of the host apps' keys
// (see package appkeys). CDK creates a customer managed key with yearly
// rotation; the local provisioning creates one under the alias.
var AppKeysKey = KMSKeySpec{
	Alias:       "alias/mpdp-app-keys",
	Description: "Encrypts the secrets of the mpdp host apps' keys",
}

// KMSKeySpec describes a symmetric KMS key.
type KMSKeySpec struct {
	Alias       string
	Description string
}

// Permission is what a function may do with the platform's resources; the CDK app
// turns each into the narrowest IAM grant that allows it.
type Permission string

const (
	TableRead        Permission = "table:read"
	TableWrite       Permission = "table:write"
	UsersRead        Permission = "users:read"        // AdminGetUser: find a user by email (testers are stored by subject)
	UsersAdmin       Permission = "users:admin"       // AdminCreateUser, AdminSetUserPassword (with UsersRead: package identity's EnsureUser)
	MailEnqueue      Permission = "mail:enqueue"      // SQS SendMessage on the mail queue
	MailSend         Permission = "mail:send"         // SES SendEmail
	MailConsume      Permission = "mail:consume"      // receive from the mail queue (event source)
	PackagesSign     Permission = "packages:sign"     // presign PUTs under IncomingPrefix and GETs under PackagesPrefix
	AssetsSign       Permission = "assets:sign"       // presign PUTs under AssetsPrefix
	AssetsRead       Permission = "assets:read"       // s3:GetObject under AssetsPrefix (presigned views of images; reading them back to check them)
	PackagesProcess  Permission = "packages:process"  // read IncomingPrefix, write PackagesPrefix
	PackagesConsume  Permission = "packages:consume"  // receive from the package queue (event source)
	WorkflowStart    Permission = "workflow:start"    // states:StartExecution on the launch workflow
	WorkflowAnswer   Permission = "workflow:answer"   // states:SendTaskSuccess / SendTaskFailure for the launch workflow
	WorkflowConsume  Permission = "workflow:consume"  // receive from the workflow task queue (event source)
	KeysEncrypt      Permission = "keys:encrypt"      // kms:Encrypt with AppKeysKey (new app key secrets)
	KeysDecrypt      Permission = "keys:decrypt"      // kms:Decrypt with AppKeysKey (verify runtime signatures)
	AnalyticsEnqueue Permission = "analytics:enqueue" // SQS SendMessage on the analytics queue
	AnalyticsConsume Permission = "analytics:consume" // receive from the analytics queue (event source)
	ArchiveWrite     Permission = "archive:write"     // s3:PutObject under ArchivePrefix
)

// Function is one Lambda function. HTTP functions serve the routes of their area
// (see package routes); workers consume a queue.
type Function struct {
	Name        string
	Permissions []Permission
	Queue       *QueueSpec // set for queue workers
}

// Functions lists every Lambda; the binary of each is built from functions/<Name>.
var Functions = []Function{
	{Name: "accounts", Permissions: []Permission{TableRead, TableWrite, MailEnqueue}},
	// workspaces resolves testers' emails to subjects.
	{Name: "workspaces", Permissions: []Permission{TableRead, TableWrite, AssetsSign, AssetsRead, UsersRead}},
	{Name: "members", Permissions: []Permission{TableRead, TableWrite, UsersRead, UsersAdmin, MailEnqueue}},
	{Name: "approvals", Permissions: []Permission{TableRead, TableWrite, UsersRead, UsersAdmin, MailEnqueue, WorkflowAnswer}},
	{Name: "launches", Permissions: []Permission{TableRead, TableWrite, MailEnqueue, WorkflowStart, WorkflowAnswer}},
	// miniprograms and feedback show images (icons, screenshots) through presigned GETs: AssetsRead.
	{Name: "miniprograms", Permissions: []Permission{TableRead, TableWrite, PackagesSign, AssetsRead}},
	{Name: "apps", Permissions: []Permission{TableRead, TableWrite, KeysEncrypt}},
	{Name: "catalog", Permissions: []Permission{TableRead, TableWrite}},
	{Name: "feedback", Permissions: []Permission{TableRead, TableWrite, AssetsSign, AssetsRead}},
	// runtime writes nonces (replay guard) and keys' last use, and signs package downloads.
	// runtime also queues accepted analytics batches.
	{Name: "runtime", Permissions: []Permission{TableRead, TableWrite, KeysDecrypt, PackagesSign, AnalyticsEnqueue}},
	{Name: "mailer", Permissions: []Permission{MailSend, MailConsume}, Queue: &MailQueue},
	{Name: "processor", Permissions: []Permission{TableRead, TableWrite, PackagesProcess, PackagesConsume}, Queue: &PackageQueue},
	{Name: "workflows", Permissions: []Permission{TableRead, TableWrite, MailEnqueue, WorkflowAnswer, WorkflowConsume}, Queue: &WorkflowQueue},
	{Name: "analytics", Permissions: []Permission{TableRead, TableWrite, ArchiveWrite, AnalyticsConsume}, Queue: &AnalyticsQueue},
}

// Environment variables the functions read; both the CDK app and the local gateway set them.
const (
	EnvTableName      = "TABLE_NAME"
	EnvBucketName     = "BUCKET_NAME"
	EnvUserPoolID     = "USER_POOL_ID"
	EnvClientID       = "USER_POOL_CLIENT_ID"
	EnvMailQueueURL   = "MAIL_QUEUE_URL"
	EnvConsoleOrigins = "CONSOLE_ORIGINS" // comma-separated origins allowed by CORS
	EnvMailFrom       = "MAIL_FROM"
	// EnvMailConfigurationSet is the SES configuration set every email goes
	// through (bounce and complaint events, suppression); empty locally.
	EnvMailConfigurationSet = "MAIL_CONFIGURATION_SET"
	EnvStateMachine         = "LAUNCH_STATE_MACHINE_ARN"
	EnvConsoleURL           = "CONSOLE_URL"
	EnvAppKeysKMSKey        = "APP_KEYS_KMS_KEY" // the ARN (or alias) of AppKeysKey
	EnvAnalyticsQueueURL    = "ANALYTICS_QUEUE_URL"
)

// Service names the platform: the prefix of its physical names and the value of
// every resource's service tag.
const Service = "mpdp"

// StageName is the physical name of a resource in a deployed stage: "mpdp-launch"
// becomes "mpdp-<stage>-launch", so two stages can live in one account and
// region. Local provisioning keeps the plain names.
func StageName(stage, base string) string {
	if rest, ok := strings.CutPrefix(base, Service+"-"); ok {
		return Service + "-" + stage + "-" + rest
	}
	if base == Service {
		return Service + "-" + stage
	}
	return Service + "-" + stage + "-" + base
}
