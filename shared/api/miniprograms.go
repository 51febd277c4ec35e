package api

import (
	"context"
	"net/http"
	neturl "net/url"
	"time"

	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/bucket"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/storage"
)

func (s *Server) listMiniPrograms(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	newest := true
	var bad error // answered only to a caller who may list
	switch sort := r.URL.Query().Get("sort"); sort {
	case "", "-createdAt":
	case "createdAt":
		newest = false
	default:
		bad = &domain.ValidationError{Fields: []domain.FieldError{{Field: "sort", Message: "must be createdAt (oldest first) or -createdAt (newest first)"}}}
	}
	return authorizedList(s, w, r, ws, domain.ActRead, func(ctx context.Context, limit int, cursor string) (storage.Page[domain.MiniProgram], error) {
		if bad != nil {
			return storage.Page[domain.MiniProgram]{}, bad
		}
		return s.Store.ListMiniPrograms(ctx, ws, newest, limit, cursor)
	})
}

func (s *Server) createMiniProgram(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	a, err := s.authorize(r, ws, domain.ActDevelop)
	if err != nil {
		return err
	}
	var in domain.MiniProgramInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if err := in.Validate(ws, true); err != nil {
		return err
	}
	now := s.Now().UTC()
	mp := in.Apply(domain.MiniProgram{ID: domain.NewID("mp"), WorkspaceID: ws, CreatedBy: a.caller.UserID,
		CreatedAt: now, UpdatedAt: now, Version: 1})
	res := respond(r, http.StatusCreated, mp.Version, mp, "workspaces", ws, "miniprograms", mp.ID)
	if err := s.Store.CreateMiniProgram(r.Context(), mp); err != nil {
		return err
	}
	res.send(w)
	return nil
}

// miniProgramIn loads the mini program in the URL once the caller may do act
// in its workspace; one of another workspace does not exist here.
func (s *Server) miniProgramIn(r *http.Request, act domain.Action) (domain.MiniProgram, error) {
	ws := r.PathValue("ws")
	var mp domain.MiniProgram
	_, err := s.authorizeAnd(r, ws, act, func(ctx context.Context) (err error) {
		mp, err = s.Store.GetMiniProgram(ctx, ws, r.PathValue("mp"))
		return err
	})
	return mp, err
}

func (s *Server) getMiniProgram(w http.ResponseWriter, r *http.Request) error {
	mp, err := s.miniProgramIn(r, domain.ActRead)
	if err != nil {
		return err
	}
	v := miniProgramView{MiniProgram: mp}
	if mp.Icon != "" {
		if v.IconURL, err = s.assetURL(r, mp.Icon); err != nil {
			return err
		}
	}
	httpapi.Entity(w, http.StatusOK, mp.Version, v)
	return nil
}

// miniProgramView is a mini program with a short-lived download URL of its icon.
type miniProgramView struct {
	domain.MiniProgram
	IconURL string `json:"iconUrl,omitempty"`
}

func (s *Server) patchMiniProgram(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	var in domain.MiniProgramInput
	return ifMatchUpdate[domain.MiniProgram]{ws: ws, act: domain.ActDevelop, ref: storage.MiniProgramRef(ws, r.PathValue("mp")),
		in: &in, validate: func() error { return in.Validate(ws, false) },
		change: func(_ access, cur domain.MiniProgram) (domain.MiniProgram, error) {
			next := in.Apply(cur)
			next.UpdatedAt, next.Version = s.Now().UTC(), cur.Version+1
			return next, nil
		}}.answer(s, w, r)
}

// uploadResponse is what a client needs to PUT its package.
type uploadResponse struct {
	VersionID string                `json:"versionId"`
	Version   domain.PackageVersion `json:"packageVersion"`
	Upload    bucket.Upload         `json:"upload"`
}

// startUpload reserves a version and returns a presigned URL for its package.
// Asking again for the latest version while it is uploading (or its URL
// expired) issues a new URL to a new key, so a client can retry an interrupted
// upload: the last URL issued wins, and objects PUT with earlier URLs are
// ignored. Once the processor has taken an upload, asking again is a 409.
func (s *Server) startUpload(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	a, err := s.authorizeChange(r, ws, domain.ActDevelop)
	if err != nil {
		return err
	}
	var in domain.UploadInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	if _, err := in.Validate(s.MaxPackageBytes); err != nil {
		return err
	}
	mp, err := s.Store.GetMiniProgram(r.Context(), ws, r.PathValue("mp"))
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	v := domain.PackageVersion{ID: domain.NewID("ver"), UploadID: domain.NewID("upl"), MiniProgramID: mp.ID, WorkspaceID: ws, Version: in.Version,
		Status: domain.VersionUploading, Size: in.Size, SHA256: in.SHA256, UploadedBy: a.caller.UserID,
		CreatedAt: now, ExpiresAt: now.Add(domain.UploadTTL), Revision: 1}
	status := http.StatusCreated
	if mp.LatestVersion == in.Version {
		prev, err := s.Store.GetVersion(r.Context(), mp.ID, in.Version)
		if err != nil {
			return err
		}
		if st := prev.View(now).Status; st != domain.VersionUploading && st != domain.VersionExpired {
			return domain.Errorf(domain.ErrConflict, "version %s was already uploaded (%s); upload a greater version", in.Version, st)
		}
		v.ID, v.CreatedAt, v.Revision, status = prev.ID, prev.CreatedAt, prev.Revision+1, http.StatusOK
		err = s.Store.PutVersion(r.Context(), prev, v)
		if err != nil {
			return err
		}
	} else if err := s.Store.StartUpload(r.Context(), mp, v); err != nil {
		return err
	}
	up, err := s.Packages.PresignPut(r.Context(), bucket.IncomingKey(v), "application/zip", v.Size, v.SHA256, domain.UploadTTL)
	if err != nil {
		return err
	}
	created(w, "workspaces", ws, "miniprograms", mp.ID, "versions", v.Version)
	httpapi.JSON(w, status, uploadResponse{VersionID: v.ID, Version: v, Upload: up})
	return nil
}

func (s *Server) listVersions(w http.ResponseWriter, r *http.Request) error {
	ws, mpID := r.PathValue("ws"), r.PathValue("mp")
	return authorizedList(s, w, r, ws, domain.ActRead, func(ctx context.Context, limit int, cursor string) (storage.Page[domain.PackageVersion], error) {
		// The versions' partition is the mini program's; a mini program of another
		// workspace must not be listable through this one.
		page, err := s.Store.ListVersions(ctx, mpID, limit, cursor)
		if err != nil {
			return page, err
		}
		now := s.Now()
		for i, v := range page.Items {
			if v.WorkspaceID != ws {
				return page, domain.ErrNotFound
			}
			page.Items[i] = v.View(now)
		}
		if len(page.Items) == 0 {
			_, err = s.Store.GetMiniProgram(ctx, ws, mpID)
		}
		return page, err
	})
}

// version loads a version of a mini program of ws.
func (s *Server) version(ctx context.Context, r *http.Request, ws string) (domain.PackageVersion, error) {
	v, err := s.Store.GetVersion(ctx, r.PathValue("mp"), r.PathValue("version"))
	if err != nil {
		return v, err
	}
	if v.WorkspaceID != ws {
		return v, domain.ErrNotFound
	}
	return v.View(s.Now()), nil
}

func (s *Server) getVersion(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	var v domain.PackageVersion
	if _, err := s.authorizeAnd(r, ws, domain.ActRead, func(ctx context.Context) (err error) {
		v, err = s.version(ctx, r, ws)
		return err
	}); err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, v.Revision, v)
	return nil
}

// TrialTTL is how long a trial download link works.
const TrialTTL = 10 * time.Minute

type trialResponse struct {
	Version     string    `json:"version"`
	DownloadURL string    `json:"downloadUrl"`
	ExpiresAt   time.Time `json:"expiresAt"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	QR          string    `json:"qrPayload"` // what the QR code encodes: the super app opens the trial with it
}

// trial gives a whitelisted tester a short-lived download of a ready version.
func (s *Server) trial(w http.ResponseWriter, r *http.Request) error {
	c, err := auth.CallerFrom(r.Context())
	if err != nil {
		return err
	}
	ws := r.PathValue("ws")
	testers, err := s.Store.GetTesters(r.Context(), ws)
	if err != nil {
		return err
	}
	if !testers.Includes(c.UserID) { // by subject: a user can change their email
		// Members learn they are not whitelisted; to anyone else the workspace does not exist.
		if _, err := s.authorize(r, ws, domain.ActRead); err != nil {
			return err
		}
		return domain.Errorf(domain.ErrForbidden, "you are not on this workspace's tester whitelist")
	}
	v, err := s.version(r.Context(), r, ws)
	if err != nil {
		return err
	}
	if v.Status != domain.VersionReady {
		return domain.Errorf(domain.ErrConflict, "version %s is %s; only ready versions can be tried", v.Version, v.Status)
	}
	url, expires, err := s.Packages.PresignGet(r.Context(), bucket.PackageKey(v), TrialTTL)
	if err != nil {
		return err
	}
	qr := "mpdp://trial?" + neturl.Values{"ws": {ws}, "mp": {v.MiniProgramID}, "version": {v.Version},
		"sha256": {v.SHA256}, "url": {url}}.Encode()
	httpapi.JSON(w, http.StatusOK, trialResponse{Version: v.Version, DownloadURL: url, ExpiresAt: expires, SHA256: v.SHA256, Size: v.Size, QR: qr})
	return nil
}

// createAsset returns a presigned URL for an image (icon, logo, favicon); its key
// is the reference to put in the mini program or workspace settings.
func (s *Server) createAsset(w http.ResponseWriter, r *http.Request) error {
	ws := r.PathValue("ws")
	a, err := s.authorize(r, ws, domain.ActRead)
	if err != nil {
		return err
	}
	if !domain.Allows(kindOf(ws), a.member, domain.ActDevelop) && !domain.Allows(kindOf(ws), a.member, domain.ActManageWorkspace) {
		return domain.Errorf(domain.ErrForbidden, "the %s role does not allow uploading images", a.member.Role)
	}
	var in domain.AssetInput
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	ext, err := in.Validate()
	if err != nil {
		return err
	}
	key := bucket.AssetKey(ws, domain.NewID(in.Kind), ext)
	up, err := s.Packages.PresignPut(r.Context(), key, in.ContentType, in.Size, in.SHA256, domain.UploadTTL)
	if err != nil {
		return err
	}
	httpapi.JSON(w, http.StatusCreated, map[string]any{"asset": key, "upload": up})
	return nil
}
