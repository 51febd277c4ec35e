package domain

import (
	"slices"
	"strings"
	"time"

	"github.com/mpdp/platform/shared/lazyre"
)

// Platform is the operating system a host app runs on.
type Platform string

const (
	PlatformIOS     Platform = "ios"
	PlatformAndroid Platform = "android"
)

// AppStatus says whether a host app may call the runtime API.
type AppStatus string

const (
	AppActive   AppStatus = "active"
	AppDisabled AppStatus = "disabled" // its keys are refused
)

// MaxActiveKeys bounds an app's active keys: enough to rotate, few enough to audit.
const MaxActiveKeys = 5

// App is a host app of the tenant: the super app on one platform. Its keys sign
// runtime API requests.
type App struct {
	ID          string    `json:"id" dynamodbav:"id"`
	Name        string    `json:"name" dynamodbav:"name"`
	Platform    Platform  `json:"platform" dynamodbav:"platform"`
	BundleID    string    `json:"bundleId" dynamodbav:"bundleId"`
	Description string    `json:"description" dynamodbav:"description"`
	Status      AppStatus `json:"status" dynamodbav:"status"`
	ActiveKeys  int       `json:"activeKeys" dynamodbav:"activeKeys"`
	CreatedBy   string    `json:"createdBy" dynamodbav:"createdBy"`
	CreatedAt   time.Time `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt" dynamodbav:"updatedAt"`
	Version     int       `json:"version" dynamodbav:"version"`
}

// AppInput creates (all required fields) or patches (set fields) an app.
type AppInput struct {
	Name        *string    `json:"name"`
	Platform    *Platform  `json:"platform"`
	BundleID    *string    `json:"bundleId"`
	Description *string    `json:"description"`
	Status      *AppStatus `json:"status"`
}

// bundleID is a reverse-DNS identifier: an iOS bundle id or an Android application id.
var bundleID = lazyre.New(`^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$`)

// Validate checks the fields set; create requires name, platform and bundle id.
func (in AppInput) Validate(create bool) error {
	var v ValidationError
	if create {
		if in.Name == nil {
			v.Add("name", "is required")
		}
		if in.Platform == nil {
			v.Add("platform", "is required: ios or android")
		}
		if in.BundleID == nil {
			v.Add("bundleId", "is required")
		}
	} else if in.Name == nil && in.Platform == nil && in.BundleID == nil && in.Description == nil && in.Status == nil {
		v.Add("body", "set at least one of name, platform, bundleId, description, status")
	}
	if in.Name != nil {
		checkText(&v, "name", *in.Name, 2, 60)
	}
	if in.Platform != nil && !slices.Contains([]Platform{PlatformIOS, PlatformAndroid}, *in.Platform) {
		v.Add("platform", "must be ios or android")
	}
	if in.BundleID != nil && (len(*in.BundleID) > 155 || !bundleID.MatchString(*in.BundleID)) {
		v.Add("bundleId", "must be a reverse-DNS identifier like com.example.superapp, at most 155 characters")
	}
	if in.Description != nil {
		checkLength(&v, "description", *in.Description, 0, 500)
	}
	if in.Status != nil && *in.Status != AppActive && *in.Status != AppDisabled {
		v.Add("status", "must be active or disabled")
	}
	return v.Err()
}

// Apply returns app with the input's set fields.
func (in AppInput) Apply(app App) App {
	if in.Name != nil {
		app.Name = strings.TrimSpace(*in.Name)
	}
	if in.Platform != nil {
		app.Platform = *in.Platform
	}
	if in.BundleID != nil {
		app.BundleID = *in.BundleID
	}
	if in.Description != nil {
		app.Description = *in.Description
	}
	if in.Status != nil {
		app.Status = *in.Status
	}
	return app
}

// KeyStatus is active or revoked; a revoked key never becomes active again.
type KeyStatus string

const (
	KeyActive  KeyStatus = "active"
	KeyRevoked KeyStatus = "revoked"
)

// KeyUse says what a key signs. A requests key ships inside the host app and
// signs runtime requests; its secret must be assumed extractable. An
// assertions key stays on the host app's back end and signs user assertions
// (see package appkeys); it never signs requests, and a requests key never
// signs assertions.
type KeyUse string

const (
	KeyUseRequests   KeyUse = "requests"
	KeyUseAssertions KeyUse = "assertions"
)

// ParseKeyUse reads a key use; "" is requests (keys made before uses existed).
func ParseKeyUse(s string) (KeyUse, error) {
	switch KeyUse(s) {
	case "", KeyUseRequests:
		return KeyUseRequests, nil
	case KeyUseAssertions:
		return KeyUseAssertions, nil
	}
	return "", &ValidationError{Fields: []FieldError{{Field: "use", Message: "must be requests (signs the host app's runtime requests) or assertions (signs user assertions on the host app's back end)"}}}
}

// AppKey is a key of an app. Its secret is stored only encrypted (Ciphertext),
// and shown once, when the key is created.
type AppKey struct {
	KeyID      string     `json:"keyId" dynamodbav:"keyId"`
	AppID      string     `json:"appId" dynamodbav:"appId"`
	Use        KeyUse     `json:"use,omitempty" dynamodbav:"use,omitempty"` // "" for keys made before uses: requests
	Status     KeyStatus  `json:"status" dynamodbav:"status"`
	CreatedBy  string     `json:"createdBy" dynamodbav:"createdBy"`
	CreatedAt  time.Time  `json:"createdAt" dynamodbav:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty" dynamodbav:"lastUsedAt,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty" dynamodbav:"revokedAt,omitempty"`
	RevokedBy  string     `json:"revokedBy,omitempty" dynamodbav:"revokedBy,omitempty"`
	Ciphertext []byte     `json:"-" dynamodbav:"ciphertext"`
}

// Signs reports whether the key may sign what use names.
func (k AppKey) Signs(use KeyUse) bool {
	got, err := ParseKeyUse(string(k.Use))
	return err == nil && got == use
}
