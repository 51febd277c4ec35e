package domain

import (
	"slices"
	"strings"
	"time"

	"github.com/mpdp/platform/shared/lazyre"
)

// The catalog belongs to the tenant: the JSAPIs the super app offers mini
// programs, and features, named groups of JSAPIs that a mini program is granted
// through a feature.activate approval.

// JSAPIStatus says whether a JSAPI is offered to new mini programs.
type JSAPIStatus string

const (
	JSAPIActive     JSAPIStatus = "active"
	JSAPIDeprecated JSAPIStatus = "deprecated"
)

// JSAPIStatuses lists the valid statuses.
var JSAPIStatuses = []JSAPIStatus{JSAPIActive, JSAPIDeprecated}

// Platforms lists the operating systems host apps run on.
var Platforms = []Platform{PlatformIOS, PlatformAndroid}

// jsapiName is a JSAPI's name, which is also its id: lower camel case like getLocation.
var jsapiName = lazyre.New(`^[a-z][A-Za-z0-9]{1,63}$`)

// ValidJSAPIName reports whether name is a well-formed JSAPI name.
func ValidJSAPIName(name string) bool { return jsapiName.MatchString(name) }

// JSAPI is one JavaScript API of the super app.
type JSAPI struct {
	Name                   string      `json:"name" dynamodbav:"name"`
	Description            string      `json:"description" dynamodbav:"description"`
	SupportedOS            []Platform  `json:"supportedOS" dynamodbav:"supportedOS"`
	NeedsUserAuthorization bool        `json:"needsUserAuthorization" dynamodbav:"needsUserAuthorization"`
	Status                 JSAPIStatus `json:"status" dynamodbav:"status"`
	CreatedBy              string      `json:"createdBy" dynamodbav:"createdBy"`
	CreatedAt              time.Time   `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt              time.Time   `json:"updatedAt" dynamodbav:"updatedAt"`
	Version                int         `json:"version" dynamodbav:"version"`
}

// JSAPIInput creates (name and supportedOS required) or patches (set fields, never the name) a JSAPI.
type JSAPIInput struct {
	Name                   *string      `json:"name"`
	Description            *string      `json:"description"`
	SupportedOS            *[]Platform  `json:"supportedOS"`
	NeedsUserAuthorization *bool        `json:"needsUserAuthorization"`
	Status                 *JSAPIStatus `json:"status"`
}

// Validate checks the fields set.
func (in JSAPIInput) Validate(create bool) error {
	var v ValidationError
	if create {
		if in.Name == nil {
			v.Add("name", "is required")
		}
		if in.SupportedOS == nil {
			v.Add("supportedOS", "is required: one or both of ios, android")
		}
	} else {
		if in.Name != nil {
			v.Add("name", "is the JSAPI's id and cannot be changed")
		} else if in.Description == nil && in.SupportedOS == nil && in.NeedsUserAuthorization == nil && in.Status == nil {
			v.Add("body", "set at least one of description, supportedOS, needsUserAuthorization, status")
		}
	}
	if create && in.Name != nil && !ValidJSAPIName(*in.Name) {
		v.Add("name", "must be 2 to 64 letters and digits starting with a lower-case letter, like getLocation")
	}
	if in.Description != nil {
		checkLength(&v, "description", strings.TrimSpace(*in.Description), 0, 500)
	}
	if in.SupportedOS != nil {
		checkPlatforms(&v, "supportedOS", *in.SupportedOS)
	}
	if in.Status != nil && !slices.Contains(JSAPIStatuses, *in.Status) {
		v.Add("status", "must be active or deprecated")
	}
	return v.Err()
}

func checkPlatforms(v *ValidationError, field string, ps []Platform) {
	if len(ps) == 0 {
		v.Add(field, "must name at least one of ios, android")
		return
	}
	seen := map[Platform]bool{}
	for _, p := range ps {
		if !slices.Contains(Platforms, p) {
			v.Add(field, "must contain only ios and android, got %q", p)
			return
		}
		if seen[p] {
			v.Add(field, "names %s twice", p)
			return
		}
		seen[p] = true
	}
}

// Apply returns j with the input's set fields.
func (in JSAPIInput) Apply(j JSAPI) JSAPI {
	if in.Name != nil {
		j.Name = *in.Name
	}
	if in.Description != nil {
		j.Description = strings.TrimSpace(*in.Description)
	}
	if in.SupportedOS != nil {
		// Stored in a stable order: ios before android.
		j.SupportedOS = nil
		for _, p := range Platforms {
			if slices.Contains(*in.SupportedOS, p) {
				j.SupportedOS = append(j.SupportedOS, p)
			}
		}
	}
	if in.NeedsUserAuthorization != nil {
		j.NeedsUserAuthorization = *in.NeedsUserAuthorization
	}
	if in.Status != nil {
		j.Status = *in.Status
	}
	return j
}

// JSAPIFilter narrows the JSAPI list; empty fields match everything.
type JSAPIFilter struct {
	Status JSAPIStatus
	OS     Platform
	Prefix string // name prefix
}

// Validate checks a filter taken from a query string.
func (f JSAPIFilter) Validate() error {
	var v ValidationError
	if f.Status != "" && !slices.Contains(JSAPIStatuses, f.Status) {
		v.Add("status", "must be active or deprecated")
	}
	if f.OS != "" && !slices.Contains(Platforms, f.OS) {
		v.Add("os", "must be ios or android")
	}
	if len(f.Prefix) > 64 {
		v.Add("q", "must be at most 64 characters")
	}
	return v.Err()
}

// MaxFeatureJSAPIs bounds the JSAPIs of one feature.
const MaxFeatureJSAPIs = 100

// Feature is a named group of JSAPIs that mini programs are granted together.
type Feature struct {
	ID          string    `json:"id" dynamodbav:"id"`
	Name        string    `json:"name" dynamodbav:"name"`
	Description string    `json:"description" dynamodbav:"description"`
	JSAPIs      []string  `json:"jsapis" dynamodbav:"jsapis"`
	CreatedBy   string    `json:"createdBy" dynamodbav:"createdBy"`
	CreatedAt   time.Time `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt" dynamodbav:"updatedAt"`
	Version     int       `json:"version" dynamodbav:"version"`
}

// FeatureInput creates (name and jsapis required) or patches (set fields) a feature.
type FeatureInput struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	JSAPIs      *[]string `json:"jsapis"`
}

// Validate checks the fields set. Whether the JSAPIs exist is the caller's check.
func (in FeatureInput) Validate(create bool) error {
	var v ValidationError
	if create {
		if in.Name == nil {
			v.Add("name", "is required")
		}
		if in.JSAPIs == nil {
			v.Add("jsapis", "is required: the names of the feature's JSAPIs")
		}
	} else if in.Name == nil && in.Description == nil && in.JSAPIs == nil {
		v.Add("body", "set at least one of name, description, jsapis")
	}
	if in.Name != nil {
		checkText(&v, "name", *in.Name, 2, 60)
	}
	if in.Description != nil {
		checkLength(&v, "description", strings.TrimSpace(*in.Description), 0, 500)
	}
	if in.JSAPIs != nil {
		names := *in.JSAPIs
		if len(names) == 0 || len(names) > MaxFeatureJSAPIs {
			v.Add("jsapis", "must name 1 to %d JSAPIs, got %d", MaxFeatureJSAPIs, len(names))
		}
		seen := map[string]bool{}
		for _, n := range names {
			if !ValidJSAPIName(n) {
				v.Add("jsapis", "%q is not a JSAPI name", n)
				break
			}
			if seen[n] {
				v.Add("jsapis", "names %s twice", n)
				break
			}
			seen[n] = true
		}
	}
	return v.Err()
}

// Apply returns f with the input's set fields.
func (in FeatureInput) Apply(f Feature) Feature {
	if in.Name != nil {
		f.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		f.Description = strings.TrimSpace(*in.Description)
	}
	if in.JSAPIs != nil {
		f.JSAPIs = slices.Clone(*in.JSAPIs)
	}
	return f
}

// Change is one field's change in a feature's history; From is nil on creation.
type Change struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// FeatureChanges lists the fields that differ from before to after. A zero
// before (no id) is a creation: every field changes from null.
func FeatureChanges(before, after Feature) map[string]Change {
	out := map[string]Change{}
	created := before.ID == ""
	if created || before.Name != after.Name {
		out["name"] = Change{From: orNil(created, before.Name), To: after.Name}
	}
	if created || before.Description != after.Description {
		out["description"] = Change{From: orNil(created, before.Description), To: after.Description}
	}
	if created || !slices.Equal(before.JSAPIs, after.JSAPIs) {
		out["jsapis"] = Change{From: orNil(created, before.JSAPIs), To: after.JSAPIs}
	}
	return out
}

func orNil[T any](none bool, v T) any {
	if none {
		return nil
	}
	return v
}

// FeatureHistoryEntry records one creation or edit of a feature.
type FeatureHistoryEntry struct {
	ID        string            `json:"id" dynamodbav:"id"`
	FeatureID string            `json:"featureId" dynamodbav:"featureId"`
	Action    string            `json:"action" dynamodbav:"action"`   // created or updated
	By        string            `json:"by,omitempty" dynamodbav:"by"` // shown to tenant members only
	ByEmail   string            `json:"byEmail,omitempty" dynamodbav:"byEmail,omitempty"`
	At        time.Time         `json:"at" dynamodbav:"at"`
	Changes   map[string]Change `json:"changes" dynamodbav:"-"`
	Version   int               `json:"version" dynamodbav:"version"` // the feature's version after the change
}

// GrantStatus is the state of a mini program's grant of a feature.
type GrantStatus string

const (
	GrantActive  GrantStatus = "active"
	GrantRevoked GrantStatus = "revoked"
)

// FeatureGrant is a feature granted to a mini program by an approved
// feature.activate request; revoking its authorization revokes it.
type FeatureGrant struct {
	MiniProgramID   string      `json:"miniProgramId" dynamodbav:"miniProgramId"`
	WorkspaceID     string      `json:"workspaceId" dynamodbav:"workspaceId"`
	FeatureID       string      `json:"featureId" dynamodbav:"featureId"`
	FeatureName     string      `json:"featureName" dynamodbav:"featureName"`
	Status          GrantStatus `json:"status" dynamodbav:"status"`
	ApprovalID      string      `json:"approvalId" dynamodbav:"approvalId"`
	AuthorizationID string      `json:"authorizationId" dynamodbav:"authorizationId"`
	GrantedBy       string      `json:"grantedBy" dynamodbav:"grantedBy"`
	GrantedAt       time.Time   `json:"grantedAt" dynamodbav:"grantedAt"`
	RevokedBy       string      `json:"revokedBy,omitempty" dynamodbav:"revokedBy,omitempty"`
	RevokedAt       *time.Time  `json:"revokedAt,omitempty" dynamodbav:"revokedAt,omitempty"`
}

// FeatureRequest is the payload of a feature.activate approval.
type FeatureRequest struct {
	FeatureID       string `json:"featureId"`
	FeatureName     string `json:"featureName"`
	MiniProgramID   string `json:"miniProgramId"`
	MiniProgramName string `json:"miniProgramName"`
	Reason          string `json:"reason"`
}

// FeatureActivationInput is the body of a feature activation request.
type FeatureActivationInput struct {
	FeatureID string `json:"featureId"`
	Reason    string `json:"reason"`
}

// Validate checks the input.
func (in FeatureActivationInput) Validate() error {
	var v ValidationError
	if strings.TrimSpace(in.FeatureID) == "" {
		v.Add("featureId", "is required")
	} else {
		checkLength(&v, "featureId", in.FeatureID, 1, 64)
	}
	checkLength(&v, "reason", strings.TrimSpace(in.Reason), 0, 2000)
	return v.Err()
}

// Authorization types.
const (
	AuthorizationWorkspace = "workspace"
	AuthorizationFeature   = "feature"
)
