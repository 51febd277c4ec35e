// Package processor is the package-processor worker: it receives the bucket's
// ObjectCreated events through SQS and decides whether each uploaded package is
// ready or invalid. S3 and SQS deliver at least once and in any order, so every
// step is idempotent and a final state never changes.
package processor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mpdp/platform/shared/bucket"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/packages"
	"github.com/mpdp/platform/shared/storage"
)

// Worker processes uploaded packages.
type Worker struct {
	Store  *storage.Store
	Bucket *bucket.Bucket
	Limits packages.Limits
	// MaxReceives is the queue's maxReceiveCount: on the last delivery a failure
	// is recorded on the version before the message goes to the dead-letter queue.
	MaxReceives int
	TempDir     string // where packages are staged on disk ("" for the system default)
	Log         *slog.Logger
	Now         func() time.Time
}

// Handle processes a batch and reports the messages to retry.
func (w *Worker) Handle(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, msg := range e.Records {
		if err := w.message(ctx, msg); err != nil {
			w.Log.WarnContext(ctx, "package processing failed; will retry", slog.String("messageId", msg.MessageId), slog.String("error", err.Error()))
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp, nil
}

func (w *Worker) message(ctx context.Context, msg events.SQSMessage) error {
	keys, err := ObjectKeys(msg.Body)
	if err != nil {
		return err // poison: retried, then dead-lettered
	}
	receives, _ := strconv.Atoi(msg.Attributes["ApproximateReceiveCount"])
	last := w.MaxReceives > 0 && receives >= w.MaxReceives
	var errs []error
	for _, key := range keys {
		if err := w.object(ctx, key, last); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
	}
	return errors.Join(errs...)
}

// ObjectKeys returns the object keys an S3 event notification names, decoded
// from the URL encoding S3 sends them in (a key that does not decode is taken
// as it is). S3's "s3:TestEvent" names none. An error means body is no S3
// event notification.
func ObjectKeys(body string) ([]string, error) {
	var ev s3Event
	if err := json.Unmarshal([]byte(body), &ev); err != nil {
		return nil, fmt.Errorf("not an S3 event: %w", err)
	}
	keys := make([]string, len(ev.Records))
	for i, rec := range ev.Records {
		key, err := url.QueryUnescape(rec.S3.Object.Key)
		if err != nil {
			key = rec.S3.Object.Key
		}
		keys[i] = key
	}
	return keys, nil
}

// s3Event is the part of an S3 event notification the worker reads. (Decoding
// into events.S3Event would also parse eventTime, which emulators format without
// a zone; the time is not needed.)
type s3Event struct {
	Records []struct {
		S3 struct {
			Object struct {
				Key string `json:"key"`
			} `json:"object"`
		} `json:"s3"`
	} `json:"Records"`
}

// object processes one uploaded object. Only the version's current upload
// counts (every issued URL has its own key), and what is published under
// packages/ is the very file that was validated, never the upload's key read
// again: an object replaced after validation started cannot be served.
func (w *Worker) object(ctx context.Context, key string, last bool) error {
	ws, mp, version, id, ok := bucket.ParseIncomingKey(key)
	if !ok {
		w.Log.InfoContext(ctx, "ignoring object outside the upload layout", slog.String("key", key))
		return nil
	}
	v, err := w.Store.GetVersion(ctx, mp, version)
	if errors.Is(err, domain.ErrNotFound) || (err == nil && (v.UploadKeyID() != id || v.WorkspaceID != ws)) {
		w.Log.InfoContext(ctx, "ignoring upload that is not its version's current one", slog.String("key", key))
		return nil
	}
	if err != nil {
		return err
	}
	if v.Status.Final() {
		return nil // a duplicate or late event
	}
	now := w.Now().UTC()
	processing := v
	processing.Status, processing.ReceivedAt, processing.Attempts, processing.Revision = domain.VersionProcessing, &now, v.Attempts+1, v.Revision+1
	// Conditional on the revision: a URL issued meanwhile (a new upload id) wins,
	// and this object is then ignored.
	if err := w.Store.PutVersion(ctx, v, processing); err != nil {
		if errors.Is(err, domain.ErrConflict) {
			return nil // another delivery or a newer upload got there first
		}
		return err
	}
	final, err := w.process(ctx, key, processing)
	if err != nil {
		if last {
			w.fail(ctx, processing, err)
		}
		return err
	}
	if err := w.Store.PutVersion(ctx, processing, final); err != nil && !errors.Is(err, domain.ErrConflict) {
		return err
	}
	w.Log.InfoContext(ctx, "package processed", slog.String("miniProgram", mp), slog.String("version", version),
		slog.String("status", string(final.Status)))
	return nil
}

// process stages the object in a temporary file (memory stays bounded whatever
// the package size), validates it against what the uploader declared and, if
// it is valid, publishes that file: the version's final state.
func (w *Worker) process(ctx context.Context, key string, v domain.PackageVersion) (domain.PackageVersion, error) {
	f, err := os.CreateTemp(w.TempDir, "package-*.zip")
	if err != nil {
		return v, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	size, sum, err := w.Bucket.Download(ctx, key, f)
	if err != nil {
		return v, err
	}
	report := validate(f, size, sum, v, w.Limits)
	final := v
	final.Status, final.Revision = domain.VersionInvalid, v.Revision+1
	if report.Valid {
		if err := w.Bucket.PutFile(ctx, bucket.PackageKey(v), "application/zip", f, size, sum); err != nil {
			return v, err
		}
		final.Status = domain.VersionReady
	}
	done := w.Now().UTC()
	final.ProcessedAt = &done
	if final.Report, err = json.Marshal(report); err != nil {
		return v, err
	}
	return final, nil
}

// validate checks the staged package (size bytes, SHA-256 sum) against what
// the uploader declared, then its content.
func validate(f *os.File, size int64, sum string, v domain.PackageVersion, limits packages.Limits) packages.Report {
	var problems []packages.Problem
	if size != v.Size {
		problems = append(problems, packages.Problem{Code: "size_mismatch",
			Message: fmt.Sprintf("the upload is %d bytes, but %d were declared", size, v.Size)})
	}
	if sum != v.SHA256 {
		problems = append(problems, packages.Problem{Code: "checksum_mismatch",
			Message: fmt.Sprintf("the upload's SHA-256 is %s, but %s was declared", sum, v.SHA256)})
	}
	if len(problems) > 0 {
		return packages.Report{Problems: problems, CompressedBytes: size}
	}
	return packages.Validate(f, size, v.Version, limits)
}

// fail records, on the last delivery, why processing itself kept failing; the
// message then goes to the dead-letter queue.
func (w *Worker) fail(ctx context.Context, v domain.PackageVersion, cause error) {
	failed := v
	done := w.Now().UTC()
	failed.Status, failed.Revision, failed.ProcessedAt = domain.VersionInvalid, v.Revision+1, &done
	failed.Failure = "processing failed after " + strconv.Itoa(v.Attempts) + " attempts: " + cause.Error()
	failed.Report, _ = json.Marshal(packages.Report{Problems: []packages.Problem{{Code: "processing_failed", Message: failed.Failure}}})
	if err := w.Store.PutVersion(ctx, v, failed); err != nil {
		w.Log.ErrorContext(ctx, "could not record the processing failure", slog.String("version", v.ID), slog.String("error", err.Error()))
	}
}
