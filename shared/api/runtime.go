package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/mpdp/platform/shared/appkeys"
	"github.com/mpdp/platform/shared/bucket"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/lazyre"
	"github.com/mpdp/platform/shared/storage"
)

// RuntimeDownloadTTL is how long a runtime download link works.
const RuntimeDownloadTTL = 5 * time.Minute

// appKeyChallenge names the runtime API's scheme in its 401 answers.
const appKeyChallenge = `MPDP-HMAC-SHA256 realm="mpdp-runtime", headers="X-Mpdp-Key X-Mpdp-Timestamp X-Mpdp-Nonce X-Mpdp-Signature"`

// unsigned is a refused app-key signature: a 401 naming the app-key scheme.
func unsigned(w http.ResponseWriter, detail string) error {
	w.Header().Set("WWW-Authenticate", appKeyChallenge)
	return httpapi.NewProblem(http.StatusUnauthorized, detail)
}

// verifyAppKey checks a runtime request's app-key signature (see package
// appkeys) and that the key belongs to app. Every refusal is a 401 that says why.
func (s *Server) verifyAppKey(w http.ResponseWriter, r *http.Request, h appkeys.Headers, app string) error {
	return s.verifyAppKeyBody(w, r, h, app, httpapi.MaxBodyBytes)
}

// verifyAppKeyBody is verifyAppKey for a body of up to maxBody bytes (413 above).
func (s *Server) verifyAppKeyBody(w http.ResponseWriter, r *http.Request, h appkeys.Headers, app string, maxBody int) error {
	ctx := r.Context()
	k, err := s.Store.GetAppKey(ctx, h.KeyID)
	if errors.Is(err, domain.ErrNotFound) {
		return unsigned(w, "unknown app key "+h.KeyID)
	}
	if err != nil {
		return err
	}
	if k.Status != domain.KeyActive {
		return unsigned(w, "app key "+h.KeyID+" was revoked")
	}
	if !k.Signs(domain.KeyUseRequests) {
		return unsigned(w, "app key "+h.KeyID+" signs user assertions only, on your back end; sign requests with a requests key")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(maxBody)+1))
	if err != nil {
		return httpapi.NewProblem(http.StatusBadRequest, "the request body could not be read")
	}
	if len(body) > maxBody {
		return httpapi.NewProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body must be at most %d bytes", maxBody))
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	secret, err := s.Secrets.Decrypt(ctx, k.AppID, k.KeyID, k.Ciphertext)
	if err != nil {
		return err
	}
	ok, err := h.Matches(secret, r.Method, r.URL.EscapedPath(), r.URL.RawQuery, body)
	if err != nil {
		return unsigned(w, err.Error())
	}
	if !ok {
		return unsigned(w, "the signature does not match the request: sign METHOD, path, sorted query, body hash, timestamp and nonce with the key's secret")
	}
	if k.AppID != app {
		return unsigned(w, "app key "+h.KeyID+" does not belong to app "+app)
	}
	a, err := s.Store.GetApp(ctx, app)
	if err != nil {
		return err
	}
	if a.Status != domain.AppActive {
		return unsigned(w, "app "+app+" is disabled")
	}
	// Remember the nonce for twice the window: a replay of a request whose
	// timestamp is still accepted always finds it.
	err = s.Store.ClaimNonce(ctx, h.KeyID, h.Nonce, s.Now().Add(2*appkeys.Window))
	if errors.Is(err, storage.ErrReplayed) {
		return unsigned(w, "replayed request: this key already used nonce "+h.Nonce+"; send a new nonce with every request")
	}
	if err != nil {
		return err
	}
	if k.LastUsedAt == nil || s.Now().Sub(*k.LastUsedAt) >= time.Minute {
		if err := s.Store.TouchAppKey(ctx, k.KeyID, s.Now().UTC()); err != nil {
			httpapi.Logger(ctx).WarnContext(ctx, "record app key use", "key", k.KeyID, "error", err.Error())
		}
	}
	return nil
}

// verifyAssertion checks a user assertion (see package appkeys): signed by an
// active assertions key of app, for user, not expired. Every refusal is a 401
// that says why.
func (s *Server) verifyAssertion(w http.ResponseWriter, r *http.Request, token, app, user string) error {
	a, err := appkeys.ParseAssertion(token)
	if err != nil {
		return unsigned(w, err.Error())
	}
	k, err := s.Store.GetAppKey(r.Context(), a.KeyID)
	if errors.Is(err, domain.ErrNotFound) {
		return unsigned(w, "the user assertion names unknown key "+a.KeyID)
	}
	if err != nil {
		return err
	}
	switch {
	case k.AppID != app || a.App != app:
		return unsigned(w, "the user assertion was not made for app "+app)
	case k.Status != domain.KeyActive:
		return unsigned(w, "the user assertion's key "+a.KeyID+" was revoked")
	case !k.Signs(domain.KeyUseAssertions):
		return unsigned(w, "key "+a.KeyID+" signs requests; user assertions must be signed with an assertions key kept on your back end")
	}
	secret, err := s.Secrets.Decrypt(r.Context(), k.AppID, k.KeyID, k.Ciphertext)
	if err != nil {
		return err
	}
	if err := a.Verify(secret, s.Now()); err != nil {
		return unsigned(w, err.Error())
	}
	if a.User != user {
		return unsigned(w, "the user assertion is for another user than ?user=")
	}
	return nil
}

var (
	appIDPattern  = lazyre.New(`^app_[0-9a-z]{1,64}$`)
	userIDPattern = lazyre.New(`^[\x21-\x7e]{1,128}$`) // printable ASCII, no spaces
)

type runtimeRelease struct {
	MiniProgramID string    `json:"miniProgramId"`
	Version       string    `json:"version"`
	DownloadURL   string    `json:"downloadUrl"`
	ExpiresAt     time.Time `json:"expiresAt"`
	SHA256        string    `json:"sha256"`
	Size          int64     `json:"size"`
}

// runtimeRelease tells a host app which version of a mini program a user gets,
// with a short-lived download link and the package's checksum.
func (s *Server) runtimeRelease(w http.ResponseWriter, r *http.Request) error {
	h, err := appkeys.ParseHeaders(r.Header, s.Now())
	if err != nil {
		return unsigned(w, err.Error())
	}
	q := r.URL.Query()
	var v domain.ValidationError
	app, user, assertion := appParam.read(&v, q), userParam.read(&v, q), q.Get("assertion")
	if q.Has("assertion") && assertion == "" {
		v.Add("assertion", "is empty: send your back end's user assertion, or leave the parameter out")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.verifyAppKey(w, r, h, app); err != nil {
		return err
	}
	// Only an asserted user may be a tester: a bare ?user= is a claim anyone
	// with the app's request key can make. Rollout buckets still follow the
	// bare user (see README, "Runtime trust model").
	asserted := false
	if assertion != "" {
		if err := s.verifyAssertion(w, r, assertion, app, user); err != nil {
			return err
		}
		asserted = true
	}

	mp := r.PathValue("mp")
	rel, err := s.Store.GetRelease(r.Context(), mp)
	if err != nil {
		return err
	}
	if rel.Offline {
		return domain.Errorf(domain.ErrNotFound, "mini program %s is offline", mp)
	}
	tester := false
	if asserted && rel.TestersVersion != "" && rel.WorkspaceID != "" {
		t, err := s.Store.GetTesters(r.Context(), rel.WorkspaceID)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		tester = t.Includes(user)
	}
	version, ok := rel.VersionFor(user, tester)
	if !ok {
		return domain.Errorf(domain.ErrNotFound, "mini program %s does not exist or has no release for this user", mp)
	}
	pv, err := s.Store.GetVersion(r.Context(), mp, version)
	if err != nil {
		return err
	}
	url, expires, err := s.Packages.PresignGet(r.Context(), bucket.PackageKey(pv), RuntimeDownloadTTL)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpapi.JSON(w, http.StatusOK, runtimeRelease{MiniProgramID: mp, Version: version, DownloadURL: url, ExpiresAt: expires,
		SHA256: pv.SHA256, Size: pv.Size})
	return nil
}
