package domain

import (
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/mpdp/platform/shared/lazyre"
)

// FeedbackCategory is what a piece of feedback is about.
type FeedbackCategory string

// FeedbackStatus is open until a tenant admin handles it.
type FeedbackStatus string

const (
	FeedbackOpen    FeedbackStatus = "open"
	FeedbackHandled FeedbackStatus = "handled"
)

// FeedbackCategories are the valid categories.
var FeedbackCategories = []FeedbackCategory{"bug", "suggestion", "question", "other"}

// MaxFeedbackText bounds feedback text; MaxScreenshotBytes bounds a screenshot.
const (
	MaxFeedbackText    = 5000
	MaxScreenshotBytes = 5 << 20
)

// Feedback is what a console user tells the platform's operator.
type Feedback struct {
	ID         string           `json:"id" dynamodbav:"id"`
	UserID     string           `json:"userId" dynamodbav:"userId"`
	Email      string           `json:"email,omitempty" dynamodbav:"email,omitempty"`
	Category   FeedbackCategory `json:"category" dynamodbav:"category"`
	Text       string           `json:"text" dynamodbav:"text"`
	Screenshot string           `json:"screenshot,omitempty" dynamodbav:"screenshot,omitempty"`
	Status     FeedbackStatus   `json:"status" dynamodbav:"status"`
	Note       string           `json:"note,omitempty" dynamodbav:"note,omitempty"`
	HandledBy  string           `json:"handledBy,omitempty" dynamodbav:"handledBy,omitempty"`
	HandledAt  *time.Time       `json:"handledAt,omitempty" dynamodbav:"handledAt,omitempty"`
	CreatedAt  time.Time        `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt  time.Time        `json:"updatedAt" dynamodbav:"updatedAt"`
	Version    int              `json:"version" dynamodbav:"version"`
}

// FeedbackInput is a new piece of feedback.
type FeedbackInput struct {
	Category   FeedbackCategory `json:"category"`
	Text       string           `json:"text"`
	Screenshot string           `json:"screenshot"`
}

var screenshotRef = lazyre.New(`^assets/feedback/[A-Za-z0-9_-]{1,128}/[A-Za-z0-9._-]{1,128}$`)

// FeedbackScreenshotPrefix is where user's screenshots are uploaded.
func FeedbackScreenshotPrefix(userID string) string { return "assets/feedback/" + userID + "/" }

// Validate checks the input; a screenshot must be one the user uploaded.
func (in *FeedbackInput) Validate(userID string) error {
	var v ValidationError
	if !slices.Contains(FeedbackCategories, in.Category) {
		v.Add("category", "must be one of bug, suggestion, question, other")
	}
	in.Text = strings.TrimSpace(in.Text)
	if in.Text == "" {
		v.Add("text", "is required")
	} else {
		checkLength(&v, "text", in.Text, 1, MaxFeedbackText)
	}
	if in.Screenshot != "" && (!screenshotRef.MatchString(in.Screenshot) || !strings.HasPrefix(in.Screenshot, FeedbackScreenshotPrefix(userID))) {
		v.Add("screenshot", "must be a reference returned by POST /v1/feedback/screenshots for your own upload")
	}
	return v.Err()
}

// FeedbackPatch is a tenant admin handling (or reopening) feedback.
type FeedbackPatch struct {
	Status *FeedbackStatus `json:"status"`
	Note   *string         `json:"note"`
}

// Validate checks the patch.
func (p *FeedbackPatch) Validate() error {
	var v ValidationError
	if p.Status == nil && p.Note == nil {
		v.Add("body", "set at least one of status, note")
	}
	if p.Status != nil && *p.Status != FeedbackOpen && *p.Status != FeedbackHandled {
		v.Add("status", "must be open or handled")
	}
	if p.Note != nil {
		*p.Note = strings.TrimSpace(*p.Note)
		checkLength(&v, "note", *p.Note, 0, 2000)
	}
	return v.Err()
}

// Apply returns f with the patch applied by user at now.
func (p FeedbackPatch) Apply(f Feedback, user string, now time.Time) Feedback {
	if p.Note != nil {
		f.Note = *p.Note
	}
	if p.Status != nil && *p.Status != f.Status {
		f.Status = *p.Status
		if f.Status == FeedbackHandled {
			f.HandledBy, f.HandledAt = user, &now
		} else {
			f.HandledBy, f.HandledAt = "", nil
		}
	}
	f.UpdatedAt, f.Version = now, f.Version+1
	return f
}

// ScreenshotInput asks for an upload URL for a feedback screenshot.
type ScreenshotInput struct {
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// ScreenshotTypes are the screenshot types and their extensions.
var ScreenshotTypes = map[string]string{"image/png": "png", "image/jpeg": "jpg"}

// Validate checks the input and returns the file extension for its type.
func (in *ScreenshotInput) Validate() (string, error) {
	var v ValidationError
	ext, ok := ScreenshotTypes[in.ContentType]
	if !ok {
		v.Add("contentType", "must be image/png or image/jpeg")
	}
	if in.Size < 1 || in.Size > MaxScreenshotBytes {
		v.Add("size", "must be 1 to %d bytes", MaxScreenshotBytes)
	}
	in.SHA256 = strings.ToLower(strings.TrimSpace(in.SHA256))
	if b, err := hex.DecodeString(in.SHA256); err != nil || len(b) != 32 {
		v.Add("sha256", "must be the file's SHA-256 as 64 hex digits")
	}
	return ext, v.Err()
}
