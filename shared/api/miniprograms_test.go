package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mpdp/platform/localstack/poller"
	"github.com/mpdp/platform/shared/resources"
)

// miniProgram creates a mini program in ws and returns its path.
func miniProgram(t testing.TB, c client, ws, name string) string {
	t.Helper()
	var mp struct{ ID string }
	c.must(201, "POST", "/v1/workspaces/"+ws+"/miniprograms", map[string]string{"name": name, "category": "shopping"}).decode(t, &mp)
	return "/v1/workspaces/" + ws + "/miniprograms/" + mp.ID
}

// pkg builds a zip from path → content; the manifest is added unless files has one.
func pkg(t testing.TB, version string, files map[string]string) []byte {
	t.Helper()
	if _, ok := files["app.json"]; !ok {
		files["app.json"] = `{"version":"` + version + `","pages":["pages/index/index"]}`
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		f, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func validPkg(t testing.TB, version string) []byte {
	return pkg(t, version, map[string]string{"pages/index/index.js": "Page({})", "pages/index/index.wxml": "<view/>"})
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

type upload struct {
	VersionID string
	Upload    struct {
		URL, Method string
		Headers     map[string]string
		ExpiresAt   time.Time
	}
}

// startUpload asks for an upload URL for body declared as version.
func startUpload(t testing.TB, c client, mp, version string, body []byte) upload {
	t.Helper()
	var u upload
	c.must(201, "POST", mp+"/uploads", map[string]any{"version": version, "size": len(body), "sha256": sha(body)}).decode(t, &u)
	return u
}

// put sends body to the presigned URL with the headers it binds, as a client would.
func put(t testing.TB, u upload, body []byte) {
	t.Helper()
	req, _ := http.NewRequest(u.Upload.Method, u.Upload.URL, bytes.NewReader(body))
	for k, v := range u.Upload.Headers {
		if k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("PUT: %s", res.Status)
	}
}

// process runs the package processor until the queue is empty.
func process(t testing.TB) {
	t.Helper()
	p := packagePoller()
	for range 50 {
		n, err := p.Once(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func packagePoller() *poller.Poller {
	p := env.Pollers()[1]
	p.Wait = -1
	retry := time.Duration(0)
	p.RetryAfter = &retry
	return p
}

type versionBody struct {
	ID, Version, Status, SHA256, UploadedBy, Failure string
	Size                                             int64
	Report                                           struct {
		Valid    bool
		Problems []struct{ Code, Message, Path string }
		Manifest struct {
			Version string
			Pages   []string
		}
	}
}

func (v versionBody) codes() []string {
	var out []string
	for _, p := range v.Report.Problems {
		out = append(out, p.Code)
	}
	return out
}

// uploadAndProcess runs the whole path for one package and returns the version.
func uploadAndProcess(t testing.TB, c client, mp, version string, body []byte) versionBody {
	t.Helper()
	put(t, startUpload(t, c, mp, version, body), body)
	process(t)
	var v versionBody
	c.must(200, "GET", mp+"/versions/"+version, nil).decode(t, &v)
	return v
}

func TestMiniPrograms(t *testing.T) {
	ws, admin := developerWorkspace(t)
	dev := addMember(t, admin, ws, "developer")
	reviewer := addMember(t, admin, ws, "reviewer")
	base := "/v1/workspaces/" + ws + "/miniprograms"

	p := dev.must(400, "POST", base, map[string]string{"name": "x", "category": "spaceships"}).problem(t)
	if !slices.Contains(p.fields(), "name") || !slices.Contains(p.fields(), "category") {
		t.Fatalf("fields %v", p.fields())
	}
	reviewer.must(403, "POST", base, map[string]string{"name": "Shop", "category": "shopping"}).problem(t)
	shop := miniProgram(t, dev, ws, "Acme Shop")
	dev.must(409, "POST", base, map[string]string{"name": "  acme   SHOP ", "category": "food"}).problem(t)
	for i := range 3 {
		miniProgram(t, dev, ws, fmt.Sprintf("Program %d", i))
	}

	var newest, oldest struct {
		Items      []struct{ Name string }
		NextCursor string
	}
	reviewer.must(200, "GET", base+"?limit=2", nil).decode(t, &newest)
	reviewer.must(200, "GET", base+"?limit=10&sort=createdAt", nil).decode(t, &oldest)
	if len(newest.Items) != 2 || newest.NextCursor == "" || newest.Items[0].Name != "Program 2" || oldest.Items[0].Name != "Acme Shop" || len(oldest.Items) != 4 {
		t.Fatalf("lists %+v / %+v", newest, oldest)
	}
	dev.must(400, "GET", base+"?sort=name", nil).problem(t)

	dev.must(428, "PATCH", shop, map[string]string{"name": "Acme Store"}).problem(t)
	dev.must(400, "PATCH", shop, map[string]string{"icon": "assets/ws_other/x.png"}, "If-Match", `"v1"`).problem(t)
	var renamed struct{ Name string }
	dev.must(200, "PATCH", shop, map[string]string{"name": "Acme Store"}, "If-Match", `"v1"`).decode(t, &renamed)
	dev.must(412, "PATCH", shop, map[string]string{"name": "Other"}, "If-Match", `"v1"`).problem(t)
	miniProgram(t, dev, ws, "Acme Shop") // the old name is free again
	dev.must(409, "PATCH", shop, map[string]string{"name": "Program 1"}, "If-Match", `"v2"`).problem(t)

	// An icon goes up through a presigned URL, then its reference goes on the mini program.
	icon := []byte("\x89PNG fake icon")
	var asset struct {
		Asset  string
		Upload struct {
			URL     string
			Headers map[string]string
		}
	}
	reviewer.must(403, "POST", "/v1/workspaces/"+ws+"/settings/assets", map[string]any{"kind": "icon", "contentType": "image/png", "size": len(icon), "sha256": sha(icon)}).problem(t)
	dev.must(201, "POST", "/v1/workspaces/"+ws+"/settings/assets", map[string]any{"kind": "icon", "contentType": "image/png", "size": len(icon), "sha256": sha(icon)}).decode(t, &asset)
	put(t, upload{Upload: struct {
		URL, Method string
		Headers     map[string]string
		ExpiresAt   time.Time
	}{URL: asset.Upload.URL, Method: "PUT", Headers: asset.Upload.Headers}}, icon)
	var withIcon struct{ Icon string }
	dev.must(200, "PATCH", shop, map[string]string{"icon": asset.Asset}, "If-Match", `"v2"`).decode(t, &withIcon)
	if withIcon.Icon != asset.Asset {
		t.Fatalf("icon %q", withIcon.Icon)
	}
	// Reading it gives a download URL of the icon, so a console can show it.
	var read struct{ IconURL string }
	dev.must(200, "GET", shop, nil).decode(t, &read)
	if got := fetched(t, read.IconURL); !bytes.Equal(got, icon) {
		t.Errorf("the icon URL serves %q", got)
	}
	_, outsider := developerWorkspace(t)
	outsider.must(404, "GET", shop, nil).problem(t)
	outsider.must(404, "GET", shop+"/versions", nil).problem(t)
}

func TestUploadToReadyAndTrial(t *testing.T) {
	ws, admin := developerWorkspace(t)
	mp := miniProgram(t, admin, ws, "Trial Shop")
	body := validPkg(t, "1.0.0")

	u := startUpload(t, admin, mp, "1.0.0", body)
	if d := time.Until(u.Upload.ExpiresAt); d <= 0 || d > 15*time.Minute {
		t.Fatalf("URL expires in %v", d)
	}
	for _, h := range []string{"Content-Type", "Content-Length", "x-amz-checksum-sha256"} {
		if u.Upload.Headers[h] == "" {
			t.Fatalf("headers %v lack %s", u.Upload.Headers, h)
		}
	}
	var pending versionBody
	admin.must(200, "GET", mp+"/versions/1.0.0", nil).decode(t, &pending)
	if pending.Status != "uploading" {
		t.Fatalf("status %q", pending.Status)
	}
	// Asking again before the PUT re-issues the URL for the same version.
	var again upload
	admin.must(200, "POST", mp+"/uploads", map[string]any{"version": "1.0.0", "size": len(body), "sha256": sha(body)}).decode(t, &again)
	if again.VersionID != u.VersionID {
		t.Fatalf("re-issued upload has a new version id")
	}
	put(t, again, body)
	process(t)

	var v versionBody
	admin.must(200, "GET", mp+"/versions/1.0.0", nil).decode(t, &v)
	if v.Status != "ready" || !v.Report.Valid || v.Size != int64(len(body)) || v.SHA256 != sha(body) || v.Report.Manifest.Version != "1.0.0" || v.UploadedBy != admin.userID {
		t.Fatalf("version %+v", v)
	}

	// Versions only go up.
	for _, tc := range []struct {
		version string
		status  int
	}{{"1.0.0", 409}, {"0.9.9", 409}, {"1.0.0-rc.1", 409}, {"one", 400}} {
		admin.must(tc.status, "POST", mp+"/uploads", map[string]any{"version": tc.version, "size": 10, "sha256": sha([]byte("x"))}).problem(t)
	}
	admin.must(400, "POST", mp+"/uploads", map[string]any{"version": "2.0.0", "size": 31 << 20, "sha256": sha([]byte("x"))}).problem(t)
	uploadAndProcess(t, admin, mp, "1.1.0-beta.1", validPkg(t, "1.1.0-beta.1"))
	var list struct{ Items []versionBody }
	admin.must(200, "GET", mp+"/versions", nil).decode(t, &list)
	if len(list.Items) != 2 || list.Items[0].Version != "1.1.0-beta.1" || list.Items[1].Version != "1.0.0" {
		t.Fatalf("versions %+v", list.Items)
	}

	// Trial: whitelisted testers only, ready versions only.
	tester := signIn(t, uniqueEmail("tester"))
	admin.must(403, "POST", mp+"/versions/1.0.0/trial", nil).problem(t)
	tester.must(404, "POST", mp+"/versions/1.0.0/trial", nil).problem(t)
	whitelist(t, admin, ws, tester)
	var trial struct {
		DownloadURL, SHA256, QRPayload string
		ExpiresAt                      time.Time
	}
	tester.must(200, "POST", mp+"/versions/1.0.0/trial", nil).decode(t, &trial)
	got := fetched(t, trial.DownloadURL)
	if sha(got) != sha(body) || trial.SHA256 != sha(body) || !strings.HasPrefix(trial.QRPayload, "mpdp://trial?") || time.Until(trial.ExpiresAt) > 15*time.Minute {
		t.Fatalf("trial %+v: downloaded %d bytes", trial, len(got))
	}
	startUpload(t, admin, mp, "2.0.0", validPkg(t, "2.0.0"))
	tester.must(409, "POST", mp+"/versions/2.0.0/trial", nil).problem(t)
	tester.must(404, "POST", mp+"/versions/9.9.9/trial", nil).problem(t)
}

func TestInvalidPackagesSayWhy(t *testing.T) {
	ws, admin := developerWorkspace(t)
	mp := miniProgram(t, admin, ws, "Invalid Shop")
	big := make([]byte, 2<<20+1024) // incompressible: a main package over 2 MB
	rand.NewChaCha8([32]byte{1}).Read(big)
	cases := []struct {
		name string
		body func(version string) []byte
		code string
	}{
		{"not a zip", func(string) []byte { return []byte("this is not a zip file at all") }, "not_a_zip"},
		{"manifest invalid", func(v string) []byte {
			return pkg(t, v, map[string]string{"app.json": `{"version":` + `"` + v + `"}`, "pages/index/index.js": "x"})
		}, "manifest_invalid"},
		{"version mismatch", func(v string) []byte {
			return pkg(t, v, map[string]string{"app.json": `{"version":"9.9.9","pages":["pages/index/index"]}`, "pages/index/index.js": "x"})
		}, "version_mismatch"},
		{"page missing", func(v string) []byte {
			return pkg(t, v, map[string]string{"app.json": `{"version":"` + v + `","pages":["pages/index/index","pages/cart/cart"]}`, "pages/index/index.js": "x"})
		}, "page_missing"},
		{"unsafe path", func(v string) []byte {
			return pkg(t, v, map[string]string{"pages/index/index.js": "x", "../../etc/passwd": "root"})
		}, "unsafe_path"},
		{"main package too large", func(v string) []byte {
			return pkg(t, v, map[string]string{"pages/index/index.js": "x", "static/blob.bin": string(big)})
		}, "main_package_too_large"},
		// A streaming unzipper (Java's ZipInputStream) reads the local headers,
		// not the central directory: these two were ready before.
		{"local header names another path", func(v string) []byte {
			data := pkg(t, v, map[string]string{"pages/index/index.js": "x", "static/x/evil.js": "evil()"})
			// The first occurrence is the local header's; the directory keeps the safe name.
			return bytes.Replace(data, []byte("static/x/evil.js"), []byte("../../../evil.js"), 1)
		}, "local_header_mismatch"},
		{"local entry missing from the directory", func(v string) []byte {
			data := pkg(t, v, map[string]string{"pages/index/index.js": "x"})
			name, body := "../../evil.so", []byte("\x7fELF")
			hidden := binary.LittleEndian.AppendUint32(nil, 0x04034b50)
			hidden = append(hidden, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0) // version, flags, Store, time, date
			hidden = binary.LittleEndian.AppendUint32(hidden, crc32.ChecksumIEEE(body))
			hidden = binary.LittleEndian.AppendUint32(hidden, uint32(len(body)))
			hidden = binary.LittleEndian.AppendUint32(hidden, uint32(len(body)))
			hidden = binary.LittleEndian.AppendUint16(hidden, uint16(len(name)))
			hidden = binary.LittleEndian.AppendUint16(hidden, 0)
			hidden = append(append(hidden, name...), body...)
			// Insert it before the central directory and move the end record's offset.
			end := len(data) - 22
			dirOff := binary.LittleEndian.Uint32(data[end+16:])
			out := slices.Concat(data[:dirOff], hidden, data[dirOff:])
			binary.LittleEndian.PutUint32(out[end+len(hidden)+16:], dirOff+uint32(len(hidden)))
			return out
		}, "unlisted_data"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			version := fmt.Sprintf("1.%d.0", i)
			v := uploadAndProcess(t, admin, mp, version, tc.body(version))
			if v.Status != "invalid" || !slices.Contains(v.codes(), tc.code) {
				t.Fatalf("status %s, problems %+v; want %s", v.Status, v.Report.Problems, tc.code)
			}
			for _, p := range v.Report.Problems {
				if p.Message == "" {
					t.Errorf("problem %s has no message", p.Code)
				}
			}
		})
	}
	// The rules the archive/zip writer needs help to break, built entry by entry.
	base := func(v string) map[string]string {
		return map[string]string{"app.json": `{"version":"` + v + `","pages":["pages/index/index"]}`, "pages/index/index.js": "x"}
	}
	raw := []struct {
		name  string
		extra func(zw *zip.Writer)
		code  string
	}{
		{"encrypted entry", func(zw *zip.Writer) {
			f, _ := zw.CreateHeader(&zip.FileHeader{Name: "secret.js", Method: zip.Deflate, Flags: 0x1})
			io.WriteString(f, "x")
		}, "encrypted_entry"},
		{"symlink", func(zw *zip.Writer) {
			h := &zip.FileHeader{Name: "link.js", Method: zip.Store}
			h.SetMode(os.ModeSymlink | 0o777)
			f, _ := zw.CreateHeader(h)
			io.WriteString(f, "/etc/passwd")
		}, "symlink"},
		{"duplicate path", func(zw *zip.Writer) {
			f, _ := zw.Create("pages/index/index.js")
			io.WriteString(f, "again")
		}, "duplicate_path"},
		{"too many entries", func(zw *zip.Writer) {
			for i := range 2001 {
				zw.Create(fmt.Sprintf("static/%04d.txt", i))
			}
		}, "too_many_entries"},
		{"compression ratio (zip bomb)", func(zw *zip.Writer) {
			f, _ := zw.Create("static/zeros.bin")
			f.Write(make([]byte, 20<<20))
		}, "compression_ratio"},
		{"corrupt entry", func(zw *zip.Writer) {
			f, _ := zw.CreateRaw(&zip.FileHeader{Name: "broken.js", Method: zip.Store, CRC32: 1, CompressedSize64: 5, UncompressedSize64: 5})
			io.WriteString(f, "hello")
		}, "corrupt_entry"},
	}
	for i, tc := range raw {
		t.Run(tc.name, func(t *testing.T) {
			version := fmt.Sprintf("2.%d.0", i)
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for name, content := range base(version) {
				f, _ := zw.Create(name)
				io.WriteString(f, content)
			}
			tc.extra(zw)
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			v := uploadAndProcess(t, admin, mp, version, buf.Bytes())
			if v.Status != "invalid" || !slices.Contains(v.codes(), tc.code) {
				t.Fatalf("status %s, problems %v; want %s", v.Status, v.codes(), tc.code)
			}
		})
	}
	t.Run("manifest missing", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		f, _ := zw.Create("pages/index/index.js")
		io.WriteString(f, "x")
		zw.Close()
		v := uploadAndProcess(t, admin, mp, "3.0.0", buf.Bytes())
		if v.Status != "invalid" || !slices.Contains(v.codes(), "manifest_missing") {
			t.Fatalf("status %s, problems %v", v.Status, v.codes())
		}
	})
	t.Run("checksum and size differ from the declared ones", func(t *testing.T) {
		declared := validPkg(t, "4.0.0")
		u := startUpload(t, admin, mp, "4.0.0", declared)
		other := validPkg(t, "4.0.0")
		other = append(other, 0) // one more byte (moto does not check the signed length or checksum)
		put(t, u, other)
		process(t)
		var v versionBody
		admin.must(200, "GET", mp+"/versions/4.0.0", nil).decode(t, &v)
		if v.Status != "invalid" || !slices.Contains(v.codes(), "size_mismatch") || !slices.Contains(v.codes(), "checksum_mismatch") {
			t.Fatalf("status %s, problems %v", v.Status, v.codes())
		}
	})
}

// Duplicate and late events never create versions or flip a final state.
func TestDuplicateEventsChangeNothing(t *testing.T) {
	ws, admin := developerWorkspace(t)
	mp := miniProgram(t, admin, ws, "Dup Shop")
	body := validPkg(t, "1.0.0")
	u := startUpload(t, admin, mp, "1.0.0", body)
	put(t, u, body)

	// Capture the event, then deliver it three times.
	q := sqs.NewFromConfig(env.AWS)
	out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &env.PackageQueueURL, MaxNumberOfMessages: 1, WaitTimeSeconds: 2})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("no event: %v", err)
	}
	event := aws.ToString(out.Messages[0].Body)
	q.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: &env.PackageQueueURL, ReceiptHandle: out.Messages[0].ReceiptHandle})
	for range 3 {
		q.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &env.PackageQueueURL, MessageBody: &event})
	}
	process(t)
	var first versionBody
	admin.must(200, "GET", mp+"/versions/1.0.0", nil).decode(t, &first)
	// Now overwrite the object with garbage and replay the event: the version stays ready.
	put(t, u, []byte("garbage"))
	q.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &env.PackageQueueURL, MessageBody: &event})
	process(t)
	var list struct{ Items []versionBody }
	admin.must(200, "GET", mp+"/versions", nil).decode(t, &list)
	if first.Status != "ready" || len(list.Items) != 1 || list.Items[0].Status != "ready" {
		t.Fatalf("after duplicates: first %s, now %+v", first.Status, list.Items)
	}
}

// A message that keeps failing ends in the dead-letter queue, and the version says why.
func TestPoisonMessageEndsInDeadLetterQueue(t *testing.T) {
	ws, admin := developerWorkspace(t)
	mp := miniProgram(t, admin, ws, "Poison Shop")
	body := validPkg(t, "1.0.0")
	u := startUpload(t, admin, mp, "1.0.0", body)
	put(t, u, body)
	// The object vanishes before the worker gets to it: every attempt fails.
	s3c := s3.NewFromConfig(env.AWS)
	key := strings.TrimPrefix(strings.SplitN(u.Upload.URL, "?", 2)[0], env.Emulator.Endpoint()+"/"+resources.Bucket.Name+"/")
	if _, err := s3c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &resources.Bucket.Name, Key: &key}); err != nil {
		t.Fatal(err)
	}
	for range resources.PackageQueue.MaxReceiveCount + 2 {
		process(t)
	}
	var v versionBody
	admin.must(200, "GET", mp+"/versions/1.0.0", nil).decode(t, &v)
	if v.Status != "invalid" || v.Failure == "" || !slices.Contains(v.codes(), "processing_failed") {
		t.Fatalf("version %+v", v)
	}
	q := sqs.NewFromConfig(env.AWS)
	dlq, err := q.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(resources.PackageQueue.DeadLetterName())})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl, MaxNumberOfMessages: 10})
	if len(out.Messages) != 1 || !strings.Contains(aws.ToString(out.Messages[0].Body), path.Base(key)) {
		t.Fatalf("dead-letter queue holds %d messages (want the one of %s): %s", len(out.Messages), key, aws.ToString(out.Messages[0].Body))
	}
	for _, m := range out.Messages {
		q.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: dlq.QueueUrl, ReceiptHandle: m.ReceiptHandle})
	}
}

func TestRevokedWorkspaceReadsButCannotUpload(t *testing.T) {
	ws, admin := developerWorkspace(t)
	mp := miniProgram(t, admin, ws, "Revoked Shop")
	tenant := tenantAdmin(t)
	var authz struct {
		Items []struct{ ID, WorkspaceID string }
	}
	tenant.must(200, "GET", "/v1/authorizations?limit=100", nil).decode(t, &authz)
	for _, a := range authz.Items {
		if a.WorkspaceID == ws {
			tenant.must(200, "DELETE", "/v1/authorizations/"+a.ID, nil)
		}
	}
	admin.must(200, "GET", mp, nil)
	admin.must(200, "GET", mp+"/versions", nil)
	body := validPkg(t, "1.0.0")
	p := admin.must(403, "POST", mp+"/uploads", map[string]any{"version": "1.0.0", "size": len(body), "sha256": sha(body)}).problem(t)
	if !strings.Contains(p.Detail, "revoked") {
		t.Fatalf("detail %q", p.Detail)
	}
}
