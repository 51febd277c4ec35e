// Package storage keeps the platform's entities in one DynamoDB table. Every
// write that guards an invariant is conditional or transactional, and mutable
// entities carry a version for optimistic locking.
//
// Key design (pk / sk, then the sparse indexes):
//
//	workspace        WS#<ws>          META
//	member           WS#<ws>          MEMBER#<user>    gsi1: USER#<user> / WS#<ws>
//	removed member   WS#<ws>          FORMER#<user>    (so they get 403, not 404)
//	testers          WS#<ws>          TESTERS
//	pending invitee  WS#<ws>          INVITEE#<email>  (uniqueness lock)
//	invitation       INVITE#<id>      INVITE           gsi1: WS#<ws>#INVITES / <created>#<id>
//	authorization    AUTHZ#<id>       AUTHZ            gsi1: AUTHORIZATIONS / <created>#<id>
//	approval         APPROVAL#<id>    APPROVAL         gsi1: APPROVALS#S#<status> / <created>#<id>
//	                                                   gsi2: APPROVALS#TS#<type>#<status> / <created>#<id>
//	                                                   gsi3: APPROVALS#T#<type> / <created>#<id>
//	mini program     WS#<ws>          MP#<mp>          gsi1: WS#<ws>#MPS / <created>#<mp>
//	mini program name WS#<ws>         MPNAME#<name>    (uniqueness lock)
//	package version  MP#<mp>          VER#<semver key> (the key sorts by semver precedence)
//	launch           MP#<mp>          LAUNCH#<id>      gsi1: MP#<mp>#LAUNCHES / <created>#<id>
//	active launch    MP#<mp>          ACTIVE_LAUNCH    (at most one per mini program)
//	release          MP#<mp>          RELEASE          (what the mini program serves)
//	open application APPLICATION#<email> OPEN         (uniqueness lock)
//	idempotency      IDEMPOTENCY#<scope>#<key> IDEMPOTENCY  (expires by TTL)
//	host app         APP#<app>        APP              gsi1: APPS / <created>#<app>
//	app key          APPKEY#<keyId>   APPKEY           gsi1: APP#<app>#KEYS / <created>#<keyId>
//	                                                   (by key id alone: a runtime request names only the key)
//	used nonce       NONCE#<keyId>#<nonce> NONCE      (replay guard, expires by TTL)
//	throttle counter THROTTLE#<action>#<source>#<window> THROTTLE (requests per source per window, expires by TTL)
//	JSAPI            JSAPI#<name>     JSAPI            gsi1: JSAPIS / <name> (name prefix search)
//	feature          FEATURE#<id>     FEATURE          gsi1: FEATURES / <created>#<id>
//	feature history  FEATURE#<id>     HIST#<at>#<entry> (newest first by sort key)
//	feature lock     MP#<mp>          FEATURELOCK#<feature> (one pending or granted request per feature)
//	feature grant    MP#<mp>          FEATUREGRANT#<feature>
//	settings         WS#<ws>          SETTINGS
//	terms version    WS#<ws>          TERMS#<version, 10 digits> (newest first by sort key)
//	daily stats      MP#<mp>#STATS    DAY#<day>#<version|all>   (analytics.go)
//	crash group      MP#<mp>#CRASHES  GROUP#<fingerprint>
//	crash day        MP#<mp>#CRASHDAYS DAY#<day>#<fingerprint>
//	crash day rank   MP#<mp>#CRASHRANK DAY#<day>
//	all-time visitors MP#<mp>#STATS  VISITORS (HyperLogLog)
//	applied batch    BATCH#<kind>#<batch key>#<chunk> BATCH (expires by TTL)
//	feedback         FEEDBACK#<id>    FEEDBACK         gsi1: FEEDBACK / <created>#<id>
//	                                                   gsi2: FEEDBACK#S#<status> / <created>#<id>
package storage

import (
	"time"

	"github.com/mpdp/platform/shared/domain"
)

const (
	skMeta       = "META"
	skTesters    = "TESTERS"
	skInvite     = "INVITE"
	skAuthz      = "AUTHZ"
	skApproval   = "APPROVAL"
	skOpen       = "OPEN"
	skIdem       = "IDEMPOTENCY"
	skActive     = "ACTIVE_LAUNCH"
	skOnlineOpen = "ONLINE_REQUEST" // a mini program's pending online or offline request
	skRelease    = "RELEASE"
	authzListKey = "AUTHORIZATIONS"
	skApp        = "APP"
	skAppKey     = "APPKEY"
	skNonce      = "NONCE"
	skThrottle   = "THROTTLE"
	appsListKey  = "APPS"
	skJSAPI      = "JSAPI"
	jsapisKey    = "JSAPIS"
	skFeature    = "FEATURE"
	featuresKey  = "FEATURES"
	histPrefix   = "HIST#"
	lockPrefix   = "FEATURELOCK#"
	grantPrefix  = "FEATUREGRANT#"
	skSettings   = "SETTINGS"
	termsPrefix  = "TERMS#"
	skFeedback   = "FEEDBACK"
	// feedbackListKey lists all feedback on gsi1.
	feedbackListKey = "FEEDBACK"
)

func feedbackKey(id string) string { return "FEEDBACK#" + id }
func feedbackByStatusKey(st domain.FeedbackStatus) string {
	return "FEEDBACK#S#" + string(st)
}

func jsapiKey(name string) string          { return "JSAPI#" + name }
func featureKey(id string) string          { return "FEATURE#" + id }
func featureLockSK(feature string) string  { return lockPrefix + feature }
func featureGrantSK(feature string) string { return grantPrefix + feature }

func wsKey(ws string) string                     { return "WS#" + ws }
func memberSK(user string) string                { return "MEMBER#" + user }
func mpSK(mp string) string                      { return "MP#" + mp }
func mpKey(mp string) string                     { return "MP#" + mp }
func wsMPsKey(ws string) string                  { return "WS#" + ws + "#MPS" }
func mpNameSK(name string) string                { return "MPNAME#" + name }
func versionSK(key string) string                { return "VER#" + key }
func launchSK(id string) string                  { return "LAUNCH#" + id }
func mpLaunchesKey(mp string) string             { return "MP#" + mp + "#LAUNCHES" }
func formerSK(user string) string                { return "FORMER#" + user }
func userKey(user string) string                 { return "USER#" + user }
func inviteeSK(email string) string              { return "INVITEE#" + email }
func inviteKey(id string) string                 { return "INVITE#" + id }
func wsInvitesKey(ws string) string              { return "WS#" + ws + "#INVITES" }
func authzKey(id string) string                  { return "AUTHZ#" + id }
func approvalKey(id string) string               { return "APPROVAL#" + id }
func applicationKey(email string) string         { return "APPLICATION#" + email }
func idemKey(scope, key string) string           { return "IDEMPOTENCY#" + scope + "#" + key }
func byStatusKey(s domain.ApprovalStatus) string { return "APPROVALS#S#" + string(s) }
func byTypeStatusKey(t domain.ApprovalType, s domain.ApprovalStatus) string {
	return "APPROVALS#TS#" + string(t) + "#" + string(s)
}
func appKey(app string) string               { return "APP#" + app }
func appKeysListKey(app string) string       { return "APP#" + app + "#KEYS" }
func appKeyKey(keyID string) string          { return "APPKEY#" + keyID }
func nonceKey(keyID, nonce string) string    { return "NONCE#" + keyID + "#" + nonce }
func byTypeKey(t domain.ApprovalType) string { return "APPROVALS#T#" + string(t) }

// timeKey formats t so that sort keys order by time: fixed width, UTC.
func timeKey(t time.Time, id string) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + id
}

// keys are the key attributes an item may carry. Empty index keys are omitted,
// which keeps the indexes sparse.
type keys struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	GSI1PK string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK string `dynamodbav:"gsi1sk,omitempty"`
	GSI2PK string `dynamodbav:"gsi2pk,omitempty"`
	GSI2SK string `dynamodbav:"gsi2sk,omitempty"`
	GSI3PK string `dynamodbav:"gsi3pk,omitempty"`
	GSI3SK string `dynamodbav:"gsi3sk,omitempty"`
	TTL    int64  `dynamodbav:"ttl,omitempty"`
}
