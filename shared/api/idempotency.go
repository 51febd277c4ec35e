package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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

		p := &storage.Idempotent{Scope: scope, Key: key, RequestHash: hash}
		ctx := storage.WithIdempotency(withSecrets(r.Context(), secret), p)
		rec := httptest.NewRecorder()
		herr := h(rec, r.WithContext(ctx))
		if herr != nil {
			httpapi.WriteError(rec, r, herr)
		}
		ok := rec.Code >= 200 && rec.Code < 300
		if written, complete := p.Committed(); ok && !complete {
			// A create that did not prepare its response claimed the key with
			// its write (or wrote nothing): the response is stored after.
			err = s.Store.FinishIdempotent(r.Context(), scope, key, replayOf(rec, hash, secret), written)
			if err != nil && !errors.Is(err, storage.ErrKeyUsed) {
				httpapi.Logger(r.Context()).WarnContext(r.Context(), "idempotency record not saved", "error", err.Error())
			}
		}
		if written, complete := p.Committed(); !ok && written && !complete {
			// Failed after its write claimed the key: free it, so a retry can run.
			if err := s.Store.AbandonIdempotent(r.Context(), scope, key); err != nil {
				httpapi.Logger(r.Context()).WarnContext(r.Context(), "idempotency claim not freed", "error", err.Error())
			}
		} else if !ok {
			// Failed, perhaps because an earlier request with this key created
			// already (its record was written meanwhile, or before this one
			// re-ran the checks): answer that one. A failure is never remembered,
			// so the client may fix the request and retry with the same key.
			prior, err := s.Store.GetIdempotent(r.Context(), scope, key)
			if err != nil {
				return err
			}
			if prior != nil {
				return replay(w, prior, hash)
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return nil
	}
}

// replay answers an earlier request's response, or 422 if that request was another.
func replay(w http.ResponseWriter, prior *storage.Replay, hash string) error {
	if prior.RequestHash != hash {
		return httpapi.NewProblem(http.StatusUnprocessableEntity, "this Idempotency-Key was used for a different request; use a new key")
	}
	if !prior.Done {
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

func replayOf(rec *httptest.ResponseRecorder, hash string, secret []string) storage.Replay {
	return storage.Replay{RequestHash: hash, Status: rec.Code, Body: without(rec.Body.Bytes(), secret), ContentType: rec.Header().Get("Content-Type"),
		ETag: rec.Header().Get("ETag"), Location: rec.Header().Get("Location")}
}

type secretsKey struct{}

func withSecrets(ctx context.Context, secret []string) context.Context {
	return context.WithValue(ctx, secretsKey{}, secret)
}

// respond writes a create's response, and with an Idempotency-Key first
// hands it to the request's record, which the create's write then stores
// with the entity (see storage.Idempotent). Call it before that write; the
// response it returns is sent once the write succeeded (send).
// A version above 0 is sent as the ETag.
func respond(r *http.Request, status, version int, v any, location ...string) *response {
	rec := httptest.NewRecorder()
	if len(location) > 0 {
		created(rec, location...)
	}
	if version > 0 {
		httpapi.Entity(rec, status, version, v)
	} else {
		httpapi.JSON(rec, status, v)
	}
	if p := storage.IdempotencyOf(r.Context()); p != nil {
		secret, _ := r.Context().Value(secretsKey{}).([]string)
		p.Respond(replayOf(rec, p.RequestHash, secret))
	}
	return &response{rec}
}

// response is a prepared response (respond).
type response struct{ rec *httptest.ResponseRecorder }

func (p *response) send(w http.ResponseWriter) {
	for k, v := range p.rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(p.rec.Code)
	w.Write(p.rec.Body.Bytes())
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
