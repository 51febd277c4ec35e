package domain

import (
	"encoding/json"
	"strings"
	"time"
)

// ApprovalType says what an approval decides.
type ApprovalType string

const (
	ApprovalWorkspaceCreate ApprovalType = "workspace.create"
	ApprovalLaunch          ApprovalType = "launch"
	ApprovalOffline         ApprovalType = "offline"
	ApprovalFeature         ApprovalType = "feature.activate"
	ApprovalOnline          ApprovalType = "online"
	// ApprovalRegrant grants a revoked workspace authorization again.
	ApprovalRegrant ApprovalType = "authorization.regrant"
)

// ApprovalTypes lists the known types.
var ApprovalTypes = []ApprovalType{ApprovalWorkspaceCreate, ApprovalLaunch, ApprovalOffline, ApprovalOnline, ApprovalFeature, ApprovalRegrant}

// ApprovalStatus is the state of an approval.
type ApprovalStatus string

const (
	ApprovalInReview  ApprovalStatus = "in_review"
	ApprovalApproved  ApprovalStatus = "approved"
	ApprovalRejected  ApprovalStatus = "rejected"
	ApprovalWithdrawn ApprovalStatus = "withdrawn"
	ApprovalExpired   ApprovalStatus = "expired"
)

// ApprovalStatuses lists the known statuses.
var ApprovalStatuses = []ApprovalStatus{ApprovalInReview, ApprovalApproved, ApprovalRejected, ApprovalWithdrawn, ApprovalExpired}

// transitions is the approval state machine: in_review is the only state that
// can be left, and every end state is final.
var transitions = map[ApprovalStatus][]ApprovalStatus{
	ApprovalInReview: {ApprovalApproved, ApprovalRejected, ApprovalWithdrawn, ApprovalExpired},
}

// CanTransition reports whether an approval may move from one status to another.
func CanTransition(from, to ApprovalStatus) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Requester is who asked for an approval. Applicants for an account are not
// signed in, so they have an email and no user id.
type Requester struct {
	UserID      string `json:"userId,omitempty" dynamodbav:"userId,omitempty"`
	Email       string `json:"email" dynamodbav:"email"`
	WorkspaceID string `json:"workspaceId,omitempty" dynamodbav:"workspaceId,omitempty"`
	// WorkspaceName is the requesting workspace's name now, added when read (not stored: workspaces are renamed).
	WorkspaceName string `json:"workspaceName,omitempty" dynamodbav:"-"`
}

// Approval is a request that a tenant reviewer decides.
type Approval struct {
	ID          string          `json:"id" dynamodbav:"id"`
	Type        ApprovalType    `json:"type" dynamodbav:"type"`
	Status      ApprovalStatus  `json:"status" dynamodbav:"status"`
	Title       string          `json:"title" dynamodbav:"title"`
	Requester   Requester       `json:"requester" dynamodbav:"requester"`
	Payload     json.RawMessage `json:"payload" dynamodbav:"-"`
	PayloadJSON string          `json:"-" dynamodbav:"payload"`
	CreatedAt   time.Time       `json:"createdAt" dynamodbav:"createdAt"`
	DecidedAt   *time.Time      `json:"decidedAt,omitempty" dynamodbav:"decidedAt,omitempty"`
	DecidedBy   string          `json:"decidedBy,omitempty" dynamodbav:"decidedBy,omitempty"`
	Comment     string          `json:"comment,omitempty" dynamodbav:"comment,omitempty"`
	Reason      string          `json:"reason,omitempty" dynamodbav:"reason,omitempty"`
	// ReasonCode classifies a rejection; empty on older rejections and other decisions.
	ReasonCode RejectionCode `json:"reasonCode,omitempty" dynamodbav:"reasonCode,omitempty"`
	// Result names what the decision created, such as the new workspace's id.
	Result map[string]string `json:"result,omitempty" dynamodbav:"result,omitempty"`
	// TaskToken is the launch workflow's review task, completed by the decision.
	TaskToken string `json:"-" dynamodbav:"taskToken,omitempty"`
	Version   int    `json:"version" dynamodbav:"version"`
	// Context is what a reviewer decides on, added when one approval is read (not stored).
	Context *ApprovalContext `json:"context,omitempty" dynamodbav:"-"`
}

// ApprovalContext is the requesting workspace's state that a launch, offline,
// online or feature approval is about, read-only for its reviewers. Parts that
// no longer exist (a deleted mini program) are left out.
type ApprovalContext struct {
	MiniProgram *MiniProgram `json:"miniProgram,omitempty"`
	// Version is the package version under review (launch), with its report.
	Version *PackageVersion `json:"version,omitempty"`
	// LiveVersion is what users get before this launch takes effect.
	LiveVersion *PackageVersion `json:"liveVersion,omitempty"`
	Release     *Release        `json:"release,omitempty"`
	// Launch holds the rollout plan and schedule (launch approvals).
	Launch   *Launch        `json:"launch,omitempty"`
	Features []FeatureGrant `json:"features"`
}

// RejectionCode classifies why a request was rejected.
type RejectionCode string

// RejectionCodes lists the known codes, with the label shown to requesters.
var RejectionCodes = map[RejectionCode]string{
	"policy": "Policy", "content": "Content", "functionality": "Functionality", "privacy": "Privacy", "other": "Other",
}

// ReasonText is the rejection reason as told to the requester: its code's
// label, then the reviewer's text.
func (a Approval) ReasonText() string {
	if l, ok := RejectionCodes[a.ReasonCode]; ok && a.Reason != "" {
		return l + ": " + a.Reason
	}
	return a.Reason
}

// Decision is a reviewer's (or the requester's) verdict on an approval.
type Decision struct {
	To      ApprovalStatus
	By      string // user id
	ByEmail string
	Comment string
	Reason  string
	Code    RejectionCode
	At      time.Time
}

// DecisionInput is the body of approve, reject and withdraw.
type DecisionInput struct {
	Comment string `json:"comment"`
	Reason  string `json:"reason"`
	// ReasonCode classifies a rejection (optional for older clients).
	ReasonCode RejectionCode `json:"reasonCode"`
}

// Validate checks the input for a decision to status to.
func (in DecisionInput) Validate(to ApprovalStatus) error {
	var v ValidationError
	if to == ApprovalRejected && strings.TrimSpace(in.Reason) == "" {
		v.Add("reason", "is required to reject")
	}
	if in.ReasonCode != "" {
		if to != ApprovalRejected {
			v.Add("reasonCode", "is only given with a rejection")
		} else if _, ok := RejectionCodes[in.ReasonCode]; !ok {
			v.Add("reasonCode", "must be one of policy, content, functionality, privacy, other")
		}
	}
	checkLength(&v, "reason", in.Reason, 0, 2000)
	checkLength(&v, "comment", in.Comment, 0, 2000)
	return v.Err()
}

// CheckDecider says whether the caller may make d on a: nobody decides their own
// request, and only the requester withdraws it.
func CheckDecider(a Approval, d Decision) error {
	own := (a.Requester.UserID != "" && a.Requester.UserID == d.By) ||
		(a.Requester.Email != "" && NormalizeEmail(a.Requester.Email) == NormalizeEmail(d.ByEmail))
	if d.To == ApprovalWithdrawn {
		if a.Requester.UserID == "" {
			return Errorf(ErrForbidden, "this request was made without an account; ask a reviewer to reject it instead")
		}
		if a.Requester.UserID != d.By {
			return Errorf(ErrForbidden, "only the requester can withdraw a request")
		}
		return nil
	}
	if own {
		return Errorf(ErrForbidden, "nobody decides their own request")
	}
	return nil
}

// Decide applies d to a, or says why it cannot.
func Decide(a Approval, d Decision) (Approval, error) {
	if !CanTransition(a.Status, d.To) {
		return a, Errorf(ErrConflict, "approval is already %s", a.Status)
	}
	at := d.At
	a.Status, a.DecidedAt, a.DecidedBy = d.To, &at, d.By
	a.Comment, a.Reason, a.ReasonCode = strings.TrimSpace(d.Comment), strings.TrimSpace(d.Reason), d.Code
	a.Version++
	return a, nil
}

// Application is a merchant's request for an account: the payload of a
// workspace.create approval.
type Application struct {
	Company     string `json:"company"`
	ContactName string `json:"contactName"`
	Email       string `json:"email"`
	Country     string `json:"country"`
	Reason      string `json:"reason"`
	// TermsVersion is the version of the platform's terms of service the
	// applicant accepted: required (the current one) once terms are published.
	TermsVersion int `json:"termsVersion,omitempty"`
}

// Validate checks an application and normalises its email and country.
func (a *Application) Validate() error {
	var v ValidationError
	checkText(&v, "company", a.Company, 2, 120)
	checkText(&v, "contactName", a.ContactName, 1, 100)
	CheckEmail(&v, "email", a.Email)
	a.Email = NormalizeEmail(a.Email)
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	if !country.MatchString(a.Country) {
		v.Add("country", "must be an ISO 3166-1 alpha-2 code like SG")
	}
	checkLength(&v, "reason", strings.TrimSpace(a.Reason), 10, 2000)
	return v.Err()
}
