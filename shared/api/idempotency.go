package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/lazyre"
	"github.com/mpdp/platform/shared/storage"
)

var idempotencyKey = lazyre.New(`^[A-Za-z0-9._:-]{8,128}$`)

// idempotent makes a creating POST safe to retry: a request with an
// Idempotency-Key that was seen before replays the first response instead of
// creating again. Keys are scoped to the caller (a signed-in user's id, or an
// anonymous caller's source address) and the path. The top-level fields named
// secret are never stored: a replay answers without them (the first response
// is the only one that shows a secret).
func (s *Server) idempotent(h handlerFunc, secret ...string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			return h(w, r)
		}
		if !idempotencyKey.MatchString(key) {
			p := httpapi.NewProblem(http.StatusBadRequest, "Idempotency-Key must be 8 to 128 letters, digits, '.', '_', ':' or '-'")
			p.Errors = []httpapi.FieldError{{Field: "Idempotency-Key", Message: "invalid format"}}
			return p
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, httpapi.MaxBodyBytes+1))
		if err != nil {
			return httpapi.NewProblem(http.StatusBadRequest, "the request body could not be read")
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		who := "source:" + source(r) // anonymous callers do not share one scope
		if c, err := auth.CallerFrom(r.Context()); err == nil {
			who = c.UserID
		}
		scope := who + "#" + r.URL.Path
		sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), body...))
		hash := hex.EncodeToString(sum[:])

		prior, err := s.Store.BeginIdempotent(r.Context(), scope, key, hash)
		if err != nil {
			return err
		}
		if prior != nil {
			switch {
			case prior.RequestHash != hash:
				return httpapi.NewProblem(http.StatusUnprocessableEntity, "this Idempotency-Key was used for a different request; use a new key")
			case !prior.Done:
				return httpapi.NewProblem(http.StatusConflict, "a request with this Idempotency-Key is still in progress; retry shortly")
			}
			w.Header().Set("Idempotent-Replayed", "true")
			if prior.ETag != "" {
				w.Header().Set("ETag", prior.ETag)
			}
			if prior.Location != "" {
				w.Header().Set("Location", prior.Location)
			}
			w.Header().Set("Content-Type", prior.ContentType)
			w.WriteHeader(prior.Status)
			io.WriteString(w, prior.Body)
			return nil
		}

		rec := httptest.NewRecorder()
		herr := h(rec, r)
		if herr != nil {
			httpapi.WriteError(rec, r, herr)
		}
		if rec.Code >= 200 && rec.Code < 300 {
			err = s.Store.FinishIdempotent(r.Context(), scope, key, storage.Replay{RequestHash: hash, Status: rec.Code,
				Body: without(rec.Body.Bytes(), secret), ContentType: rec.Header().Get("Content-Type"), ETag: rec.Header().Get("ETag"),
				Location: rec.Header().Get("Location")})
		} else {
			// A failed request is not remembered: the client may fix it and retry with the same key.
			err = s.Store.AbandonIdempotent(r.Context(), scope, key)
		}
		if err != nil {
			httpapi.Logger(r.Context()).WarnContext(r.Context(), "idempotency record not saved", "error", err.Error())
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return nil
	}
}

// without returns the JSON object body without the top-level fields named
// secret; a body that is not an object is kept only if there is nothing to drop.
func without(body []byte, secret []string) string {
	if len(secret) == 0 {
		return string(body)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return "{}"
	}
	for _, f := range secret {
		delete(obj, f)
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return "{}"
	}
	return string(out)
}
