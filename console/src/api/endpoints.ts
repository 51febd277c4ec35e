// One typed function per console route of shared/routes/routes.go (the Signed
// and Public ones; the app-key /v1/runtime routes are for host apps). Updates
// that need If-Match take the ETag last read; creating POSTs that accept an
// Idempotency-Key take an optional one.

import type { Client } from "./client";
import type {
  AcceptInvitationInput,
  AnalyticsSeries,
  AnalyticsSummary,
  Retention,
  VersionQualityList,
  App,
  AppInput,
  AppKey,
  AppPatch,
  ApplicationInput,
  ApplicationReceipt,
  Approval,
  ApprovalStatus,
  ApprovalType,
  AssetInput,
  AssetUpload,
  Authorization,
  CurrentTerms,
  RegrantInput,
  TermsAcceptance,
  TermsAcceptInput,
  CrashGroup,
  CrashGroupDetail,
  CrashPatch,
  CrashStatus,
  CreatedAppKey,
  KeyUse,
  Day,
  DecisionInput,
  Feature,
  FeatureActivateApproval,
  FeatureActivationInput,
  FeatureGrant,
  FeatureHistoryEntry,
  FeatureInput,
  FeaturePatch,
  Feedback,
  FeedbackInput,
  FeedbackPatch,
  FeedbackStatus,
  Health,
  Invitation,
  InvitationInput,
  InvitationWithToken,
  JSAPI,
  JSAPIInput,
  JSAPIPatch,
  JSAPIStatus,
  Launch,
  LaunchApproval,
  LaunchDetail,
  LaunchInput,
  LaunchPercentageInput,
  LaunchStatus,
  Me,
  Member,
  MemberRoleInput,
  Metric,
  MiniProgram,
  MiniProgramInput,
  MiniProgramPatch,
  OfflineApproval,
  OnlineApproval,
  OnlineInput,
  PackageVersion,
  Page,
  PageQuery,
  Platform,
  RejectInput,
  Release,
  RollbackInput,
  ScreenshotInput,
  ScreenshotUpload,
  Semver,
  SettingsInput,
  SettingsView,
  TesterInput,
  Testers,
  TestersSaved,
  TermsInput,
  Trial,
  UploadInput,
  UploadResponse,
  Workspace,
  WorkspaceListItem,
  WorkspacePatch,
} from "./types";

const enc = encodeURIComponent;

const wsPath = (ws: string) => `/v1/workspaces/${enc(ws)}`;
const mpPath = (ws: string, mp: string) => `${wsPath(ws)}/miniprograms/${enc(mp)}`;

// --- accounts -----------------------------------------------------------------

export const getHealth = (c: Client) => c.get<Health>("/v1/health");

/** Public: a merchant applies for a developer workspace (a workspace.create approval). */
export const submitApplication = (c: Client, body: ApplicationInput, idempotencyKey?: string) =>
  c.send<ApplicationReceipt>("POST", "/v1/applications", body, { idempotencyKey });

export const getMe = (c: Client) => c.get<Me>("/v1/me");

/** Public: the platform's current terms of service, for the application form. */
export const getTerms = (c: Client) => c.get<CurrentTerms>("/v1/terms");

/** The caller accepts the current terms version. */
export const acceptTerms = (c: Client, version: number) =>
  c.send<TermsAcceptance>("POST", "/v1/terms/accept", { version } satisfies TermsAcceptInput);

/** Needs an ID token whose email is the invitation's; answers the new membership. */
export const acceptInvitation = (c: Client, invitationId: string, token: string) =>
  c.send<Member>("POST", `/v1/invitations/${enc(invitationId)}/accept`, { token } satisfies AcceptInvitationInput);

// --- workspaces ---------------------------------------------------------------

export const listWorkspaces = (c: Client, q: PageQuery = {}) => c.get<Page<WorkspaceListItem>>("/v1/workspaces", q);

export const getWorkspace = (c: Client, ws: string) => c.get<Workspace>(wsPath(ws));

export const patchWorkspace = (c: Client, ws: string, patch: WorkspacePatch, ifMatch: string) =>
  c.send<Workspace>("PATCH", wsPath(ws), patch, { ifMatch });

/** The ETag is the settings' version (send it back to putSettings). */
export const getSettings = (c: Client, ws: string) => c.get<SettingsView>(`${wsPath(ws)}/settings`);

export const putSettings = (c: Client, ws: string, body: SettingsInput, ifMatch: string) =>
  c.send<SettingsView>("PUT", `${wsPath(ws)}/settings`, body, { ifMatch });

/** Publishes a new terms version (no If-Match, no Idempotency-Key: each call publishes). */
export const publishTerms = (c: Client, ws: string, body: TermsInput) =>
  c.send<SettingsView>("POST", `${wsPath(ws)}/settings/terms`, body);

/** A presigned upload for an image (icon, logo, favicon) of the workspace. */
export const createAsset = (c: Client, ws: string, body: AssetInput) =>
  c.send<AssetUpload>("POST", `${wsPath(ws)}/settings/assets`, body);

export const getTesters = (c: Client, ws: string) => c.get<Testers>(`${wsPath(ws)}/testers`);

/** Replaces the whole whitelist ([] clears it); emails are resolved to subjects, unknown ones come back in `unresolved`. */
export const putTesters = (c: Client, ws: string, items: TesterInput[], ifMatch: string) =>
  c.send<TestersSaved>("PUT", `${wsPath(ws)}/testers`, { items }, { ifMatch });

// --- members, invitations, authorizations -------------------------------------

export const listMembers = (c: Client, ws: string, q: PageQuery = {}) =>
  c.get<Page<Member>>(`${wsPath(ws)}/members`, q);

export const patchMember = (c: Client, ws: string, userId: string, role: MemberRoleInput["role"], ifMatch: string) =>
  c.send<Member>("PATCH", `${wsPath(ws)}/members/${enc(userId)}`, { role } satisfies MemberRoleInput, { ifMatch });

/** 204. */
export const removeMember = (c: Client, ws: string, userId: string) =>
  c.send<void>("DELETE", `${wsPath(ws)}/members/${enc(userId)}`);

export const blockMember = (c: Client, ws: string, userId: string) =>
  c.send<Member>("POST", `${wsPath(ws)}/members/${enc(userId)}/block`);

export const unblockMember = (c: Client, ws: string, userId: string) =>
  c.send<Member>("POST", `${wsPath(ws)}/members/${enc(userId)}/unblock`);

export const listInvitations = (c: Client, ws: string, q: PageQuery = {}) =>
  c.get<Page<Invitation>>(`${wsPath(ws)}/invitations`, q);

/** A replay of the same Idempotency-Key answers the invitation without its token (shown once). */
export const createInvitation = (c: Client, ws: string, body: InvitationInput, idempotencyKey?: string) =>
  c.send<InvitationWithToken | Invitation>("POST", `${wsPath(ws)}/invitations`, body, { idempotencyKey });

/** 204; only pending invitations. */
export const withdrawInvitation = (c: Client, ws: string, id: string) =>
  c.send<void>("DELETE", `${wsPath(ws)}/invitations/${enc(id)}`);

/** A new token and expiry; the old token stops working. */
export const resendInvitation = (c: Client, ws: string, id: string) =>
  c.send<InvitationWithToken>("POST", `${wsPath(ws)}/invitations/${enc(id)}/resend`);

/** Tenant admins. */
export const listAuthorizations = (c: Client, q: PageQuery = {}) =>
  c.get<Page<Authorization>>("/v1/authorizations", q);

/** Idempotent: revoking a revoked authorization answers it again. */
export const revokeAuthorization = (c: Client, id: string) =>
  c.send<Authorization>("DELETE", `/v1/authorizations/${enc(id)}`);

/** Asks for a revoked workspace authorization to be granted again: an approval another reviewer decides. */
export const requestRegrant = (c: Client, id: string, reason: string) =>
  c.send<Approval>("POST", `/v1/authorizations/${enc(id)}/regrant`, { reason } satisfies RegrantInput);

// --- mini programs, uploads, versions -----------------------------------------

export const listMiniPrograms = (c: Client, ws: string, q: PageQuery & { sort?: "createdAt" | "-createdAt" } = {}) =>
  c.get<Page<MiniProgram>>(`${wsPath(ws)}/miniprograms`, q);

export const createMiniProgram = (c: Client, ws: string, body: MiniProgramInput, idempotencyKey?: string) =>
  c.send<MiniProgram>("POST", `${wsPath(ws)}/miniprograms`, body, { idempotencyKey });

export const getMiniProgram = (c: Client, ws: string, mp: string) => c.get<MiniProgram>(mpPath(ws, mp));

export const patchMiniProgram = (c: Client, ws: string, mp: string, patch: MiniProgramPatch, ifMatch: string) =>
  c.send<MiniProgram>("PATCH", mpPath(ws, mp), patch, { ifMatch });

/** Reserves a version and answers a presigned PUT; asking again for the latest unused version re-issues the URL. */
export const startUpload = (c: Client, ws: string, mp: string, body: UploadInput) =>
  c.send<UploadResponse>("POST", `${mpPath(ws, mp)}/uploads`, body);

export const listVersions = (c: Client, ws: string, mp: string, q: PageQuery = {}) =>
  c.get<Page<PackageVersion>>(`${mpPath(ws, mp)}/versions`, q);

/** The ETag is the version's revision. */
export const getVersion = (c: Client, ws: string, mp: string, version: Semver) =>
  c.get<PackageVersion>(`${mpPath(ws, mp)}/versions/${enc(version)}`);

/** Whitelisted testers only; the version must be ready. */
export const startTrial = (c: Client, ws: string, mp: string, version: Semver) =>
  c.send<Trial>("POST", `${mpPath(ws, mp)}/versions/${enc(version)}/trial`);

// --- launches and releases ----------------------------------------------------

export const listLaunches = (c: Client, ws: string, mp: string, q: PageQuery & { status?: LaunchStatus } = {}) =>
  c.get<Page<Launch>>(`${mpPath(ws, mp)}/launches`, q);

export const createLaunch = (c: Client, ws: string, mp: string, body: LaunchInput, idempotencyKey?: string) =>
  c.send<Launch>("POST", `${mpPath(ws, mp)}/launches`, body, { idempotencyKey });

/** No ETag: launches carry no version. */
export const getLaunch = (c: Client, ws: string, mp: string, launch: string) =>
  c.get<LaunchDetail>(`${mpPath(ws, mp)}/launches/${enc(launch)}`);

/** Raises a staged rollout's percentage (admins, upward only, no If-Match). */
export const setLaunchPercentage = (c: Client, ws: string, mp: string, launch: string, percentage: number) =>
  c.send<Launch>("PATCH", `${mpPath(ws, mp)}/launches/${enc(launch)}`, { percentage } satisfies LaunchPercentageInput);

/** Withdraws the launch's approval; answers the approval. */
export const withdrawLaunch = (c: Client, ws: string, mp: string, launch: string) =>
  c.send<LaunchApproval>("POST", `${mpPath(ws, mp)}/launches/${enc(launch)}/withdraw`);

export const pauseLaunch = (c: Client, ws: string, mp: string, launch: string) =>
  c.send<Launch>("POST", `${mpPath(ws, mp)}/launches/${enc(launch)}/pause`);

export const resumeLaunch = (c: Client, ws: string, mp: string, launch: string) =>
  c.send<Launch>("POST", `${mpPath(ws, mp)}/launches/${enc(launch)}/resume`);

/** Serves one of the release's history to everyone again. */
/** What the mini program serves now; one never released has no version. */
export const getRelease = (c: Client, ws: string, mp: string) => c.get<Release>(`${mpPath(ws, mp)}/release`);

export const rollback = (c: Client, ws: string, mp: string, version: Semver) =>
  c.send<Release>("POST", `${mpPath(ws, mp)}/rollback`, { version } satisfies RollbackInput);

/** Asks the tenant to take the mini program offline (an offline approval). */
export const requestOffline = (c: Client, ws: string, mp: string, body: OnlineInput = {}) =>
  c.send<OfflineApproval>("POST", `${mpPath(ws, mp)}/offline`, body);

/** Asks the tenant to bring the mini program back online (an online approval). */
export const requestOnline = (c: Client, ws: string, mp: string, body: OnlineInput = {}) =>
  c.send<OnlineApproval>("POST", `${mpPath(ws, mp)}/online`, body);

// --- apps and keys (tenant) ---------------------------------------------------

export const listApps = (c: Client, q: PageQuery = {}) => c.get<Page<App>>("/v1/apps", q);

export const createApp = (c: Client, body: AppInput, idempotencyKey?: string) =>
  c.send<App>("POST", "/v1/apps", body, { idempotencyKey });

export const getApp = (c: Client, app: string) => c.get<App>(`/v1/apps/${enc(app)}`);

export const patchApp = (c: Client, app: string, patch: AppPatch, ifMatch: string) =>
  c.send<App>("PATCH", `/v1/apps/${enc(app)}`, patch, { ifMatch });

export const listAppKeys = (c: Client, app: string, q: PageQuery = {}) =>
  c.get<Page<AppKey>>(`/v1/apps/${enc(app)}/keys`, q);

/** The one response that shows the secret; takes no Idempotency-Key on purpose. No use: a requests key. */
export const createAppKey = (c: Client, app: string, use?: KeyUse) =>
  c.send<CreatedAppKey>("POST", `/v1/apps/${enc(app)}/keys`, use ? { use } : undefined);

/** Idempotent: revoking a revoked key answers it again. */
export const revokeAppKey = (c: Client, app: string, keyId: string) =>
  c.send<AppKey>("DELETE", `/v1/apps/${enc(app)}/keys/${enc(keyId)}`);

// --- analytics and crash quality ----------------------------------------------

/** from and to (UTC days, both included) are required, at most 90 days apart; version absent for all versions. */
export const getAnalytics = (
  c: Client,
  ws: string,
  mp: string,
  q: { from: Day; to: Day; metric?: Metric; version?: Semver },
) => c.get<AnalyticsSeries>(`${mpPath(ws, mp)}/analytics`, q);

/** Every metric over the range beside the period before it, sessions by OS and app version, crash figures. */
export const getAnalyticsSummary = (c: Client, ws: string, mp: string, q: { from: Day; to: Day; version?: Semver }) =>
  c.get<AnalyticsSummary>(`${mpPath(ws, mp)}/analytics/summary`, q);

/** Crash rate and crash-free users of each version seen in the range, newest first. */
export const getAnalyticsVersions = (c: Client, ws: string, mp: string, q: { from: Day; to: Day }) =>
  c.get<VersionQualityList>(`${mpPath(ws, mp)}/analytics/versions`, q);

/** Daily cohorts span at most 31 days; weekly ones 90. */
export const getRetention = (c: Client, ws: string, mp: string, q: { from: Day; to: Day; period?: "day" | "week" }) =>
  c.get<Retention>(`${mpPath(ws, mp)}/analytics/retention`, q);

/** A page of at most `limit` groups; nextCursor continues the same ranking. */
export const listCrashes = (
  c: Client,
  ws: string,
  mp: string,
  q: { from: Day; to: Day; sort?: "occurrences" | "users"; status?: CrashStatus; limit?: number; cursor?: string },
) => c.get<Page<CrashGroup>>(`${mpPath(ws, mp)}/crashes`, q);

/** Days default to the last 30. */
export const getCrash = (c: Client, ws: string, mp: string, fingerprint: string, q: { from?: Day; to?: Day } = {}) =>
  c.get<CrashGroupDetail>(`${mpPath(ws, mp)}/crashes/${enc(fingerprint)}`, q);

export const patchCrash = (c: Client, ws: string, mp: string, fingerprint: string, body: CrashPatch, ifMatch: string) =>
  c.send<CrashGroup>("PATCH", `${mpPath(ws, mp)}/crashes/${enc(fingerprint)}`, body, { ifMatch });

// --- catalog: JSAPIs, features, grants ----------------------------------------

/** status and os filter after the page is read: a page may hold fewer than limit items and still have a nextCursor. */
export const listJSAPIs = (
  c: Client,
  q: PageQuery & { status?: JSAPIStatus; os?: Platform; q?: string } = {},
) => c.get<Page<JSAPI>>("/v1/jsapis", q);

export const createJSAPI = (c: Client, body: JSAPIInput, idempotencyKey?: string) =>
  c.send<JSAPI>("POST", "/v1/jsapis", body, { idempotencyKey });

export const getJSAPI = (c: Client, name: string) => c.get<JSAPI>(`/v1/jsapis/${enc(name)}`);

export const patchJSAPI = (c: Client, name: string, patch: JSAPIPatch, ifMatch: string) =>
  c.send<JSAPI>("PATCH", `/v1/jsapis/${enc(name)}`, patch, { ifMatch });

export const listFeatures = (c: Client, q: PageQuery = {}) => c.get<Page<Feature>>("/v1/features", q);

export const createFeature = (c: Client, body: FeatureInput, idempotencyKey?: string) =>
  c.send<Feature>("POST", "/v1/features", body, { idempotencyKey });

export const getFeature = (c: Client, id: string) => c.get<Feature>(`/v1/features/${enc(id)}`);

export const patchFeature = (c: Client, id: string, patch: FeaturePatch, ifMatch: string) =>
  c.send<Feature>("PATCH", `/v1/features/${enc(id)}`, patch, { ifMatch });

export const listFeatureHistory = (c: Client, id: string, q: PageQuery = {}) =>
  c.get<Page<FeatureHistoryEntry>>(`/v1/features/${enc(id)}/history`, q);

export const listFeatureGrants = (c: Client, ws: string, mp: string, q: PageQuery = {}) =>
  c.get<Page<FeatureGrant>>(`${mpPath(ws, mp)}/features`, q);

/** A feature.activate approval; asking again for the same feature is a 409. */
export const requestFeature = (c: Client, ws: string, mp: string, body: FeatureActivationInput) =>
  c.send<FeatureActivateApproval>("POST", `${mpPath(ws, mp)}/features`, body);

// --- feedback -----------------------------------------------------------------

/** Tenant admins; everyone else gets 403. */
export const listFeedback = (c: Client, q: PageQuery & { status?: FeedbackStatus } = {}) =>
  c.get<Page<Feedback>>("/v1/feedback", q);

export const createFeedback = (c: Client, body: FeedbackInput, idempotencyKey?: string) =>
  c.send<Feedback>("POST", "/v1/feedback", body, { idempotencyKey });

/** A presigned upload for a screenshot to attach to feedback. */
export const createScreenshot = (c: Client, body: ScreenshotInput) =>
  c.send<ScreenshotUpload>("POST", "/v1/feedback/screenshots", body);

export const patchFeedback = (c: Client, id: string, patch: FeedbackPatch, ifMatch: string) =>
  c.send<Feedback>("PATCH", `/v1/feedback/${enc(id)}`, patch, { ifMatch });

// --- approvals ----------------------------------------------------------------

/** Tenant reviewers and admins. */
export const listApprovals = (c: Client, q: PageQuery & { type?: ApprovalType; status?: ApprovalStatus; order?: "newest" | "oldest" } = {}) =>
  c.get<Page<Approval>>("/v1/approvals", q);

/** Tenant reviewers and admins, or the requester. */
export const getApproval = (c: Client, id: string) => c.get<Approval>(`/v1/approvals/${enc(id)}`);

export const approveApproval = (c: Client, id: string, body: DecisionInput = {}) =>
  c.send<Approval>("POST", `/v1/approvals/${enc(id)}/approve`, body);

export const rejectApproval = (c: Client, id: string, body: RejectInput) =>
  c.send<Approval>("POST", `/v1/approvals/${enc(id)}/reject`, body);

/** The requester only. */
export const withdrawApproval = (c: Client, id: string, body: DecisionInput = {}) =>
  c.send<Approval>("POST", `/v1/approvals/${enc(id)}/withdraw`, body);
