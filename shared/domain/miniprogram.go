package domain

import (
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// MiniProgram is a mini program of a developer workspace.
type MiniProgram struct {
	ID          string `json:"id" dynamodbav:"id"`
	WorkspaceID string `json:"workspaceId" dynamodbav:"workspaceId"`
	Name        string `json:"name" dynamodbav:"name"`
	Description string `json:"description" dynamodbav:"description"`
	Category    string `json:"category" dynamodbav:"category"`
	Icon        string `json:"icon,omitempty" dynamodbav:"icon,omitempty"` // an asset reference
	// LatestVersion is the highest version an upload was started for; every new
	// upload must be strictly greater. LatestKey is its order-preserving key.
	LatestVersion string    `json:"latestVersion,omitempty" dynamodbav:"latestVersion,omitempty"`
	LatestKey     string    `json:"-" dynamodbav:"latestKey,omitempty"`
	CreatedBy     string    `json:"createdBy" dynamodbav:"createdBy"`
	CreatedAt     time.Time `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt" dynamodbav:"updatedAt"`
	Version       int       `json:"version" dynamodbav:"version"`
}

// Categories are the mini program categories of the catalog.
var Categories = []string{"shopping", "food", "travel", "finance", "education", "entertainment",
	"games", "health", "lifestyle", "social", "tools", "government", "other"}

// MiniProgramInput creates (all fields) or patches (set fields) a mini program.
type MiniProgramInput struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Category    *string `json:"category"`
	Icon        *string `json:"icon"`
}

// Validate checks the fields set; create requires name and category.
func (in MiniProgramInput) Validate(ws string, create bool) error {
	var v ValidationError
	if create && in.Name == nil {
		v.Add("name", "is required")
	}
	if create && in.Category == nil {
		v.Add("category", "is required: one of %s", strings.Join(Categories, ", "))
	}
	if !create && in.Name == nil && in.Description == nil && in.Category == nil && in.Icon == nil {
		v.Add("body", "set at least one of name, description, category, icon")
	}
	if in.Name != nil {
		checkText(&v, "name", *in.Name, 2, 40)
	}
	if in.Description != nil {
		checkLength(&v, "description", *in.Description, 0, 500)
	}
	if in.Category != nil && !slices.Contains(Categories, *in.Category) {
		v.Add("category", "must be one of %s", strings.Join(Categories, ", "))
	}
	if in.Icon != nil && *in.Icon != "" && (!assetRef.MatchString(*in.Icon) || !strings.HasPrefix(*in.Icon, "assets/"+ws+"/")) {
		v.Add("icon", "must be an asset of this workspace, as returned by POST /v1/workspaces/%s/settings/assets", ws)
	}
	return v.Err()
}

// Apply returns mp with the input's set fields.
func (in MiniProgramInput) Apply(mp MiniProgram) MiniProgram {
	if in.Name != nil {
		mp.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		mp.Description = *in.Description
	}
	if in.Category != nil {
		mp.Category = *in.Category
	}
	if in.Icon != nil {
		mp.Icon = *in.Icon
	}
	return mp
}

// NameKey is what makes names unique in a workspace: case and spacing do not count.
func NameKey(name string) string { return strings.Join(strings.Fields(strings.ToLower(name)), " ") }

// VersionStatus is the state of an uploaded package version.
type VersionStatus string

const (
	VersionUploading  VersionStatus = "uploading"  // URL issued, waiting for the PUT
	VersionProcessing VersionStatus = "processing" // object arrived, being validated
	VersionReady      VersionStatus = "ready"
	VersionInvalid    VersionStatus = "invalid"
	VersionExpired    VersionStatus = "expired" // derived: the URL was never used
)

// Final reports whether s can no longer change.
func (s VersionStatus) Final() bool { return s == VersionReady || s == VersionInvalid }

// UploadTTL is how long a presigned upload URL is valid.
const UploadTTL = 15 * time.Minute

// uploadGrace lets a PUT that started just before expiry finish and be noticed.
const uploadGrace = 2 * time.Minute

// PackageVersion is one uploaded version of a mini program's package.
type PackageVersion struct {
	ID            string        `json:"id" dynamodbav:"id"`
	MiniProgramID string        `json:"miniProgramId" dynamodbav:"miniProgramId"`
	WorkspaceID   string        `json:"workspaceId" dynamodbav:"workspaceId"`
	Version       string        `json:"version" dynamodbav:"semver"`
	Status        VersionStatus `json:"status" dynamodbav:"status"`
	Size          int64         `json:"size" dynamodbav:"size"`
	SHA256        string        `json:"sha256" dynamodbav:"sha256"` // hex
	// UploadID names the one upload URL whose object may become this version:
	// every URL issued gets its own key, and the processor ignores the others.
	UploadID    string     `json:"uploadId,omitempty" dynamodbav:"uploadId,omitempty"`
	UploadedBy  string     `json:"uploadedBy" dynamodbav:"uploadedBy"`
	CreatedAt   time.Time  `json:"createdAt" dynamodbav:"createdAt"`
	ExpiresAt   time.Time  `json:"uploadExpiresAt" dynamodbav:"uploadExpiresAt"`
	ReceivedAt  *time.Time `json:"receivedAt,omitempty" dynamodbav:"receivedAt,omitempty"`
	ProcessedAt *time.Time `json:"processedAt,omitempty" dynamodbav:"processedAt,omitempty"`
	// Report is the validation report (see package packages); Failure says why
	// processing itself failed, after retries.
	Report     json.RawMessage `json:"report,omitempty" dynamodbav:"-"`
	ReportJSON string          `json:"-" dynamodbav:"report,omitempty"`
	Failure    string          `json:"failure,omitempty" dynamodbav:"failure,omitempty"`
	Attempts   int             `json:"attempts" dynamodbav:"attempts"`
	Revision   int             `json:"revision" dynamodbav:"revision"`
}

// UploadKeyID is the last part of the current upload's key (versions stored
// before uploads had their own ids were uploaded under the version's id).
func (v PackageVersion) UploadKeyID() string {
	if v.UploadID != "" {
		return v.UploadID
	}
	return v.ID
}

// View returns the version as callers see it at now: an upload URL that was
// never used reads as expired.
func (v PackageVersion) View(now time.Time) PackageVersion {
	if v.Status == VersionUploading && now.After(v.ExpiresAt.Add(uploadGrace)) {
		v.Status = VersionExpired
	}
	return v
}

// UploadInput asks for an upload URL.
type UploadInput struct {
	Version string `json:"version"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256"`
}

// Validate checks the input against the largest package allowed.
func (in *UploadInput) Validate(maxBytes int64) (Semver, error) {
	var v ValidationError
	sv, err := ParseSemver(in.Version)
	if err != nil {
		v.Add("version", "%v", err)
	}
	if in.Size < 1 {
		v.Add("size", "must be the package's size in bytes")
	} else if in.Size > maxBytes {
		v.Add("size", "%d bytes is over the %d byte limit for a package", in.Size, maxBytes)
	}
	in.SHA256 = strings.ToLower(strings.TrimSpace(in.SHA256))
	if b, err := hex.DecodeString(in.SHA256); err != nil || len(b) != 32 {
		v.Add("sha256", "must be the package's SHA-256 as 64 hex digits")
	}
	return sv, v.Err()
}

// AssetInput asks for an upload URL for an image: an icon, logo or favicon.
type AssetInput struct {
	Kind        string `json:"kind"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// AssetKinds and AssetTypes are what assets may be; MaxAssetBytes bounds them.
var (
	AssetKinds = []string{"icon", "logo", "favicon"}
	AssetTypes = map[string]string{"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/svg+xml": "svg", "image/x-icon": "ico"}
)

const MaxAssetBytes = 1 << 20

// Validate checks the input and returns the file extension for its type.
func (in *AssetInput) Validate() (string, error) {
	var v ValidationError
	if !slices.Contains(AssetKinds, in.Kind) {
		v.Add("kind", "must be one of icon, logo, favicon")
	}
	ext, ok := AssetTypes[in.ContentType]
	if !ok {
		v.Add("contentType", "must be one of image/png, image/jpeg, image/webp, image/svg+xml, image/x-icon")
	}
	if in.Size < 1 || in.Size > MaxAssetBytes {
		v.Add("size", "must be 1 to %d bytes", MaxAssetBytes)
	}
	in.SHA256 = strings.ToLower(strings.TrimSpace(in.SHA256))
	if b, err := hex.DecodeString(in.SHA256); err != nil || len(b) != 32 {
		v.Add("sha256", "must be the file's SHA-256 as 64 hex digits")
	}
	return ext, v.Err()
}
