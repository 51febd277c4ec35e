package bucket

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mpdp/platform/shared/domain"
)

// The emulator does not check presigned signatures, so the bindings of the URLs
// we sign are proved here by reading the URL itself.
func TestPresignPutBindsKeyTypeLengthAndChecksum(t *testing.T) {
	client := s3.New(s3.Options{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	b := New(client, "bucket-x", func() time.Time { return now })
	sum := sha256.Sum256([]byte("package"))
	key := "incoming/ws_1/mp_1/1.0.0/ver_1.zip"
	up, err := b.PresignPut(context.Background(), key, "application/zip", 7, hex.EncodeToString(sum[:]), 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(up.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if !strings.HasSuffix(u.Path, "/"+key) && u.Path != "/"+key {
		t.Errorf("path %q does not name the key", u.Path)
	}
	if q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || q.Get("X-Amz-Signature") == "" {
		t.Errorf("not a SigV4 presigned URL: %v", q)
	}
	if q.Get("X-Amz-Expires") != "900" {
		t.Errorf("expires in %s s, want 900", q.Get("X-Amz-Expires"))
	}
	signed := strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	for _, h := range []string{"content-length", "content-type", "host", "x-amz-checksum-sha256"} {
		found := false
		for _, s := range signed {
			found = found || s == h
		}
		if !found {
			t.Errorf("signed headers %v lack %s", signed, h)
		}
	}
	want := map[string]string{"Content-Type": "application/zip", "Content-Length": "7",
		"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(sum[:])}
	for k, v := range want {
		if up.Headers[k] != v {
			t.Errorf("header %s = %q, want %q", k, up.Headers[k], v)
		}
	}
	if up.Method != "PUT" || !up.ExpiresAt.Equal(now.Add(15*time.Minute)) {
		t.Errorf("method %s, expires %v", up.Method, up.ExpiresAt)
	}
	// The signature changes with each bound value: a URL for other content is another URL.
	other, _ := b.PresignPut(context.Background(), key, "application/zip", 8, hex.EncodeToString(sum[:]), 15*time.Minute)
	if other.URL == up.URL {
		t.Error("the length is not part of the signature")
	}
	if _, err := b.PresignPut(context.Background(), key, "application/zip", 7, "nothex", time.Minute); err == nil {
		t.Error("a malformed checksum was signed")
	}
}

func TestKeys(t *testing.T) {
	v := domain.PackageVersion{ID: "ver_1", WorkspaceID: "ws_1", MiniProgramID: "mp_1", Version: "1.2.3-beta.1"}
	ws, mp, version, id, ok := ParseIncomingKey(IncomingKey(v))
	if !ok || ws != v.WorkspaceID || mp != v.MiniProgramID || version != v.Version || id != v.ID {
		t.Fatalf("round trip: %s %s %s %s %v", ws, mp, version, id, ok)
	}
	for _, bad := range []string{"packages/ws/mp/1.0.0/v.zip", "incoming/ws/mp/v.zip", "incoming/ws//1.0.0/v.zip", "incoming/ws/mp/1.0.0/v.tar", "incoming/a/b/c/d/e.zip"} {
		if _, _, _, _, ok := ParseIncomingKey(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	if PackageKey(v) != "packages/ws_1/mp_1/1.2.3-beta.1.zip" {
		t.Errorf("package key %s", PackageKey(v))
	}
}

// TestPresignGetServesAttachments reads the signed download URLs: S3 answers
// each with the type its extension allows and as an attachment, so a browser
// never renders an uploaded file (an SVG with script) as a page.
func TestPresignGetServesAttachments(t *testing.T) {
	client := s3.New(s3.Options{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	b := New(client, "bucket-x", nil)
	for _, c := range []struct{ key, typ, disposition string }{
		{"assets/ws_1/ast_1.svg", "image/svg+xml", `attachment; filename=ast_1.svg`},
		{"assets/ws_1/ast_2.png", "image/png", `attachment; filename=ast_2.png`},
		{"packages/ws_1/mp_1/1.0.0.zip", "application/zip", `attachment; filename=1.0.0.zip`},
		{"feedback/usr_1/scr_1.html", "application/octet-stream", `attachment; filename=scr_1.html`},
		{"assets/ws_1/no-extension", "application/octet-stream", `attachment; filename=no-extension`},
	} {
		raw, _, err := b.PresignGet(context.Background(), c.key, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if q.Get("response-content-type") != c.typ || q.Get("response-content-disposition") != c.disposition || q.Get("X-Amz-Signature") == "" {
			t.Errorf("%s: type %q, disposition %q; want %q, %q", c.key, q.Get("response-content-type"), q.Get("response-content-disposition"), c.typ, c.disposition)
		}
	}
}
