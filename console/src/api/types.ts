// Types of the platform API's JSON, as the Go handlers (shared/api, shared/domain)
// write and read it; shared/openapi/openapi.yaml describes the same shapes.
// Optional fields are the Go `omitempty` ones (absent, not null, when empty).
// shared/openapi/console_types_test.go fails when an interface here and the
// schema of the same name disagree on their properties.

// --- common -------------------------------------------------------------------

/** An RFC 3339 date-time in UTC. */
export type Timestamp = string;
/** A UTC day, YYYY-MM-DD. */
export type Day = string;
/** A semantic version like 1.2.3 or 1.2.3-beta.1. */
export type Semver = string;
/** An uploaded image's reference, like assets/<workspace>/<file>. */
export type AssetRef = string;

/** The body of every list response; nextCursor is absent on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Query parameters every paged list takes. */
export type PageQuery = { limit?: number; cursor?: string };

export interface FieldError {
  /** Like contact.email or items[2].userId. */
  field: string;
  message: string;
}

/** An RFC 9457 application/problem+json body (httpapi.Problem). */
export interface Problem {
  /** Like https://mpdp.dev/problems/not-found, or about:blank. */
  type: string;
  /** The HTTP status text. */
  title: string;
  status: number;
  detail?: string;
  /** One entry per invalid input field. */
  errors?: FieldError[];
  requestId?: string;
}

/** API Gateway's own 401 body in the cloud (not a problem). */
export interface GatewayMessage {
  message: string;
}

/** A presigned upload: send `method` to `url` before `expiresAt` with exactly these headers and the file as body. */
export interface Upload {
  url: string;
  method: "PUT";
  /** Headers the signature covers: Content-Type, Content-Length, x-amz-checksum-sha256 (browsers set Content-Length themselves). */
  headers: Record<string, string>;
  expiresAt: Timestamp;
}

export interface Health {
  status: "ok";
}

// --- enums --------------------------------------------------------------------

export type Role = "admin" | "reviewer" | "developer";
export type MemberStatus = "active" | "blocked";
export type WorkspaceKind = "tenant" | "developer";
export type InvitationStatus = "pending" | "accepted" | "withdrawn" | "expired";
export type AuthorizationStatus = "active" | "revoked";
export type AuthorizationType = "workspace" | "feature";
export type ApprovalType = "workspace.create" | "launch" | "offline" | "online" | "feature.activate" | "authorization.regrant";
export type ApprovalStatus = "in_review" | "approved" | "rejected" | "withdrawn" | "expired";
export type Strategy = "full" | "phased" | "testers";
export type LaunchStatus =
  | "in_review"
  | "rejected"
  | "withdrawn"
  | "expired"
  | "scheduled"
  | "rolling_out"
  | "paused"
  | "completed"
  | "failed";
export type Category =
  | "shopping"
  | "food"
  | "travel"
  | "finance"
  | "education"
  | "entertainment"
  | "games"
  | "health"
  | "lifestyle"
  | "social"
  | "tools"
  | "government"
  | "other";
export type VersionStatus = "uploading" | "processing" | "ready" | "invalid" | "expired";
export type Platform = "ios" | "android";
export type AppStatus = "active" | "disabled";
export type KeyStatus = "active" | "revoked";
export type JSAPIStatus = "active" | "deprecated";
export type GrantStatus = "active" | "revoked";
export type FeedbackCategory = "bug" | "suggestion" | "question" | "other";
export type FeedbackStatus = "open" | "handled";
export type CrashStatus = "open" | "resolved" | "ignored";
export type Metric = "pageViews" | "uniqueVisitors" | "newVisitors" | "sessions" | "avgSessionMs" | "visitDepth";
export type AssetKind = "icon" | "logo" | "favicon";
export type AssetContentType = "image/png" | "image/jpeg" | "image/webp" | "image/svg+xml" | "image/x-icon";
export type ScreenshotContentType = "image/png" | "image/jpeg";

// --- accounts -----------------------------------------------------------------

/** POST /v1/applications (public): a merchant applies for a developer workspace. */
export interface ApplicationInput {
  company: string;
  contactName: string;
  email: string;
  /** ISO 3166-1 alpha-2, like SG. */
  country: string;
  /** 10 to 2000 characters. */
  reason: string;
  /** The version of the platform's terms the applicant accepts: required (the current one) once terms are published. */
  termsVersion?: number;
}

/** The platform's current terms of service, as anyone may read them. */
export interface PublicTerms {
  version: number;
  url: string;
  publishedAt: Timestamp;
}

/** GET /v1/terms (public): `terms` is absent while none are published. */
export interface CurrentTerms {
  terms?: PublicTerms;
}

/** The current terms and whether the caller accepted them (in Me). */
export interface TermsStanding {
  version: number;
  url: string;
  publishedAt: Timestamp;
  /** True until the caller accepts this version. */
  mustAccept: boolean;
  acceptedAt?: Timestamp;
}

export interface TermsAcceptInput {
  version: number;
}

/** A user's acceptance of one terms version. */
export interface TermsAcceptance {
  userId: string;
  version: number;
  acceptedAt: Timestamp;
  via: "application" | "console";
}

/** The workspace.create approval created for an application, in brief. */
export interface ApplicationReceipt {
  id: string;
  status: ApprovalStatus;
  type: ApprovalType;
  createdAt: Timestamp;
}

export interface WorkspaceSummary {
  id: string;
  name: string;
  kind: WorkspaceKind;
}

export interface Membership {
  workspace: WorkspaceSummary;
  role: Role;
  status: MemberStatus;
}

export interface Me {
  /** The Cognito user's sub. */
  userId: string;
  /** Empty for access tokens, which carry no email. */
  email: string;
  /** At most 100, blocked ones included. */
  memberships: Membership[];
  /** The platform's current terms; absent while none are published. */
  terms?: TermsStanding;
}

export interface AcceptInvitationInput {
  token: string;
}

// --- workspaces ---------------------------------------------------------------

export interface Contact {
  name: string;
  email: string;
  phone?: string;
}

export interface Workspace {
  /** ws_tenant for the tenant. */
  id: string;
  kind: WorkspaceKind;
  name: string;
  description: string;
  /** An asset reference, or "". */
  logo: string;
  contact: Contact;
  country?: string;
  /** Developer workspaces only: revoked ones can read but not upload or launch. */
  authorization?: AuthorizationStatus;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  version: number;
}

/** An item of GET /v1/workspaces: the workspace with the caller's membership. */
export interface WorkspaceListItem extends Workspace {
  role: Role;
  memberStatus: MemberStatus;
}

/** PATCH /v1/workspaces/{ws}: at least one field. */
export interface WorkspacePatch {
  name?: string;
  description?: string;
  logo?: AssetRef | "";
  contact?: Contact;
}

export interface Branding {
  logo: AssetRef | "";
  favicon: AssetRef | "";
}

export interface Notifications {
  applicationDecisions: boolean;
  launchDecisions: boolean;
  releases: boolean;
  invitations: boolean;
}

export interface EmailSettings {
  senderAddress: string;
  senderName: string;
  notifications: Notifications;
}

export interface Domains {
  /** Host names only, like console.example.com, or "". */
  console: string;
  api: string;
}

export interface Terms {
  /** The terms' own version number, 1 up. */
  version: number;
  url: string;
  publishedAt: Timestamp;
  publishedBy: string;
}

export interface Settings {
  branding: Branding;
  email: EmailSettings;
  domains: Domains;
  aboutUsUrl: string;
  terms?: Terms;
  updatedBy?: string;
  updatedAt?: Timestamp;
  version: number;
}

/** GET/PUT .../settings and POST .../settings/terms: settings with the terms history and (members only) the testers. */
export interface SettingsView extends Settings {
  /** Download URLs of the branding images that are set, valid for 10 minutes. */
  brandingUrls?: { logo?: string; favicon?: string };
  termsHistory: Terms[];
  testers?: Testers;
}

/** PUT .../settings: the whole replaceable document; empty strings for unset values. */
export interface SettingsInput {
  branding: Branding;
  email: EmailSettings;
  domains: Domains;
  aboutUsUrl: string;
}

export interface TermsInput {
  /** An absolute https URL. */
  url: string;
}

export interface Tester {
  /** The subject matched: a super app user id or a console user's sub. */
  userId: string;
  /** The email the entry was added by (display only; never matched). */
  email?: string;
  note?: string;
}

export interface Testers {
  items: Tester[];
  version: number;
}

/** PUT .../testers answers the saved list and the emails that matched no console user. */
export interface TestersSaved extends Testers {
  unresolved: string[];
}

/** One whitelist item to save: a subject, an email (resolved to a sub), or both as read back. */
export interface TesterInput {
  userId?: string;
  email?: string;
  note?: string;
}

/** PUT .../testers: the whole whitelist (send [] to clear it). */
export interface TestersInput {
  items: TesterInput[];
}

/** POST .../settings/assets: an image (icon, logo, favicon) to upload, at most 1 MiB. */
export interface AssetInput {
  kind: AssetKind;
  contentType: AssetContentType;
  size: number;
  /** The file's SHA-256 as 64 hex digits. */
  sha256: string;
}

/** The asset reference to put in settings or a mini program, and where to PUT the file. */
export interface AssetUpload {
  asset: AssetRef;
  upload: Upload;
}

// --- members, invitations, authorizations -------------------------------------

export interface Member {
  workspaceId: string;
  userId: string;
  email: string;
  role: Role;
  status: MemberStatus;
  joinedAt: Timestamp;
  updatedAt: Timestamp;
  version: number;
}

export interface MemberRoleInput {
  role: Role;
}

export interface Invitation {
  id: string;
  workspaceId: string;
  email: string;
  role: Role;
  /** expired is derived: pending past expiresAt. */
  status: InvitationStatus;
  invitedBy: string;
  createdAt: Timestamp;
  expiresAt: Timestamp;
  sentCount: number;
  acceptedBy?: string;
  version: number;
}

export interface InvitationInput {
  email: string;
  role: Role;
}

/** The create and resend responses: the only time the token is shown. */
export interface InvitationWithToken extends Invitation {
  token: string;
  /** The console link the email carries: <console>/invitations/<id>?token=<token>. */
  acceptUrl: string;
}

export interface Authorization {
  id: string;
  type: AuthorizationType;
  workspaceId: string;
  workspaceName: string;
  /** Feature grants only. */
  featureId?: string;
  featureName?: string;
  miniProgramId?: string;
  status: AuthorizationStatus;
  grantedBy: string;
  grantedAt: Timestamp;
  revokedBy?: string;
  revokedAt?: Timestamp;
  version: number;
}

// --- approvals ----------------------------------------------------------------

/** Who asked; applicants are not signed in, so they have an email and no user id. */
export interface Requester {
  userId?: string;
  email: string;
  workspaceId?: string;
  /** The requesting workspace's current name, added when read. */
  workspaceName?: string;
}

/** A workspace.create approval's payload: the application. */
export type WorkspaceCreatePayload = ApplicationInput;

export interface LaunchApprovalPayload {
  launchId: string;
  miniProgramId: string;
  /** The mini program's name. */
  miniProgram: string;
  version: Semver;
  strategy: Strategy;
  note?: string;
}

/** An offline or online approval's payload. */
export interface OnlinePayload {
  miniProgramId: string;
  /** The mini program's name. */
  miniProgram: string;
  /** "" when none was given. */
  reason: string;
}

export interface FeatureActivatePayload {
  featureId: string;
  featureName: string;
  miniProgramId: string;
  miniProgramName: string;
  reason: string;
}

/** An authorization.regrant approval's payload. */
export interface RegrantPayload {
  authorizationId: string;
  workspaceId: string;
  workspaceName: string;
  reason: string;
}

/** POST /v1/authorizations/{id}/regrant. */
export interface RegrantInput {
  reason: string;
}

/** What an approved workspace.create created. */
export interface WorkspaceCreateResult {
  workspaceId: string;
  adminUserId: string;
  authorizationId: string;
}

/** What an approved feature.activate created. */
export interface FeatureActivateResult {
  authorizationId: string;
  featureId: string;
  miniProgramId: string;
}

interface ApprovalBase {
  id: string;
  status: ApprovalStatus;
  title: string;
  requester: Requester;
  createdAt: Timestamp;
  decidedAt?: Timestamp;
  decidedBy?: string;
  comment?: string;
  reason?: string;
  /** A rejection's kind (absent on older rejections). */
  reasonCode?: RejectionCode;
  /** Only from GET /v1/approvals/{id}, for approvals about a mini program. */
  context?: ApprovalContext;
  version: number;
}

/** What kind of problem a rejection is about. */
export type RejectionCode = "policy" | "content" | "functionality" | "privacy" | "other";

/** The requesting workspace's state an approval decides on, read-only. */
export interface ApprovalContext {
  miniProgram?: MiniProgram;
  /** The version under review (launch), with its report. */
  version?: PackageVersion;
  /** What users got before this launch. */
  liveVersion?: PackageVersion;
  release?: Release;
  /** The rollout plan and schedule. */
  launch?: Launch;
  features: FeatureGrant[];
}

export interface WorkspaceCreateApproval extends ApprovalBase {
  type: "workspace.create";
  payload: WorkspaceCreatePayload;
  result?: WorkspaceCreateResult;
}

export interface LaunchApproval extends ApprovalBase {
  type: "launch";
  payload: LaunchApprovalPayload;
  result?: Record<string, string>;
}

export interface OfflineApproval extends ApprovalBase {
  type: "offline";
  payload: OnlinePayload;
  result?: Record<string, string>;
}

export interface OnlineApproval extends ApprovalBase {
  type: "online";
  payload: OnlinePayload;
  result?: Record<string, string>;
}

export interface FeatureActivateApproval extends ApprovalBase {
  type: "feature.activate";
  payload: FeatureActivatePayload;
  result?: FeatureActivateResult;
}

export interface RegrantApproval extends ApprovalBase {
  type: "authorization.regrant";
  payload: RegrantPayload;
  result?: Record<string, string>;
}

/** An approval, discriminated by `type`. */
export type Approval =
  | WorkspaceCreateApproval
  | LaunchApproval
  | OfflineApproval
  | OnlineApproval
  | FeatureActivateApproval
  | RegrantApproval;

/** Approve or withdraw: an optional body. */
export interface DecisionInput {
  comment?: string;
  reason?: string;
}

/** Reject: reason is required and sent to the requester. */
export interface RejectInput {
  comment?: string;
  reason: string;
  reasonCode?: RejectionCode;
}

// --- mini programs, uploads, versions -----------------------------------------

export interface MiniProgram {
  id: string;
  workspaceId: string;
  name: string;
  description: string;
  category: Category;
  icon?: AssetRef;
  /** On GET of one mini program: a download URL of the icon, valid for 10 minutes. */
  iconUrl?: string;
  /** The newest version uploaded (or being uploaded). */
  latestVersion?: Semver;
  createdBy: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  version: number;
}

export interface MiniProgramInput {
  name: string;
  category: Category;
  description?: string;
  /** An asset of this workspace, or "" for none. */
  icon?: AssetRef | "";
}

/** PATCH: at least one field; absent fields stay as they are. */
export type MiniProgramPatch = Partial<MiniProgramInput>;

export interface UploadInput {
  version: Semver;
  /** Bytes, at most 30 MiB. */
  size: number;
  /** The package's SHA-256 as 64 hex digits. */
  sha256: string;
}

export interface PackageProblem {
  /** Stable, like manifest_missing, page_missing, size_mismatch, checksum_mismatch, processing_failed. */
  code: string;
  message: string;
  /** The package entry concerned. */
  path?: string;
}

export interface ManifestSummary {
  version: string;
  pages: string[];
  subpackages: number;
  entryPage: string;
}

/** The package processor's validation report. */
export interface PackageReport {
  valid: boolean;
  /** [] when valid. */
  problems: PackageProblem[];
  entries: number;
  compressedBytes: number;
  uncompressedBytes: number;
  mainBytes: number;
  manifest?: ManifestSummary;
}

export interface PackageVersion {
  id: string;
  miniProgramId: string;
  workspaceId: string;
  version: Semver;
  status: VersionStatus;
  size: number;
  sha256: string;
  /** The current upload URL's id: only that upload can become the version. */
  uploadId?: string;
  uploadedBy: string;
  createdAt: Timestamp;
  uploadExpiresAt: Timestamp;
  receivedAt?: Timestamp;
  processedAt?: Timestamp;
  /** Set once processed (ready or invalid). */
  report?: PackageReport;
  failure?: string;
  attempts: number;
  /** The version's change counter; its ETag is "v<revision>". */
  revision: number;
}

/** POST .../uploads (201 new, 200 re-issued URL for the same version). */
export interface UploadResponse {
  versionId: string;
  packageVersion: PackageVersion;
  upload: Upload;
}

/** POST .../versions/{version}/trial: a 10-minute download for a whitelisted tester. */
export interface Trial {
  version: Semver;
  downloadUrl: string;
  expiresAt: Timestamp;
  sha256: string;
  size: number;
  /** What the QR code encodes: mpdp://trial?ws=...&mp=...&version=...&sha256=...&url=... */
  qrPayload: string;
}

// --- launches and releases ----------------------------------------------------

/** One change of a launch, oldest first. */
export interface TimelineEntry {
  status: LaunchStatus | "published";
  /** RFC 3339 with varying fraction digits: compare parsed times. */
  at: string;
  /** User id, when a person made the change. */
  by?: string;
  note?: string;
}

export interface Launch {
  id: string;
  workspaceId: string;
  miniProgramId: string;
  version: Semver;
  strategy: Strategy;
  /** Phased only: strictly rising percentages ending at 100. */
  steps?: number[];
  /** Phased only: the wait between steps. */
  intervalSeconds?: number;
  releaseAt?: Timestamp;
  note?: string;
  status: LaunchStatus;
  /** Share of users on this version so far. */
  percentage: number;
  approvalId: string;
  requestedBy: string;
  decidedBy?: string;
  /** Why the launch ended early. */
  endReason?: string;
  timeline: TimelineEntry[];
  createdAt: Timestamp;
  /** RFC 3339 with varying fraction digits. */
  updatedAt: string;
}

/** GET .../launches/{launch}: the launch with its approval (absent if it cannot be read). */
export interface LaunchDetail extends Launch {
  approval?: LaunchApproval;
}

/** A full or testers launch takes no steps nor interval; a phased one defaults to 1,2,5,10,20,50,100 % a day apart. */
export interface LaunchInput {
  version: Semver;
  strategy: Strategy;
  steps?: number[];
  /** 1 second to 30 days. */
  intervalSeconds?: number;
  /** In the future, within 90 days. */
  releaseAt?: Timestamp;
  note?: string;
}

export interface LaunchPercentageInput {
  /** Above the current one, at most 100. */
  percentage: number;
}

export interface RollbackInput {
  /** One of the release's history. */
  version: Semver;
}

export interface OnlineInput {
  reason?: string;
}

/** What a mini program serves now. */
export interface Release {
  miniProgramId: string;
  workspaceId: string;
  version?: Semver;
  previousVersion?: Semver;
  strategy?: Strategy;
  percentage: number;
  testersVersion?: Semver;
  /** The launch that released `version` (never a testers launch); absent after a rollback. */
  launchId?: string;
  /** The launch that released `testersVersion`. */
  testersLaunchId?: string;
  offline: boolean;
  /** The last released versions (at most 5), newest first. */
  history: Semver[];
  updatedAt: Timestamp;
  revision: number;
}

// --- apps and keys ------------------------------------------------------------

export interface App {
  id: string;
  name: string;
  platform: Platform;
  /** Reverse-DNS, like com.example.superapp. */
  bundleId: string;
  description: string;
  status: AppStatus;
  activeKeys: number;
  createdBy: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  version: number;
}

export interface AppInput {
  name: string;
  platform: Platform;
  bundleId: string;
  description?: string;
}

/** PATCH: at least one field. */
export type AppPatch = Partial<AppInput> & { status?: AppStatus };

/** requests: ships in the host app, signs runtime requests; assertions: stays on the host app's back end, signs user assertions. */
export type KeyUse = "requests" | "assertions";

export interface AppKey {
  keyId: string;
  appId: string;
  /** Absent on keys made before uses existed: those are requests keys. */
  use?: KeyUse;
  status: KeyStatus;
  createdBy: string;
  createdAt: Timestamp;
  lastUsedAt?: Timestamp;
  revokedAt?: Timestamp;
  revokedBy?: string;
}

/** POST /v1/apps/{app}/keys: the only response that shows the secret. */
export interface CreatedAppKey extends AppKey {
  use: KeyUse;
  secret: string;
}

// --- catalog: JSAPIs, features, grants ----------------------------------------

export interface JSAPI {
  /** Its id, like getLocation. */
  name: string;
  description: string;
  supportedOS: Platform[];
  needsUserAuthorization: boolean;
  status: JSAPIStatus;
  createdBy: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  version: number;
}

export interface JSAPIInput {
  name: string;
  supportedOS: Platform[];
  description?: string;
  needsUserAuthorization?: boolean;
  status?: JSAPIStatus;
}

/** PATCH: the name cannot change; at least one field. */
export type JSAPIPatch = Partial<Omit<JSAPIInput, "name">>;

export interface Feature {
  id: string;
  name: string;
  description: string;
  /** JSAPI names. */
  jsapis: string[];
  createdBy: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  version: number;
}

export interface FeatureInput {
  name: string;
  jsapis: string[];
  description?: string;
}

/** PATCH: at least one field. */
export type FeaturePatch = Partial<FeatureInput>;

/** A field's change; from is null on creation. */
export interface FeatureChange<T = unknown> {
  from: T | null;
  to: T;
}

export interface FeatureHistoryEntry {
  id: string;
  featureId: string;
  action: "created" | "updated";
  /** Who made the change: shown to tenant members only. */
  by?: string;
  byEmail?: string;
  at: Timestamp;
  /** Only the fields that changed (all three on creation). */
  changes: {
    name?: FeatureChange<string>;
    description?: FeatureChange<string>;
    jsapis?: FeatureChange<string[]>;
  };
  /** The feature's version after the change. */
  version: number;
}

/** A feature granted to a mini program. */
export interface FeatureGrant {
  miniProgramId: string;
  workspaceId: string;
  featureId: string;
  featureName: string;
  status: GrantStatus;
  approvalId: string;
  authorizationId: string;
  grantedBy: string;
  grantedAt: Timestamp;
  revokedBy?: string;
  revokedAt?: Timestamp;
}

export interface FeatureActivationInput {
  featureId: string;
  reason?: string;
}

// --- feedback -----------------------------------------------------------------

export interface Feedback {
  id: string;
  userId: string;
  email?: string;
  category: FeedbackCategory;
  text: string;
  /** A reference from POST /v1/feedback/screenshots. */
  screenshot?: string;
  /** In lists: a download URL of the screenshot, valid for 10 minutes. */
  screenshotUrl?: string;
  status: FeedbackStatus;
  note?: string;
  handledBy?: string;
  handledAt?: Timestamp;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  version: number;
}

export interface FeedbackInput {
  category: FeedbackCategory;
  text: string;
  screenshot?: string;
}

/** At least one field. */
export interface FeedbackPatch {
  status?: FeedbackStatus;
  note?: string;
}

/** A screenshot to upload, at most 5 MiB. */
export interface ScreenshotInput {
  contentType: ScreenshotContentType;
  size: number;
  sha256: string;
}

export interface ScreenshotUpload {
  /** The reference to send as FeedbackInput.screenshot. */
  screenshot: string;
  upload: Upload;
}

// --- analytics and crash quality ----------------------------------------------

export interface SeriesPoint {
  day: Day;
  value: number;
}

export interface PageCount {
  page: string;
  views: number;
}

/** GET .../analytics: a metric per UTC day over from..to (both included). */
export interface AnalyticsSeries {
  metric: Metric;
  /** A semver, or "all". */
  version: Semver | "all";
  from: Day;
  to: Day;
  points: SeriesPoint[];
  /** Sum of counts; distinct visitors for uniqueVisitors; the range's average for avgSessionMs and visitDepth. */
  total: number;
  topPages: PageCount[];
  /** Relative standard error of uniqueVisitors (HyperLogLog). */
  errorBound: number;
  /** Standard error of total in the metric's unit; 0 when exact. */
  totalStdError: number;
}

/** One metric over a range beside the period before it; stdError 0 means exact. */
export interface KPI {
  metric: Metric;
  value: number;
  stdError: number;
  previous: number;
  previousStdError: number;
  /** (value − previous) / previous; null when previous is 0. */
  change: number | null;
}

export interface SessionCount {
  /** An OS (ios, android), a host app version, or "unknown". */
  key: string;
  sessions: number;
}

/** A version's crash figures over a range; act on them only when sufficient. */
export interface CrashStats {
  version: Semver | "all";
  sessions: number;
  crashes: number;
  /** Crash reports per 1,000 sessions. */
  crashRate: number;
  crashRateStdError: number;
  users: number;
  crashedUsers: number;
  /** Share (0..1) of visitors without a crash. */
  crashFreeUsers: number;
  crashFreeUsersStdError: number;
  sufficient: boolean;
  minSessions: number;
  minUsers: number;
}

export interface AnalyticsSummary {
  version: Semver | "all";
  from: Day;
  to: Day;
  previousFrom: Day;
  previousTo: Day;
  kpis: KPI[];
  sessionsByOS: SessionCount[];
  sessionsByAppVersion: SessionCount[];
  crashes: CrashStats;
}

export interface VersionQualityList {
  items: CrashStats[];
}

/** Visitors active in one period and how many came back in each later one (null: not begun). */
export interface Cohort {
  start: Day;
  users: number;
  retained: (number | null)[];
  rate: (number | null)[];
  stdError: number[];
}

export interface Retention {
  period: "day" | "week";
  from: Day;
  to: Day;
  cohorts: Cohort[];
  errorBound: number;
}

export interface CrashGroup {
  fingerprint: string;
  title: string;
  status: CrashStatus;
  resolvedIn?: Semver;
  regression: boolean;
  regressedIn?: Semver;
  firstSeen: Timestamp;
  lastSeen: Timestamp;
  versions: Semver[];
  /** In the list: in the range; in the detail and after a PATCH: the whole history. */
  occurrences: number;
  /** Approximate; in the list: in the range. */
  affectedUsers: number;
  totalOccurrences: number;
  version: number;
}

export interface CrashDay {
  day: Day;
  occurrences: number;
  affectedUsers: number;
}

/** A crash report as a host app sent it. */
export interface CrashSample {
  id: string;
  miniProgramId: string;
  version: Semver;
  userId: string;
  message: string;
  stack?: string;
  page?: string;
  os: Platform;
  appVersion: string;
  device?: string;
  timestamp: Timestamp;
}

export interface CrashGroupDetail extends CrashGroup {
  days: CrashDay[];
  /** The latest reports (at most 3), newest first. */
  samples: CrashSample[];
}

export interface CrashPatch {
  status: CrashStatus;
  /** Only with resolved; defaults to the newest version seen. */
  resolvedIn?: Semver;
}
