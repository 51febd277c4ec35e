package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mpdp/platform/shared/bucket"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/storage"
)

// Settings belong to a workspace: its admins (workspace:manage) write them. The
// tenant's settings (its branding, terms, about-us link) are read by everyone
// signed in; a developer workspace's only by its members. The tester whitelist
// is shown only to members of the workspace.

// settingsView is GET .../settings: the settings, the terms history and the testers.
type settingsView struct {
	domain.Settings
	TermsHistory []domain.Terms  `json:"termsHistory"`
	Testers      *domain.Testers `json:"testers,omitempty"`
	// BrandingURLs are short-lived download URLs of the branding images, so a
	// console can show them (the references alone are not addresses).
	BrandingURLs map[string]string `json:"brandingUrls,omitempty"`
}

// readSettings checks the caller may read ws's settings and reports whether
// they are a member who may see the testers too.
func (s *Server) readSettings(r *http.Request, ws string) (member bool, err error) {
	_, err = s.authorize(r, ws, domain.ActRead)
	if err == nil {
		return true, nil
	}
	if ws != domain.TenantWorkspaceID {
		return false, err
	}
	if _, serr := signedIn(r); serr != nil {
		return false, serr
	}
	return false, nil
}

func (s *Server) settingsView(r *http.Request, ws string, cur domain.Settings, member bool) (settingsView, error) {
	hist, err := s.Store.TermsHistory(r.Context(), ws, domain.MaxTermsHistory)
	if err != nil {
		return settingsView{}, err
	}
	if hist == nil {
		hist = []domain.Terms{}
	}
	v := settingsView{Settings: cur, TermsHistory: hist}
	for name, ref := range map[string]string{"logo": cur.Branding.Logo, "favicon": cur.Branding.Favicon} {
		if ref == "" {
			continue
		}
		u, err := s.assetURL(r, ref)
		if err != nil {
			return settingsView{}, err
		}
		if v.BrandingURLs == nil {
			v.BrandingURLs = map[string]string{}
		}
		v.BrandingURLs[name] = u
	}
	if member {
		t, err := s.Store.GetTesters(r.Context(), ws)
		if err != nil {
			return settingsView{}, err
		}
		v.Testers = &t
	}
	return v, nil
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	member, err := s.readSettings(r, ws)
	if err != nil {
		return err
	}
	cur, err := s.Store.GetSettings(r.Context(), ws)
	if err != nil {
		return err
	}
	v, err := s.settingsView(r, ws, cur, member)
	if err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, cur.Version, v)
	return nil
}

func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	var in domain.SettingsInput
	next, err := ifMatchUpdate[domain.Settings]{ws: ws, act: domain.ActManageWorkspace, ref: storage.SettingsRef(ws),
		in: &in, validate: func() error { return in.Validate(ws) },
		change: func(a access, cur domain.Settings) (domain.Settings, error) {
			if err := s.checkBranding(r, in.Branding); err != nil {
				return cur, err
			}
			now := s.Now().UTC()
			next := in.Apply(cur)
			next.UpdatedBy, next.UpdatedAt, next.Version = a.caller.UserID, &now, cur.Version+1
			return next, nil
		}}.run(s, r)
	if err != nil {
		return err
	}
	v, err := s.settingsView(r, ws, next, true)
	if err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, next.Version, v)
	return nil
}

// checkBranding reads each branding image (at most 1 MiB and one byte) and
// checks its real type, size and dimensions.
func (s *Server) checkBranding(r *http.Request, b domain.Branding) error {
	var v domain.ValidationError
	for _, img := range []struct {
		field, ref string
		kind       domain.ImageKind
	}{{"branding.logo", b.Logo, domain.ImageLogo}, {"branding.favicon", b.Favicon, domain.ImageFavicon}} {
		if img.ref == "" {
			continue
		}
		data, err := s.Packages.Read(r.Context(), img.ref, domain.MaxAssetBytes)
		switch {
		case errors.Is(err, bucket.ErrNoObject):
			v.Add(img.field, "no file was uploaded for %s; upload it to the URL from POST .../settings/assets first", img.ref)
			continue
		case errors.Is(err, bucket.ErrTooLarge):
			v.Add(img.field, "must be at most 1 MiB")
			continue
		case err != nil:
			return err
		}
		if _, msg := domain.CheckImage(img.kind, data); msg != "" {
			v.Add(img.field, "%s", msg)
		}
	}
	return v.Err()
}

// publishTerms publishes a new terms version: the next number, who and when,
// kept in the history.
func (s *Server) publishTerms(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	a, err := s.authorize(r, ws, domain.ActManageWorkspace)
	if err != nil {
		return err
	}
	var in domain.TermsInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	cur, err := s.Store.GetSettings(r.Context(), ws)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	n := 1
	if cur.Terms != nil {
		n = cur.Terms.Version + 1
	}
	next := cur
	next.Terms = &domain.Terms{Version: n, URL: in.URL, PublishedAt: now, PublishedBy: a.caller.UserID}
	next.UpdatedBy, next.UpdatedAt, next.Version = a.caller.UserID, &now, cur.Version+1
	if err := s.Store.PublishTerms(r.Context(), ws, next, cur.Version); err != nil {
		return err
	}
	v, err := s.settingsView(r, ws, next, true)
	if err != nil {
		return err
	}
	created(w, "workspaces", ws, "settings")
	httpapi.Entity(w, http.StatusCreated, next.Version, v)
	return nil
}

// assetViewTTL is how long the download URL of an uploaded image works: long
// enough for a page to show it, short enough that a copied link soon expires.
const assetViewTTL = 10 * time.Minute

// assetURL signs a download of an uploaded image (an icon, a logo, a screenshot).
// Only references under the assets prefix are signed: the functions that show
// images hold s3:GetObject there (AssetsRead) and nowhere else, which
// infra's TestPresignedURLsAreGranted checks from this guard.
func (s *Server) assetURL(r *http.Request, ref string) (string, error) {
	if !strings.HasPrefix(ref, resources.Bucket.AssetsPrefix) {
		return "", fmt.Errorf("asset reference %q is not under %s", ref, resources.Bucket.AssetsPrefix)
	}
	u, _, err := s.Packages.PresignGet(r.Context(), ref, assetViewTTL)
	return u, err
}
