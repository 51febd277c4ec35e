package domain

import (
	"bytes"
	"image"
	_ "image/jpeg" // registers DecodeConfig for JPEG
	_ "image/png"  // registers DecodeConfig for PNG
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mpdp/platform/shared/lazyre"
)

// Settings are a workspace's console settings: branding, email, domains, the
// about-us link and the published terms. The whole document is replaced at once
// (PUT with If-Match); terms change only by publishing a new version.
type Settings struct {
	Branding   Branding      `json:"branding" dynamodbav:"branding"`
	Email      EmailSettings `json:"email" dynamodbav:"email"`
	Domains    Domains       `json:"domains" dynamodbav:"domains"`
	AboutUsURL string        `json:"aboutUsUrl" dynamodbav:"aboutUsUrl"`
	Terms      *Terms        `json:"terms,omitempty" dynamodbav:"terms,omitempty"`
	UpdatedBy  string        `json:"updatedBy,omitempty" dynamodbav:"updatedBy,omitempty"`
	UpdatedAt  *time.Time    `json:"updatedAt,omitempty" dynamodbav:"updatedAt,omitempty"`
	Version    int           `json:"version" dynamodbav:"version"`
}

// Branding holds asset references (keys from POST .../settings/assets), validated on save.
type Branding struct {
	Logo    string `json:"logo" dynamodbav:"logo"`
	Favicon string `json:"favicon" dynamodbav:"favicon"`
}

// EmailSettings are the sender of the platform's emails and which ones are sent.
type EmailSettings struct {
	SenderAddress string        `json:"senderAddress" dynamodbav:"senderAddress"`
	SenderName    string        `json:"senderName" dynamodbav:"senderName"`
	Notifications Notifications `json:"notifications" dynamodbav:"notifications"`
}

// Notifications switches each kind of email on or off.
type Notifications struct {
	ApplicationDecisions bool `json:"applicationDecisions" dynamodbav:"applicationDecisions"`
	LaunchDecisions      bool `json:"launchDecisions" dynamodbav:"launchDecisions"`
	Releases             bool `json:"releases" dynamodbav:"releases"`
	Invitations          bool `json:"invitations" dynamodbav:"invitations"`
}

// Domains are the host names the console and the API are served on.
type Domains struct {
	Console string `json:"console" dynamodbav:"console"`
	API     string `json:"api" dynamodbav:"api"`
}

// Terms is one published version of the terms of service.
type Terms struct {
	Version     int       `json:"version" dynamodbav:"version"`
	URL         string    `json:"url" dynamodbav:"url"`
	PublishedAt time.Time `json:"publishedAt" dynamodbav:"publishedAt"`
	PublishedBy string    `json:"publishedBy" dynamodbav:"publishedBy"`
}

// MaxTermsHistory is how many terms versions GET .../settings returns.
const MaxTermsHistory = 20

// DefaultSettings are a workspace's settings before anyone saved them (version 0).
func DefaultSettings() Settings {
	return Settings{Email: EmailSettings{Notifications: Notifications{ApplicationDecisions: true, LaunchDecisions: true,
		Releases: true, Invitations: true}}}
}

// SettingsInput is the whole replaceable document of PUT .../settings.
type SettingsInput struct {
	Branding   Branding      `json:"branding"`
	Email      EmailSettings `json:"email"`
	Domains    Domains       `json:"domains"`
	AboutUsURL string        `json:"aboutUsUrl"`
}

// Validate checks every field except the branding images' contents, which the
// server checks by reading them (see CheckImage). ws is the workspace whose
// assets the branding may reference.
func (in *SettingsInput) Validate(ws string) error {
	var v ValidationError
	for _, f := range []struct{ field, ref string }{{"branding.logo", in.Branding.Logo}, {"branding.favicon", in.Branding.Favicon}} {
		if f.ref != "" && (!assetRef.MatchString(f.ref) || !strings.HasPrefix(f.ref, "assets/"+ws+"/")) {
			v.Add(f.field, "must be an asset reference of this workspace like assets/%s/<file>, from POST /v1/workspaces/%s/settings/assets", ws, ws)
		}
	}
	in.Email.SenderAddress = strings.TrimSpace(in.Email.SenderAddress)
	in.Email.SenderName = strings.TrimSpace(in.Email.SenderName)
	if in.Email.SenderAddress != "" {
		CheckEmail(&v, "email.senderAddress", in.Email.SenderAddress)
		in.Email.SenderAddress = NormalizeEmail(in.Email.SenderAddress)
	}
	checkText(&v, "email.senderName", in.Email.SenderName, 0, 100)
	in.Domains.Console = strings.TrimSpace(in.Domains.Console)
	in.Domains.API = strings.TrimSpace(in.Domains.API)
	checkHostname(&v, "domains.console", in.Domains.Console)
	checkHostname(&v, "domains.api", in.Domains.API)
	if in.Domains.Console != "" && in.Domains.Console == in.Domains.API {
		v.Add("domains.api", "must differ from domains.console")
	}
	in.AboutUsURL = strings.TrimSpace(in.AboutUsURL)
	if in.AboutUsURL != "" {
		CheckHTTPSURL(&v, "aboutUsUrl", in.AboutUsURL)
	}
	return v.Err()
}

// Apply returns s with the input's fields.
func (in SettingsInput) Apply(s Settings) Settings {
	s.Branding, s.Email, s.Domains, s.AboutUsURL = in.Branding, in.Email, in.Domains, in.AboutUsURL
	return s
}

var hostLabel = lazyre.New(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// checkHostname records a problem unless s is empty or a lowercase DNS name
// with at least two labels and no scheme, port, path or trailing dot.
func checkHostname(v *ValidationError, field, s string) {
	if s == "" {
		return
	}
	switch {
	case strings.Contains(s, "://"):
		v.Add(field, "must be a host name without a scheme, like console.example.com")
		return
	case strings.ContainsAny(s, ":/?#@ "):
		v.Add(field, "must be a host name only, without port, path or credentials, like console.example.com")
		return
	case s != strings.ToLower(s):
		v.Add(field, "must be lowercase")
		return
	case len(s) > 253:
		v.Add(field, "must be at most 253 characters")
		return
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		v.Add(field, "must be a fully qualified host name, like console.example.com")
		return
	}
	for _, l := range labels {
		if !hostLabel.MatchString(l) {
			v.Add(field, "label %q must be 1-63 letters, digits or '-', not starting or ending with '-'", l)
			return
		}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		v.Add(field, "must be a host name, not an IP address")
	}
}

// CheckHTTPSURL records a problem unless s is an absolute https URL of at most 2000 characters.
func CheckHTTPSURL(v *ValidationError, field, s string) {
	if len(s) > 2000 {
		v.Add(field, "must be at most 2000 characters, got %d", len(s))
		return
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		v.Add(field, "must be an absolute URL like https://example.com/about")
		return
	}
	if u.Scheme != "https" {
		v.Add(field, "must use https")
		return
	}
	if u.User != nil {
		v.Add(field, "must not contain credentials")
	}
	for _, r := range s {
		if r <= 0x20 || r == 0x7f {
			v.Add(field, "must not contain spaces or control characters")
			return
		}
	}
}

// TermsInput publishes a new terms version.
type TermsInput struct {
	URL string `json:"url"`
}

// Validate checks the terms URL.
func (in *TermsInput) Validate() error {
	var v ValidationError
	in.URL = strings.TrimSpace(in.URL)
	if in.URL == "" {
		v.Add("url", "is required")
	} else {
		CheckHTTPSURL(&v, "url", in.URL)
	}
	return v.Err()
}

// ImageKind is what a branding image is for; each has its own size rules.
type ImageKind string

const (
	ImageLogo    ImageKind = "logo"
	ImageFavicon ImageKind = "favicon"
)

// Image is what CheckImage found in a file.
type Image struct {
	Type          string // sniffed: image/png, image/jpeg, image/webp, image/x-icon, image/svg+xml
	Width, Height int    // 0 for SVG (vector)
}

// CheckImage checks an image file's real type (by its magic bytes, never its
// name or declared type), size and dimensions for kind; the message says what
// is wrong. data must be the whole file (callers read at most MaxAssetBytes+1).
func CheckImage(kind ImageKind, data []byte) (Image, string) {
	if len(data) == 0 {
		return Image{}, "is empty"
	}
	if len(data) > MaxAssetBytes {
		return Image{}, "must be at most 1 MiB"
	}
	var img Image
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")), bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return img, "is not a readable PNG or JPEG image"
		}
		img = Image{Type: "image/" + format, Width: cfg.Width, Height: cfg.Height}
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		w, h, ok := webpSize(data)
		if !ok {
			return img, "is not a readable WebP image"
		}
		img = Image{Type: "image/webp", Width: w, Height: h}
	case len(data) >= 22 && bytes.HasPrefix(data, []byte{0, 0, 1, 0}) && (data[4] != 0 || data[5] != 0):
		// ICONDIR then the first ICONDIRENTRY: width and height bytes, 0 meaning 256.
		w, h := int(data[6]), int(data[7])
		if w == 0 {
			w = 256
		}
		if h == 0 {
			h = 256
		}
		img = Image{Type: "image/x-icon", Width: w, Height: h}
	case isSVG(data):
		if why := svgProblem(data); why != "" {
			return Image{Type: "image/svg+xml"}, why
		}
		return Image{Type: "image/svg+xml"}, ""
	default:
		return img, "is not a PNG, JPEG, WebP, ICO or SVG image (checked by its content, not its name)"
	}
	switch kind {
	case ImageLogo:
		if img.Width < 64 || img.Height < 64 || img.Width > 2048 || img.Height > 2048 {
			return img, "must be 64 to 2048 pixels on each side, got " + strconv.Itoa(img.Width) + "x" + strconv.Itoa(img.Height)
		}
		// The console shows it in a square slot beside the platform's name.
		if img.Width != img.Height {
			return img, "must be square, got " + strconv.Itoa(img.Width) + "x" + strconv.Itoa(img.Height)
		}
	case ImageFavicon:
		if img.Width < 16 || img.Height < 16 || img.Width > 256 || img.Height > 256 {
			return img, "must be 16 to 256 pixels on each side, got " + strconv.Itoa(img.Width) + "x" + strconv.Itoa(img.Height)
		}
		if img.Width != img.Height {
			return img, "must be square, got " + strconv.Itoa(img.Width) + "x" + strconv.Itoa(img.Height)
		}
	}
	return img, ""
}

// isSVG reports whether data is an SVG document: text whose first element is <svg>
// (after an optional BOM, XML declaration, comments and doctype).
func isSVG(data []byte) bool {
	s := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	head := bytes.ToLower(s[:min(len(s), 4096)])
	for _, b := range head {
		if b == 0 {
			return false
		}
	}
	head = bytes.TrimSpace(head)
	if !bytes.HasPrefix(head, []byte("<")) {
		return false
	}
	i := bytes.Index(head, []byte("<svg"))
	if i < 0 {
		return false
	}
	// Everything before <svg must be prolog: <?xml ...?>, <!-- -->, <!DOCTYPE ...>.
	prolog := head[:i]
	for len(bytes.TrimSpace(prolog)) > 0 {
		prolog = bytes.TrimSpace(prolog)
		if !bytes.HasPrefix(prolog, []byte("<?")) && !bytes.HasPrefix(prolog, []byte("<!")) {
			return false
		}
		end := bytes.IndexByte(prolog, '>')
		if end < 0 {
			return false
		}
		prolog = prolog[end+1:]
	}
	return true
}

// webpSize reads a WebP's canvas size from its first chunk (VP8, VP8L or VP8X).
func webpSize(d []byte) (int, int, bool) {
	if len(d) < 30 {
		return 0, 0, false
	}
	le24 := func(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 }
	switch string(d[12:16]) {
	case "VP8X":
		return 1 + le24(d[24:27]), 1 + le24(d[27:30]), true
	case "VP8 ":
		// Frame tag (3 bytes) then the start code 9d 01 2a, then 14-bit width and height.
		if d[23] != 0x9d || d[24] != 0x01 || d[25] != 0x2a {
			return 0, 0, false
		}
		return int(d[26]) | int(d[27]&0x3f)<<8, int(d[28]) | int(d[29]&0x3f)<<8, true
	case "VP8L":
		if d[20] != 0x2f {
			return 0, 0, false
		}
		b := uint32(d[21]) | uint32(d[22])<<8 | uint32(d[23])<<16 | uint32(d[24])<<24
		return int(b&0x3fff) + 1, int((b>>14)&0x3fff) + 1, true
	}
	return 0, 0, false
}
