package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/packages"
)

type target struct{ workspace, miniprogram string }

// addTargetFlags adds --workspace and --miniprogram (with env fallbacks).
func addTargetFlags(cmd *cobra.Command, t *target) {
	cmd.Flags().StringVarP(&t.workspace, "workspace", "w", "", "workspace id, like ws_123 (env MPDP_WORKSPACE)")
	cmd.Flags().StringVarP(&t.miniprogram, "miniprogram", "m", "", "mini program id, like mp_456 (env MPDP_MINIPROGRAM)")
}

func (c *cli) resolveTarget(t target) (target, error) {
	t.workspace = firstNonEmpty(t.workspace, c.getenv("MPDP_WORKSPACE"))
	t.miniprogram = firstNonEmpty(t.miniprogram, c.getenv("MPDP_MINIPROGRAM"))
	var missing []string
	if t.workspace == "" {
		missing = append(missing, "--workspace")
	}
	if t.miniprogram == "" {
		missing = append(missing, "--miniprogram")
	}
	if len(missing) > 0 {
		return t, usageErr(errorf("missing %s", strings.Join(missing, " and ")))
	}
	return t, nil
}

type uploadOptions struct {
	target
	version string
	timeout time.Duration
	noWait  bool
}

func (c *cli) uploadCommand() *cobra.Command {
	o := uploadOptions{timeout: 5 * time.Minute}
	cmd := &cobra.Command{
		Use:   "upload PATH --workspace WS --miniprogram MP [--version V]",
		Short: "Validate, upload and process a mini program package",
		Long: `Upload a package: PATH is the mini program's directory (zipped deterministically,
so the same files always give the same SHA-256) or a .zip file.

The package is first validated locally with the platform's own rules; if it is
invalid, every problem is printed and nothing is uploaded (exit 3). The version
defaults to app.json's. The package then goes straight to storage through a
presigned URL, and mpdp waits (up to --timeout) for the platform to process it
and prints its report.

Running the same command again is safe: the upload request carries an
Idempotency-Key derived from the workspace, mini program, version and SHA-256,
and a version already uploaded with the same content is not uploaded twice.

Exit codes: 0 ready, 1 invalid (report printed), 2 usage/auth/network/API error,
3 local validation failed, 4 timed out waiting.`,
		Example: `  # Upload the directory ./dist with app.json's version
  mpdp upload ./dist --workspace ws_123 --miniprogram mp_456

  # Upload a zip, declaring its version, and wait at most 10 minutes
  mpdp upload build/app.zip -w ws_123 -m mp_456 --version 1.4.0 --timeout 10m

  # CI: settings from the environment, JSON result on stdout
  MPDP_WORKSPACE=ws_123 MPDP_MINIPROGRAM=mp_456 mpdp upload ./dist --json > result.json`,
		Args: exactArgs(1, "one PATH (a directory or a .zip file)"),
		RunE: func(cmd *cobra.Command, args []string) error { return c.upload(cmd.Context(), args[0], o) },
	}
	addTargetFlags(cmd, &o.target)
	f := cmd.Flags()
	f.StringVar(&o.version, "version", "", "version to upload (default: app.json's version; must match it)")
	f.DurationVar(&o.timeout, "timeout", o.timeout, "how long to wait for the platform to process the package")
	f.BoolVar(&o.noWait, "no-wait", false, "exit after the upload without waiting for processing")
	return cmd
}

// localPackage is the zip to upload, on disk.
type localPackage struct {
	path    string
	size    int64
	sha256  string
	version string
	report  packages.Report
	cleanup func()
}

// preparePackage zips a directory (or takes a .zip), validates it and hashes it.
func (c *cli) preparePackage(path, version string) (*localPackage, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, usageErr(fmt.Errorf("PATH: %w", err))
	}
	pkg := &localPackage{path: path, cleanup: func() {}}
	switch {
	case fi.IsDir():
		tmp, err := os.CreateTemp("", "mpdp-*.zip")
		if err != nil {
			return nil, err
		}
		pkg.path, pkg.cleanup = tmp.Name(), func() { os.Remove(tmp.Name()) }
		bw := bufio.NewWriterSize(tmp, 64<<10)
		err = packages.ZipDir(path, bw)
		if err == nil {
			err = bw.Flush()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			pkg.cleanup()
			return nil, withCode(exitLocalInvalid, fmt.Errorf("cannot package %s: %w", path, err))
		}
	case fi.Mode().IsRegular() && strings.EqualFold(filepath.Ext(path), ".zip"):
	default:
		return nil, usageErr(errorf("PATH %s must be a directory or a .zip file", path))
	}

	f, err := os.Open(pkg.path)
	if err != nil {
		pkg.cleanup()
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		pkg.cleanup()
		return nil, err
	}
	pkg.size = fi.Size()
	pkg.report = packages.Validate(f, pkg.size, version, packages.DefaultLimits())
	pkg.version = version
	if pkg.version == "" && pkg.report.Manifest != nil {
		pkg.version = pkg.report.Manifest.Version
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, pkg.size)); err != nil {
		pkg.cleanup()
		return nil, err
	}
	pkg.sha256 = hex.EncodeToString(h.Sum(nil))
	return pkg, nil
}

// idempotencyKey is the same for the same upload, so a retried command replays
// the first answer instead of creating again. salt renews it (see upload).
func idempotencyKey(ws, mp, version, sha, salt string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{ws, mp, version, sha, salt}, "\n")))
	return "mpdp-upload:" + hex.EncodeToString(sum[:20])
}

// presignedUpload is the answer of POST .../uploads.
type presignedUpload struct {
	VersionID      string                `json:"versionId"`
	PackageVersion domain.PackageVersion `json:"packageVersion"`
	Upload         struct {
		URL       string            `json:"url"`
		Method    string            `json:"method"`
		Headers   map[string]string `json:"headers"`
		ExpiresAt time.Time         `json:"expiresAt"`
	} `json:"upload"`
}

func (c *cli) upload(ctx context.Context, path string, o uploadOptions) error {
	t, err := c.resolveTarget(o.target)
	if err != nil {
		return err
	}
	if o.timeout <= 0 {
		return usageErr(errorf("--timeout must be positive"))
	}
	pkg, err := c.preparePackage(path, o.version)
	if err != nil {
		return err
	}
	defer pkg.cleanup()
	if !pkg.report.Valid {
		c.printLocalReport(pkg.report)
		return quietExit(exitLocalInvalid, errorf("the package is invalid"))
	}
	c.logf("package %s: version %s, %s, %d entries, sha256 %s", path, pkg.version, humanSize(pkg.size), pkg.report.Entries, pkg.sha256[:12])

	api, err := c.apiClient()
	if err != nil {
		return err
	}
	base := miniProgramPath(t.workspace, t.miniprogram)

	// Already uploaded? Then never upload again: wait for (or show) its result.
	existing, _, err := getVersion(ctx, api, base, pkg.version)
	var upload bool
	switch p, _ := errors.AsType[*apiError](err); {
	case p != nil && p.Status == http.StatusNotFound:
		upload = true
	case err != nil:
		return err
	case existing.Status == domain.VersionUploading || existing.Status == domain.VersionExpired:
		upload = true
	case existing.SHA256 != pkg.sha256:
		return errorf("version %s was already uploaded with different content (status %s); a version cannot be replaced: raise the version in app.json", pkg.version, existing.Status)
	default:
		c.logf("version %s was already uploaded with this content (status %s); not uploading it again", pkg.version, existing.Status)
	}

	if upload {
		up, err := c.startUpload(ctx, api, base, t, pkg)
		if err != nil {
			return err
		}
		if err := c.putPackage(ctx, up, pkg); err != nil {
			return err
		}
		if o.noWait {
			if c.opts.json {
				return writeJSON(c.stdout, map[string]any{"versionId": up.VersionID, "version": pkg.version, "status": "uploaded"})
			}
			fmt.Fprintf(c.stdout, "version %s uploaded; check its status with: mpdp status -w %s -m %s %s\n", pkg.version, t.workspace, t.miniprogram, pkg.version)
			return nil
		}
	}

	v, raw, err := c.waitProcessed(ctx, api, base, t, pkg.version, o.timeout)
	if err != nil {
		return err
	}
	if err := c.printVersion(v, raw); err != nil {
		return err
	}
	if v.Status == domain.VersionInvalid {
		return quietExit(exitInvalid, errorf("version %s is invalid", v.Version))
	}
	return nil
}

// startUpload asks the API for a presigned URL, retrying what is safe to retry.
func (c *cli) startUpload(ctx context.Context, api *apiClient, base string, t target, pkg *localPackage) (*presignedUpload, error) {
	in := map[string]any{"version": pkg.version, "size": pkg.size, "sha256": pkg.sha256}
	salt := ""
	for renewals := 0; ; renewals++ {
		key := idempotencyKey(t.workspace, t.miniprogram, pkg.version, pkg.sha256, salt)
		var up presignedUpload
		var res *http.Response
		err := c.retry(ctx, "asking for an upload URL", func() error {
			var err error
			res, _, err = api.call(ctx, http.MethodPost, base+"/uploads", nil, in, http.Header{"Idempotency-Key": {key}}, &up)
			return err
		})
		if err != nil {
			return nil, err
		}
		// A replayed answer (the command was run before) may hold a URL that
		// expired since: ask again under a key renewed with that expiry, which
		// a concurrent retry derives the same way.
		if res.Header.Get("Idempotent-Replayed") == "true" && !up.Upload.ExpiresAt.After(c.now().Add(time.Minute)) && renewals < 3 {
			c.logf("the upload URL from an earlier run has expired; asking for a new one")
			salt = up.Upload.ExpiresAt.UTC().Format(time.RFC3339Nano)
			continue
		}
		if up.Upload.URL == "" {
			return nil, errorf("the API answered without an upload URL")
		}
		return &up, nil
	}
}

// retry runs f up to 3 times while it fails transiently.
func (c *cli) retry(ctx context.Context, what string, f func() error) error {
	delay := time.Second
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil || attempt == 3 || !transient(err) {
			return err
		}
		c.logf("%s failed (%v); retrying in %s", what, err, delay)
		if err := c.sleep(ctx, delay); err != nil {
			return err
		}
		delay *= 2
	}
}

// putPackage sends the zip to the presigned URL with exactly the signed
// headers, streaming it from disk.
func (c *cli) putPackage(ctx context.Context, up *presignedUpload, pkg *localPackage) error {
	if n, ok := up.Upload.Headers["Content-Length"]; ok && n != strconv.FormatInt(pkg.size, 10) {
		return errorf("the API signed a length of %s bytes, but the package has %d", n, pkg.size)
	}
	method := firstNonEmpty(up.Upload.Method, http.MethodPut)
	prog := newProgress(c.stderr, c.isTerminal(c.stderr) && !c.opts.json, pkg.size, c.now)
	prog.Start()
	first := true
	err := c.retry(ctx, "the upload", func() error {
		if !first {
			prog.Reset()
		}
		first = false
		err := c.putOnce(ctx, method, up, pkg, prog)
		if err != nil {
			prog.Break()
		}
		return err
	})
	prog.Finish(err)
	return err
}

// putOnce is one attempt of the PUT.
func (c *cli) putOnce(ctx context.Context, method string, up *presignedUpload, pkg *localPackage, prog *progress) error {
	f, err := os.Open(pkg.path)
	if err != nil {
		return err
	}
	defer f.Close()
	req, err := http.NewRequestWithContext(ctx, method, up.Upload.URL, io.NopCloser(io.TeeReader(f, prog)))
	if err != nil {
		return fmt.Errorf("bad upload URL: %w", err)
	}
	req.ContentLength = pkg.size
	for k, v := range up.Upload.Headers {
		if !strings.EqualFold(k, "Content-Length") && !strings.EqualFold(k, "Host") {
			req.Header.Set(k, v)
		}
	}
	res, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return &networkError{url: "the storage service (" + hostOf(up.Upload.URL) + ")", err: unwrapURLError(err)}
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode/100 != 2 {
		return storageError(res, body)
	}
	return nil
}

// storageError explains a refused PUT (S3 answers with an XML error).
func storageError(res *http.Response, body []byte) error {
	var e struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	detail := strings.TrimSpace(string(body))
	if xml.Unmarshal(body, &e) == nil && e.Code != "" {
		detail = e.Code + ": " + e.Message
	}
	if len(detail) > 300 {
		detail = detail[:300] + "…"
	}
	p := &apiError{Status: res.StatusCode, Title: "storage refused the upload", Detail: detail}
	if res.StatusCode == http.StatusForbidden {
		p.Detail += " (the upload URL may have expired: run the command again)"
	}
	return p
}

func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Host
	}
	return "?"
}

// getVersion reads one version, returning its raw JSON too.
func getVersion(ctx context.Context, api *apiClient, base, version string) (domain.PackageVersion, json.RawMessage, error) {
	var v domain.PackageVersion
	_, raw, err := api.call(ctx, http.MethodGet, base+"/versions/"+url.PathEscape(version), nil, nil, nil, &v)
	return v, raw, err
}

// pollInterval is the first wait between polls; it grows to maxPollInterval.
const (
	pollInterval    = time.Second
	maxPollInterval = 5 * time.Second
)

// waitProcessed polls the version until it is ready or invalid, or timeout passes.
func (c *cli) waitProcessed(ctx context.Context, api *apiClient, base string, t target, version string, timeout time.Duration) (domain.PackageVersion, json.RawMessage, error) {
	deadline := c.now().Add(timeout)
	interval := pollInterval
	var last domain.VersionStatus
	var lastErr error
	for {
		v, raw, err := getVersion(ctx, api, base, version)
		switch {
		case err != nil && !transient(err):
			return v, raw, err
		case err != nil:
			if lastErr == nil {
				c.logf("reading the version failed (%v); still trying", err)
			}
			lastErr = err
		case v.Status.Final():
			return v, raw, nil
		case v.Status == domain.VersionExpired:
			return v, raw, errorf("version %s: the upload URL expired before the package arrived; run the command again", version)
		default:
			lastErr = nil
			if v.Status != last {
				c.logf("waiting for the platform: version %s is %s", version, v.Status)
				last = v.Status
			}
		}
		remaining := deadline.Sub(c.now())
		if remaining <= 0 {
			why := "status " + string(last)
			if lastErr != nil {
				why = "last error: " + lastErr.Error()
			}
			return v, raw, withCode(exitTimeout, errorf("timed out after %s waiting for version %s to be processed (%s); check later with: mpdp status -w %s -m %s %s",
				timeout, version, why, t.workspace, t.miniprogram, version))
		}
		if err := c.sleep(ctx, min(interval, remaining)); err != nil {
			return v, raw, err
		}
		interval = min(interval*3/2, maxPollInterval)
	}
}

// logf prints a progress line on stderr (never on stdout, which is for results).
func (c *cli) logf(format string, args ...any) {
	fmt.Fprintf(c.stderr, format+"\n", args...)
}
