package main

// Package processor: throughput and peak memory (items 6 and 7 of the report).
//
// Each measured run is one real upload: a fresh mini program and version 1.0.0
// are written through the store (CreateMiniProgram, StartUpload, as the API's
// upload route does), the package is PUT to the incoming key, and the bucket's
// ObjectCreated notification is received from the package queue. Then, in turn
// (the order alternating between runs), the worker's Handle runs on that very
// message and a bare GetObject of the same object is streamed to io.Discard with
// the same SDK configuration. Both objects are deleted afterwards, so moto's
// memory does not grow with the runs. A fresh mini program per run lets every
// run upload the same bytes, since app.json's version must match the declared one.
//
// Peak memory is measured in separate processes (the procmem command): one
// upload per size, processed by a process that does nothing else. Its peak RSS
// is VmHWM, which procmem reads from /proc/self/status as it exits; the
// rusage ru_maxrss that wait4 returns is shown too, but on Linux it is floored
// at the bench's own peak RSS (exec keeps the high-water mark of the vforked
// parent image; golang/go#32054), so it cannot show a child's growth below that.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mpdp/platform/localstack/stack"
	"github.com/mpdp/platform/shared/bucket"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/packages"
	"github.com/mpdp/platform/shared/platform"
	"github.com/mpdp/platform/shared/processor"
)

// procSizes are the packages measured: each zip is at most this many bytes.
// 30 MiB is the platform's package limit (packages.DefaultLimits).
var procSizes = []int64{1 << 20, 10 << 20, 30 << 20}

const benchPackageVersion = "1.0.0"

type benchPackage struct {
	body     []byte
	sha256   string
	entries  int
	mainSize int64 // compressed bytes outside subpackages, as Validate counts them
}

// buildPackage builds a valid package of at most limit bytes: a tiny main package
// (app.json and one page) and subpackages of incompressible assets from a seeded
// PRNG, so the zip really is about limit bytes, and the main package stays far
// below its 2 MiB limit. Validate must accept it.
func buildPackage(limit int64) (benchPackage, error) {
	const blob = 1 << 20 // bytes per asset
	const perSub = 4     // assets per subpackage
	// Room for zip headers and deflate's stored-block framing (5 bytes per 64 KiB).
	payload := limit - 8<<10 - limit/512
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(limit))
	rng := rand.NewChaCha8(seed)
	page := []byte("Page({ data: {} })\n")
	files := map[string][]byte{"pages/index/index.js": page, "pages/index/index.wxml": []byte("<view>bench</view>\n")}
	var subs []packages.Subpackage
	for i := 0; payload > 0; i++ {
		root := fmt.Sprintf("sub%02d", i)
		subs = append(subs, packages.Subpackage{Root: root, Pages: []string{"index"}})
		files[root+"/index.js"] = page
		for j := 0; j < perSub && payload > 0; j++ {
			b := make([]byte, min(payload, blob))
			rng.Read(b)
			files[fmt.Sprintf("%s/assets/blob%d.bin", root, j)] = b
			payload -= int64(len(b))
		}
	}
	man, err := json.Marshal(packages.Manifest{Version: benchPackageVersion, Pages: []string{"pages/index/index"}, Subpackages: subs})
	if err != nil {
		return benchPackage{}, err
	}
	files[packages.ManifestName] = man
	var buf bytes.Buffer
	if err := packages.Build(&buf, files); err != nil {
		return benchPackage{}, err
	}
	body := buf.Bytes()
	if int64(len(body)) > limit {
		return benchPackage{}, fmt.Errorf("bench package is %d bytes, more than the %d intended", len(body), limit)
	}
	rep := packages.Validate(bytes.NewReader(body), int64(len(body)), benchPackageVersion, packages.DefaultLimits())
	if err := rep.Err(); err != nil {
		return benchPackage{}, fmt.Errorf("bench package of %d bytes: %w", len(body), err)
	}
	sum := sha256.Sum256(body)
	return benchPackage{body: body, sha256: hex.EncodeToString(sum[:]), entries: rep.Entries, mainSize: rep.MainBytes}, nil
}

type procResult struct {
	limit      int64
	pkg        benchPackage
	proc, bare []time.Duration
	mem        memUse
}

// memUse is what one procmem run reports, in bytes.
type memUse struct {
	hwm    int64 // VmHWM: the child's own peak RSS
	maxrss int64 // wait4's ru_maxrss (floored at the parent's peak RSS)
	heap   int64 // Go heap peak, sampled
}

type procMemory struct {
	idle     memUse // procmem handling a message with no records
	sizes    []procResult
	benchHWM int64 // this process's own peak RSS, the floor of every maxrss
	took     time.Duration
}

// procBench runs the throughput runs in this process and the memory runs in procmem.
func procBench(ctx context.Context, s *stack.Stack, procmem string, env []string, runs int) (procMemory, error) {
	began := time.Now()
	quiet := func(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = true } // as platform.NewProcessor's client
	u := &uploader{s: s, s3: s3.NewFromConfig(s.AWS, quiet), sqs: sqs.NewFromConfig(s.AWS),
		worker: platform.NewProcessor(s.AWS, s.Config, slog.New(slog.DiscardHandler))}
	var out procMemory
	if err := u.drainQueue(ctx); err != nil {
		return out, err
	}
	for _, limit := range procSizes {
		pkg, err := buildPackage(limit)
		if err != nil {
			return out, err
		}
		out.sizes = append(out.sizes, procResult{limit: limit, pkg: pkg})
	}

	// Throughput: one untimed warm-up run, then runs per size.
	if _, _, err := u.run(ctx, out.sizes[0].pkg, false); err != nil {
		return out, fmt.Errorf("warm-up: %w", err)
	}
	for i := range out.sizes {
		r := &out.sizes[i]
		for k := range runs {
			p, b, err := u.run(ctx, r.pkg, k%2 == 1)
			if err != nil {
				return out, fmt.Errorf("%s package, run %d: %w", mib(r.limit), k+1, err)
			}
			r.proc, r.bare = append(r.proc, p), append(r.bare, b)
		}
	}

	// Peak memory: one procmem process per size, and one with nothing to process.
	idle, err := json.Marshal(events.SQSMessage{MessageId: "bench-idle", Body: `{"Records":[]}`,
		Attributes: map[string]string{"ApproximateReceiveCount": "1"}})
	if err != nil {
		return out, err
	}
	if out.idle, err = runProcmem(ctx, procmem, env, idle); err != nil {
		return out, fmt.Errorf("procmem, no records: %w", err)
	}
	for i := range out.sizes {
		r := &out.sizes[i]
		v, msg, err := u.upload(ctx, r.pkg)
		if err != nil {
			return out, err
		}
		in, err := json.Marshal(msg)
		if err != nil {
			return out, err
		}
		if r.mem, err = runProcmem(ctx, procmem, env, in); err != nil {
			return out, fmt.Errorf("procmem, %s package: %w", mib(r.limit), err)
		}
		if err := u.finish(ctx, v, msg); err != nil {
			return out, fmt.Errorf("procmem, %s package: %w", mib(r.limit), err)
		}
	}
	out.benchHWM, _ = vmHWM() // 0 (shown as n/a) where there is no /proc
	out.took = time.Since(began)
	return out, nil
}

// runProcmem runs procmem on one message and returns what it used.
func runProcmem(ctx context.Context, bin string, env []string, msg []byte) (memUse, error) {
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = env
	cmd.Stdin = bytes.NewReader(msg)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return memUse{}, fmt.Errorf("%w\n%s%s", err, stdout.String(), stderr.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return memUse{}, errors.New("no rusage for procmem")
	}
	var res struct {
		HeapPeakBytes int64 `json:"heapPeakBytes"`
		VMHWMBytes    int64 `json:"vmHWMBytes"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &res); err != nil {
		return memUse{}, fmt.Errorf("procmem output %q: %w", stdout.String(), err)
	}
	if res.VMHWMBytes <= 0 {
		return memUse{}, fmt.Errorf("procmem reported no VmHWM: %s", stdout.String())
	}
	return memUse{hwm: res.VMHWMBytes, maxrss: ru.Maxrss * 1024, heap: res.HeapPeakBytes}, nil // Maxrss is in KiB on Linux
}

// vmHWM reads this process's peak resident set size (Linux).
func vmHWM() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
}

// uploader makes uploads the way a developer's client does and processes them.
type uploader struct {
	s      *stack.Stack
	s3     *s3.Client
	sqs    *sqs.Client
	worker *processor.Worker
	seq    int
}

// run uploads pkg, then times the worker's Handle on the upload's S3 event and
// a bare GetObject of the same object to io.Discard (bare first if bareFirst).
func (u *uploader) run(ctx context.Context, pkg benchPackage, bareFirst bool) (proc, bare time.Duration, err error) {
	v, msg, err := u.upload(ctx, pkg)
	if err != nil {
		return 0, 0, err
	}
	ops := []func() error{
		func() error {
			t0 := time.Now()
			resp, err := u.worker.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{msg}})
			proc = time.Since(t0)
			if err == nil && len(resp.BatchItemFailures) > 0 {
				err = errors.New("the worker reported the message as failed")
			}
			return err
		},
		func() error {
			t0 := time.Now()
			out, err := u.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &u.s.Config.BucketName, Key: aws.String(bucket.IncomingKey(v))})
			if err != nil {
				return err
			}
			n, err := io.Copy(io.Discard, out.Body)
			out.Body.Close()
			bare = time.Since(t0)
			if err == nil && n != int64(len(pkg.body)) {
				err = fmt.Errorf("GetObject returned %d bytes, want %d", n, len(pkg.body))
			}
			return err
		},
	}
	if bareFirst {
		ops[0], ops[1] = ops[1], ops[0]
	}
	for _, op := range ops {
		if err := op(); err != nil {
			return 0, 0, err
		}
	}
	return proc, bare, u.finish(ctx, v, msg)
}

// upload creates a mini program and an uploading version for pkg through the
// store, PUTs the package to the version's incoming key, and returns the S3 event
// message that arrives on the package queue for it.
func (u *uploader) upload(ctx context.Context, pkg benchPackage) (domain.PackageVersion, events.SQSMessage, error) {
	u.seq++
	now := time.Now().UTC()
	mp := domain.MiniProgram{ID: domain.NewID("mp"), WorkspaceID: domain.TenantWorkspaceID,
		Name: fmt.Sprintf("Bench package %d", u.seq), Category: "tools", CreatedBy: u.s.Admin.ID,
		CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := u.s.Store.CreateMiniProgram(ctx, mp); err != nil {
		return domain.PackageVersion{}, events.SQSMessage{}, fmt.Errorf("create mini program: %w", err)
	}
	v := domain.PackageVersion{ID: domain.NewID("ver"), MiniProgramID: mp.ID, WorkspaceID: mp.WorkspaceID,
		Version: benchPackageVersion, Status: domain.VersionUploading, Size: int64(len(pkg.body)), SHA256: pkg.sha256,
		UploadedBy: u.s.Admin.ID, CreatedAt: now, ExpiresAt: now.Add(domain.UploadTTL), Revision: 1}
	if err := u.s.Store.StartUpload(ctx, mp, v); err != nil {
		return v, events.SQSMessage{}, fmt.Errorf("start upload: %w", err)
	}
	key := bucket.IncomingKey(v)
	_, err := u.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &u.s.Config.BucketName, Key: &key,
		Body: bytes.NewReader(pkg.body), ContentLength: aws.Int64(int64(len(pkg.body))), ContentType: aws.String("application/zip")})
	if err != nil {
		return v, events.SQSMessage{}, fmt.Errorf("put %s: %w", key, err)
	}
	msg, err := u.receive(ctx, key)
	return v, msg, err
}

// receive waits for the ObjectCreated message for key; any other message on the
// queue (the bench processes one upload at a time) is deleted.
func (u *uploader) receive(ctx context.Context, key string) (events.SQSMessage, error) {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		out, err := u.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &u.s.PackageQueueURL, MaxNumberOfMessages: 10,
			WaitTimeSeconds: 1, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
		if err != nil {
			return events.SQSMessage{}, fmt.Errorf("receive: %w", err)
		}
		var found *events.SQSMessage
		for _, m := range out.Messages {
			if found == nil && eventKey(aws.ToString(m.Body)) == key {
				found = &events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
					Body: aws.ToString(m.Body), Attributes: m.Attributes, EventSource: "aws:sqs"}
				continue
			}
			if _, err := u.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &u.s.PackageQueueURL, ReceiptHandle: m.ReceiptHandle}); err != nil {
				return events.SQSMessage{}, fmt.Errorf("delete message: %w", err)
			}
		}
		if found != nil {
			return *found, nil
		}
	}
	return events.SQSMessage{}, fmt.Errorf("no S3 event for %s arrived on the package queue within 15 s", key)
}

// drainQueue deletes whatever is on the package queue (say, S3's test event).
func (u *uploader) drainQueue(ctx context.Context) error {
	for {
		out, err := u.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &u.s.PackageQueueURL, MaxNumberOfMessages: 10})
		if err != nil || len(out.Messages) == 0 {
			return err
		}
		for _, m := range out.Messages {
			if _, err := u.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &u.s.PackageQueueURL, ReceiptHandle: m.ReceiptHandle}); err != nil {
				return err
			}
		}
	}
}

// eventKey is the (first) object key an S3 event notification names.
func eventKey(body string) string {
	var ev struct {
		Records []struct {
			S3 struct {
				Object struct {
					Key string `json:"key"`
				} `json:"object"`
			} `json:"s3"`
		} `json:"Records"`
	}
	if json.Unmarshal([]byte(body), &ev) != nil || len(ev.Records) == 0 {
		return ""
	}
	k := ev.Records[0].S3.Object.Key
	if unescaped, err := url.QueryUnescape(k); err == nil {
		return unescaped
	}
	return k
}

// finish checks that the version ended ready, then deletes the message and both
// objects so that the emulator's memory does not grow with the runs.
func (u *uploader) finish(ctx context.Context, v domain.PackageVersion, msg events.SQSMessage) error {
	got, err := u.s.Store.GetVersion(ctx, v.MiniProgramID, v.Version)
	if err != nil {
		return fmt.Errorf("read version: %w", err)
	}
	if got.Status != domain.VersionReady {
		return fmt.Errorf("version ended %s, not ready: %s %s", got.Status, got.Failure, got.Report)
	}
	if _, err := u.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &u.s.PackageQueueURL, ReceiptHandle: &msg.ReceiptHandle}); err != nil {
		return fmt.Errorf("delete message: %w", err)
	}
	for _, key := range []string{bucket.IncomingKey(v), bucket.PackageKey(v)} {
		if _, err := u.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &u.s.Config.BucketName, Key: aws.String(key)}); err != nil {
			return fmt.Errorf("delete %s: %w", key, err)
		}
	}
	return nil
}

// mib formats a byte count in MiB: "30 MiB", or "29.93 MiB".
func mib(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
}

// mibps is a throughput in MiB/s.
func mibps(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / (1 << 20) / d.Seconds()
}

func reportProcessor(p func(string, ...any), runs int, r procMemory) {
	p("Package processor throughput (one upload processed end to end by the worker's Handle: S3 download to a")
	p("temp file while hashing, Validate, copy to packages/, two DynamoDB writes; median of %d runs per size,", runs)
	p("each interleaved with a bare GetObject of the same object to io.Discard, same SDK config)")
	p("  %-32s %14s %16s %18s", "package (zip bytes, entries)", "processor", "bare GetObject", "processor / bare")
	for _, s := range r.sizes {
		n := int64(len(s.pkg.body))
		pm, bm := percentile(s.proc, 50), percentile(s.bare, 50)
		p("  %-32s %8.1f MiB/s %10.1f MiB/s %17.2f×", fmt.Sprintf("%-6s (%s, %d)", mib(s.limit), mib(n), s.pkg.entries),
			mibps(n, pm), mibps(n, bm), float64(bm)/float64(pm))
	}
	p("  (processor / bare is the throughput ratio; MiB = 2^20 bytes; every package passed packages.Validate before")
	p("  the runs, its bulk incompressible seeded-random assets in subpackages, its main package %.1f KiB)", float64(r.sizes[0].pkg.mainSize)/1024)
	p("")
	p("Package processor peak memory (one processing per size, each in its own procmem process configured from")
	p("the environment like functions/processor; peak RSS is the child's VmHWM, read as it exits; Go heap sampled every 1 ms)")
	p("  %-32s %14s %14s %16s", "", "peak RSS", "Go heap peak", "rusage Maxrss")
	row := func(name string, m memUse) {
		p("  %-32s %14s %14s %16s", name, mib1(m.hwm), mib1(m.heap), mib1(m.maxrss))
	}
	row("no records (process baseline)", r.idle)
	for _, s := range r.sizes {
		row(mib(s.limit)+" package", s.mem)
	}
	first, last := r.sizes[0].mem, r.sizes[len(r.sizes)-1].mem
	rssRatio := float64(last.hwm) / float64(first.hwm)
	verdict := "PASS"
	if rssRatio > 1.5 {
		verdict = "OVER"
	}
	p("  %-32s %13.2f× %13.2f× %15.2f×", fmt.Sprintf("ratio %s / %s", mib(r.sizes[len(r.sizes)-1].limit), mib(r.sizes[0].limit)),
		rssRatio, float64(last.heap)/float64(first.heap), float64(last.maxrss)/float64(first.maxrss))
	p("  %s: peak RSS of the 30 MiB package is %.2f× that of the 1 MiB one (must not grow with package size: ≤ 1.5×)", verdict, rssRatio)
	p("  (rusage Maxrss, from cmd.ProcessState.SysUsage, is never below the bench process's own peak RSS, %s here:", mib1(r.benchHWM))
	p("  on Linux exec keeps the high-water mark of the vforked parent image, golang/go#32054; so VmHWM is the measure)")
}

func mib1(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
