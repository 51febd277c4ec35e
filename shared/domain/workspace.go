package domain

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mpdp/platform/shared/lazyre"
)

// TenantWorkspaceID is the id of the one tenant workspace of a deployment: the
// super app operator, created when the platform is bootstrapped.
const TenantWorkspaceID = "ws_tenant"

// WorkspaceKind tells the tenant workspace from merchants' developer workspaces.
type WorkspaceKind string

const (
	KindTenant    WorkspaceKind = "tenant"
	KindDeveloper WorkspaceKind = "developer"
)

// Workspace is a tenant or developer workspace.
type Workspace struct {
	ID          string        `json:"id" dynamodbav:"id"`
	Kind        WorkspaceKind `json:"kind" dynamodbav:"kind"`
	Name        string        `json:"name" dynamodbav:"name"`
	Description string        `json:"description" dynamodbav:"description"`
	Logo        string        `json:"logo" dynamodbav:"logo"` // reference to an uploaded asset
	Contact     Contact       `json:"contact" dynamodbav:"contact"`
	Country     string        `json:"country,omitempty" dynamodbav:"country,omitempty"`
	// Authorization is the developer workspace's authorization to develop for the
	// tenant: revoked stops its uploads and launches.
	Authorization AuthorizationStatus `json:"authorization,omitempty" dynamodbav:"authorization,omitempty"`
	// ActiveAdmins counts active admins; writes that would drop it to zero fail,
	// so a workspace never loses its last active admin.
	ActiveAdmins int       `json:"-" dynamodbav:"activeAdmins"`
	CreatedAt    time.Time `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt" dynamodbav:"updatedAt"`
	Version      int       `json:"version" dynamodbav:"version"`
}

// CheckAuthorized refuses what would change what a developer workspace's
// users get (uploads, launches and their releases, rollout moves, rollback,
// online) once the tenant revoked its authorization.
func (w Workspace) CheckAuthorized() error {
	if w.Kind == KindTenant || w.Authorization == AuthorizationActive {
		return nil
	}
	return Errorf(ErrForbidden, "this workspace's authorization to develop for the platform was revoked; it can read, pause and take mini programs offline, but not upload, launch, resume, raise, roll back or bring them online")
}

// Contact is a person to reach about a workspace.
type Contact struct {
	Name  string `json:"name" dynamodbav:"name"`
	Email string `json:"email" dynamodbav:"email"`
	Phone string `json:"phone,omitempty" dynamodbav:"phone,omitempty"`
}

// WorkspacePatch is a partial update of a workspace's general info; nil fields stay.
type WorkspacePatch struct {
	Name        *string  `json:"name"`
	Description *string  `json:"description"`
	Logo        *string  `json:"logo"`
	Contact     *Contact `json:"contact"`
}

// Validate checks the fields the patch sets.
func (p WorkspacePatch) Validate() error {
	var v ValidationError
	if p.Name == nil && p.Description == nil && p.Logo == nil && p.Contact == nil {
		v.Add("body", "set at least one of name, description, logo, contact")
	}
	if p.Name != nil {
		checkText(&v, "name", *p.Name, 2, 80)
	}
	if p.Description != nil {
		checkLength(&v, "description", *p.Description, 0, 1000)
	}
	if p.Logo != nil && *p.Logo != "" && !assetRef.MatchString(*p.Logo) {
		v.Add("logo", "must be an asset reference like assets/<workspace>/<file>")
	}
	if p.Contact != nil {
		checkText(&v, "contact.name", p.Contact.Name, 1, 100)
		CheckEmail(&v, "contact.email", p.Contact.Email)
		if p.Contact.Phone != "" && !phone.MatchString(p.Contact.Phone) {
			v.Add("contact.phone", "must be an international number like +6512345678")
		}
	}
	return v.Err()
}

// Apply returns ws with the patch applied.
func (p WorkspacePatch) Apply(ws Workspace) Workspace {
	if p.Name != nil {
		ws.Name = strings.TrimSpace(*p.Name)
	}
	if p.Description != nil {
		ws.Description = *p.Description
	}
	if p.Logo != nil {
		ws.Logo = *p.Logo
	}
	if p.Contact != nil {
		c := *p.Contact
		c.Email = NormalizeEmail(c.Email)
		ws.Contact = c
	}
	return ws
}

// MaxTesters is the most testers a workspace may whitelist.
const MaxTesters = 100

// Tester is one entry of a workspace's tester whitelist. UserID is the
// subject that is matched: the super app's user id (the runtime's asserted
// user) or a console user's Cognito sub (trials). An entry added by email holds
// the sub the email resolved to when it was added, and the email for display
// only: emails are never matched, because a user can change theirs.
type Tester struct {
	UserID string `json:"userId" dynamodbav:"userId"`
	Email  string `json:"email,omitempty" dynamodbav:"email,omitempty"`
	Note   string `json:"note,omitempty" dynamodbav:"note,omitempty"`
}

// Testers is a workspace's whitelist, replaced as a whole.
type Testers struct {
	Items   []Tester `json:"items" dynamodbav:"items"`
	Version int      `json:"version" dynamodbav:"version"`
}

// Includes reports whether subject (a console user's sub or an asserted super
// app user id) is on the whitelist.
func (t Testers) Includes(subject string) bool {
	for _, x := range t.Items {
		if subject != "" && x.UserID == subject {
			return true
		}
	}
	return false
}

// Has reports whether the whitelist holds exactly this entry's subject and email
// (an entry sent back unchanged keeps the subject it was resolved to).
func (t Testers) Has(x Tester) bool {
	for _, y := range t.Items {
		if y.UserID == x.UserID && y.Email == x.Email {
			return true
		}
	}
	return false
}

// ValidateTesters checks a whole whitelist as sent: size, ids, emails,
// duplicates. Each item names a subject (userId), an email, or both (an entry
// read back from the list).
func ValidateTesters(items []Tester) error {
	var v ValidationError
	if items == nil {
		v.Add("items", "is required (send [] to clear the list)")
	}
	if len(items) > MaxTesters {
		v.Add("items", "at most %d testers, got %d", MaxTesters, len(items))
		return v.Err()
	}
	ids, emails := map[string]int{}, map[string]int{}
	for i, t := range items {
		field := "items[" + strconv.Itoa(i) + "]"
		switch {
		case t.UserID == "" && t.Email == "":
			v.Add(field, "needs a userId (a super app user id) or the email of a console user")
		case t.UserID != "" && !testerID.MatchString(t.UserID):
			v.Add(field+".userId", "must be 1-64 letters, digits, '_', '-' or '.'; to add a console user by email, send it as email")
		case t.UserID != "":
			if j, dup := ids[t.UserID]; dup {
				v.Add(field+".userId", "duplicates items[%d]", j)
			}
			ids[t.UserID] = i
		}
		if t.Email != "" {
			CheckEmail(&v, field+".email", t.Email)
			if j, dup := emails[NormalizeEmail(t.Email)]; dup {
				v.Add(field+".email", "duplicates items[%d]", j)
			}
			emails[NormalizeEmail(t.Email)] = i
		}
		checkLength(&v, field+".note", t.Note, 0, 200)
	}
	return v.Err()
}

var (
	assetRef = lazyre.New(`^assets/[a-z0-9_]+/[A-Za-z0-9._-]{1,128}$`)
	phone    = lazyre.New(`^\+[1-9][0-9]{6,14}$`)
	testerID = lazyre.New(`^[A-Za-z0-9_.-]{1,64}$`)
	country  = lazyre.New(`^[A-Z]{2}$`)
)

// NormalizeEmail lower-cases and trims an email so lookups match however it was typed.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CheckEmail records a problem unless s is a plain address (no display name).
func CheckEmail(v *ValidationError, field, s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		v.Add(field, "is required")
		return
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		v.Add(field, "must be an email address like name@example.com")
	}
}

func checkText(v *ValidationError, field, s string, min, max int) {
	if strings.TrimSpace(s) == "" && min > 0 {
		v.Add(field, "is required")
		return
	}
	checkLength(v, field, strings.TrimSpace(s), min, max)
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			v.Add(field, "must not contain control characters")
			return
		}
	}
}

func checkLength(v *ValidationError, field, s string, min, max int) {
	if !utf8.ValidString(s) {
		v.Add(field, "must be valid UTF-8")
		return
	}
	if n := utf8.RuneCountInString(s); n < min || n > max {
		v.Add(field, "must be %d to %d characters, got %d", min, max, n)
	}
}
