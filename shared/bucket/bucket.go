// Package bucket keeps packages and assets in S3: presigned uploads straight from
// browsers, terminals and CI (the bytes never pass through a Lambda), streaming
// downloads for the package processor, and the key layout.
package bucket

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/resources"
)

// Bucket is the platform's bucket.
type Bucket struct {
	client  *s3.Client
	presign *s3.PresignClient
	name    string
	now     func() time.Time
}

// New returns the bucket name through client.
func New(client *s3.Client, name string, now func() time.Time) *Bucket {
	if now == nil {
		now = time.Now
	}
	return &Bucket{client: client, presign: s3.NewPresignClient(client), name: name, now: now}
}

// Upload is a presigned PUT: send exactly these headers, before ExpiresAt.
type Upload struct {
	URL       string            `json:"url"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

// PresignPut signs a PUT of key that S3 accepts only with this content type,
// this length and this SHA-256 (hex): the signature covers all three.
func (b *Bucket) PresignPut(ctx context.Context, key, contentType string, size int64, sha256Hex string, ttl time.Duration) (Upload, error) {
	sum, err := hex.DecodeString(sha256Hex)
	if err != nil || len(sum) != sha256.Size {
		return Upload{}, fmt.Errorf("presign %s: bad sha256 %q", key, sha256Hex)
	}
	checksum := base64.StdEncoding.EncodeToString(sum)
	req, err := b.presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket: &b.name, Key: &key, ContentType: &contentType, ContentLength: &size, ChecksumSHA256: &checksum,
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return Upload{}, fmt.Errorf("%w: presign %s: %v", domain.ErrUnavailable, key, err)
	}
	// The browser sets Host and Content-Length itself; the rest must be sent as signed.
	return Upload{URL: req.URL, Method: http.MethodPut, ExpiresAt: b.now().Add(ttl).UTC(), Headers: map[string]string{
		"Content-Type": contentType, "Content-Length": fmt.Sprint(size), "x-amz-checksum-sha256": checksum,
	}}, nil
}

// PresignGet signs a download of key, answered as an attachment of the type
// its extension allows (see downloadHeaders).
func (b *Bucket) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error) {
	contentType, disposition := downloadHeaders(key)
	req, err := b.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &b.name, Key: &key,
		ResponseContentType: &contentType, ResponseContentDisposition: &disposition}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%w: presign %s: %v", domain.ErrUnavailable, key, err)
	}
	return req.URL, b.now().Add(ttl).UTC(), nil
}

// ErrNoObject is returned for a key that does not exist (any more).
var ErrNoObject = errors.New("no such object")

// Download streams key into w and returns its length and SHA-256 (hex), so the
// caller can hold the object on disk rather than in memory.
func (b *Bucket) Download(ctx context.Context, key string, w io.Writer) (int64, string, error) {
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.name, Key: &key})
	var missing *types.NoSuchKey
	if errors.As(err, &missing) {
		return 0, "", fmt.Errorf("%s: %w", key, ErrNoObject)
	}
	if err != nil {
		return 0, "", fmt.Errorf("get %s: %w", key, err)
	}
	defer out.Body.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), out.Body)
	if err != nil {
		return n, "", fmt.Errorf("read %s: %w", key, err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// ErrTooLarge is returned by Read for an object over its bound.
var ErrTooLarge = errors.New("object too large")

// Read returns the whole of key if it is at most max bytes; it never reads
// more than max+1 bytes, whatever the object's size. The functions hold no
// s3:ListBucket, so in the cloud S3 answers a missing key with AccessDenied
// rather than NoSuchKey: both are ErrNoObject here.
func (b *Bucket) Read(ctx context.Context, key string, max int64) ([]byte, error) {
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.name, Key: &key})
	var missing *types.NoSuchKey
	var api smithy.APIError
	if errors.As(err, &missing) || (errors.As(err, &api) && api.ErrorCode() == "AccessDenied") {
		return nil, fmt.Errorf("%s: %w", key, ErrNoObject)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: get %s: %v", domain.ErrUnavailable, key, err)
	}
	defer out.Body.Close()
	if out.ContentLength != nil && *out.ContentLength > max {
		return nil, fmt.Errorf("%s: %w", key, ErrTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(out.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read %s: %v", domain.ErrUnavailable, key, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: %w", key, ErrTooLarge)
	}
	return data, nil
}

// PutFile writes the first size bytes of f at key, with their SHA-256
// (hex) as the object's checksum: S3 refuses the write unless what arrives is
// exactly those bytes.
func (b *Bucket) PutFile(ctx context.Context, key, contentType string, f io.ReaderAt, size int64, sha256Hex string) error {
	sum, err := hex.DecodeString(sha256Hex)
	if err != nil || len(sum) != sha256.Size {
		return fmt.Errorf("put %s: bad sha256 %q", key, sha256Hex)
	}
	_, err = b.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.name, Key: &key, ContentType: &contentType,
		ContentLength: &size, ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum)), Body: io.NewSectionReader(f, 0, size)})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Keys. Uploads land under the incoming prefix, named so the processor can find
// their version from the key alone; accepted packages are copied under packages/.

// IncomingKey is where the current upload of a version's package goes: each
// issued URL has its own key, so a second URL never overwrites the first's object.
func IncomingKey(v domain.PackageVersion) string {
	return resources.Bucket.IncomingPrefix + v.WorkspaceID + "/" + v.MiniProgramID + "/" + v.Version + "/" + v.UploadKeyID() + ".zip"
}

// ParseIncomingKey reverses IncomingKey.
func ParseIncomingKey(key string) (ws, mp, version, id string, ok bool) {
	rest, found := strings.CutPrefix(key, resources.Bucket.IncomingPrefix)
	parts := strings.Split(rest, "/")
	if !found || len(parts) != 4 || !strings.HasSuffix(parts[3], ".zip") {
		return "", "", "", "", false
	}
	for _, p := range parts {
		if p == "" {
			return "", "", "", "", false
		}
	}
	return parts[0], parts[1], parts[2], strings.TrimSuffix(parts[3], ".zip"), true
}

// PackageKey is where an accepted package is kept.
func PackageKey(v domain.PackageVersion) string {
	return resources.Bucket.PackagesPrefix + v.WorkspaceID + "/" + v.MiniProgramID + "/" + v.Version + ".zip"
}

// ScreenshotKey is where a user's feedback screenshot is uploaded.
func ScreenshotKey(userID, id, ext string) string {
	return domain.FeedbackScreenshotPrefix(userID) + id + "." + ext
}

// AssetKey is where an uploaded image is kept; its key is also its reference.
func AssetKey(ws, id, ext string) string {
	return resources.Bucket.AssetsPrefix + ws + "/" + id + "." + ext
}

// Put writes body at key.
func (b *Bucket) Put(ctx context.Context, key, contentType string, body []byte) error {
	_, err := b.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.name, Key: &key, ContentType: &contentType, Body: bytes.NewReader(body)})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// ArchiveKey is where the raw items of one batch, mini program and UTC day
// are archived: archive/<kind>/dt=<day>/<mp>/<batch>.json (JSON lines).
func ArchiveKey(kind, day, mp, batch string) string {
	return resources.Bucket.ArchivePrefix + kind + "/dt=" + day + "/" + mp + "/" + batch + ".json"
}
