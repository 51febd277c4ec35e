package main

// Package processor: peak memory, the last goal of the report.
//
// Each size is one real upload, processed in a process of its own (procmem)
// that does nothing else: a fresh mini program and an upload of version 1.0.0
// are created through the API (as the developer workspace's admin), the
// package is PUT to the presigned URL, the bucket's ObjectCreated
// notification is received from the package queue and handed to procmem, which
// runs the worker's Handle on it and reports its own peak RSS (VmHWM, read from
// /proc/self/status as it exits; the parent's rusage cannot show it, since on
// Linux a child's ru_maxrss is floored at the parent's peak, golang/go#32054).
// A fresh mini program per size lets every package carry version 1.0.0. Both
// objects are deleted afterwards, so moto's memory does not grow with the runs.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mpdp/platform/shared/bucket"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/packages"
	"github.com/mpdp/platform/shared/processor"
)

const benchPackageVersion = "1.0.0"

type benchPackage struct {
	body    []byte
	sha256  string
	entries int
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
	return benchPackage{body: body, sha256: hex.EncodeToString(sum[:]), entries: rep.Entries}, nil
}

type procResult struct {
	limit int64
	pkg   benchPackage
	mem   memUse
}

// memUse is what one procmem run reports.
type memUse struct {
	hwm     int64 // VmHWM: the process's own peak RSS, bytes
	heap    int64 // Go heap peak, sampled, bytes
	seconds float64
}

type procMemory struct {
	idle  memUse // procmem handling a message with no records
	sizes []procResult
	took  time.Duration
}

// ratio is the peak RSS of the largest package over that of the smallest.
func (r procMemory) ratio() float64 {
	return float64(r.sizes[len(r.sizes)-1].mem.hwm) / float64(r.sizes[0].mem.hwm)
}

// procBench runs procmem once with nothing to process and once per size (MiB).
func procBench(ctx context.Context, sc *scenario, procmem string, env []string, sizesMiB []int64) (procMemory, error) {
	began := time.Now()
	quiet := func(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = true } // as workers.NewProcessor's client
	u := &uploader{sc: sc, s3: s3.NewFromConfig(sc.s.AWS, quiet), sqs: sqs.NewFromConfig(sc.s.AWS)}
	var out procMemory
	if err := u.drainQueue(ctx); err != nil {
		return out, err
	}
	idle, err := json.Marshal(events.SQSMessage{MessageId: "bench-idle", Body: `{"Records":[]}`,
		Attributes: map[string]string{"ApproximateReceiveCount": "1"}})
	if err != nil {
		return out, err
	}
	if out.idle, err = runProcmem(ctx, procmem, env, idle); err != nil {
		return out, fmt.Errorf("procmem, no records: %w", err)
	}
	for _, m := range sizesMiB {
		r := procResult{limit: m << 20}
		if r.pkg, err = buildPackage(r.limit); err != nil {
			return out, err
		}
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
		out.sizes = append(out.sizes, r)
	}
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
	var res struct {
		HeapPeakBytes int64   `json:"heapPeakBytes"`
		VMHWMBytes    int64   `json:"vmHWMBytes"`
		Seconds       float64 `json:"seconds"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &res); err != nil {
		return memUse{}, fmt.Errorf("procmem output %q: %w", stdout.String(), err)
	}
	if res.VMHWMBytes <= 0 {
		return memUse{}, fmt.Errorf("procmem reported no VmHWM: %s", stdout.String())
	}
	return memUse{hwm: res.VMHWMBytes, heap: res.HeapPeakBytes, seconds: res.Seconds}, nil
}

// uploader uploads packages as a developer's client does: a fresh mini program
// and an upload started through the API, the package PUT to the presigned URL.
type uploader struct {
	sc  *scenario
	s3  *s3.Client
	sqs *sqs.Client
	seq int
}

// upload creates a mini program and starts an upload of pkg as version 1.0.0
// through the API, PUTs the package to the presigned URL, and returns the
// version and the S3 event message that arrives on the package queue for it.
func (u *uploader) upload(ctx context.Context, pkg benchPackage) (domain.PackageVersion, events.SQSMessage, error) {
	u.seq++
	sc := u.sc
	var mp struct{ ID string }
	if _, err := sc.api.call("POST", "/v1/workspaces/"+sc.ws+"/miniprograms", sc.dev,
		map[string]string{"name": fmt.Sprintf("Bench package %d", u.seq), "category": "tools"}, http.StatusCreated, &mp); err != nil {
		return domain.PackageVersion{}, events.SQSMessage{}, err
	}
	var up struct {
		Version domain.PackageVersion `json:"packageVersion"`
		Upload  struct {
			URL, Method string
			Headers     map[string]string
		}
	}
	if _, err := sc.api.call("POST", "/v1/workspaces/"+sc.ws+"/miniprograms/"+mp.ID+"/uploads", sc.dev,
		map[string]any{"version": benchPackageVersion, "size": len(pkg.body), "sha256": pkg.sha256}, http.StatusCreated, &up); err != nil {
		return domain.PackageVersion{}, events.SQSMessage{}, err
	}
	if err := putPresigned(ctx, up.Upload.URL, up.Upload.Method, up.Upload.Headers, pkg.body); err != nil {
		return up.Version, events.SQSMessage{}, err
	}
	msg, err := u.receive(ctx, bucket.IncomingKey(up.Version))
	return up.Version, msg, err
}

// receive waits for the ObjectCreated message for key; any other message on the
// queue (the bench processes one upload at a time) is deleted.
func (u *uploader) receive(ctx context.Context, key string) (events.SQSMessage, error) {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		out, err := u.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &u.sc.s.PackageQueueURL, MaxNumberOfMessages: 10,
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
			if _, err := u.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &u.sc.s.PackageQueueURL, ReceiptHandle: m.ReceiptHandle}); err != nil {
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
		out, err := u.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &u.sc.s.PackageQueueURL, MaxNumberOfMessages: 10})
		if err != nil || len(out.Messages) == 0 {
			return err
		}
		for _, m := range out.Messages {
			if _, err := u.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &u.sc.s.PackageQueueURL, ReceiptHandle: m.ReceiptHandle}); err != nil {
				return err
			}
		}
	}
}

// eventKey is the (first) object key an S3 event notification names, read as
// the package processor reads it; "" for anything else.
func eventKey(body string) string {
	keys, err := processor.ObjectKeys(body)
	if err != nil || len(keys) == 0 {
		return ""
	}
	return keys[0]
}

// finish checks through the API that the version ended ready, then deletes the
// message and both objects so that the emulator's memory does not grow.
func (u *uploader) finish(ctx context.Context, v domain.PackageVersion, msg events.SQSMessage) error {
	var got struct{ Status, Failure string }
	if _, err := u.sc.api.call("GET", "/v1/workspaces/"+v.WorkspaceID+"/miniprograms/"+v.MiniProgramID+"/versions/"+v.Version,
		u.sc.dev, nil, http.StatusOK, &got); err != nil {
		return err
	}
	if got.Status != "ready" {
		return fmt.Errorf("version ended %s, not ready: %s", got.Status, got.Failure)
	}
	queue := u.sc.s.PackageQueueURL
	if _, err := u.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &queue, ReceiptHandle: &msg.ReceiptHandle}); err != nil {
		return fmt.Errorf("delete message: %w", err)
	}
	for _, key := range []string{bucket.IncomingKey(v), bucket.PackageKey(v)} {
		if _, err := u.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &u.sc.s.Config.BucketName, Key: aws.String(key)}); err != nil {
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

func reportProcessor(p func(string, ...any), r procMemory) {
	p("Package processor peak memory (one upload per size, processed by the worker's Handle in its own procmem process,")
	p("configured from the environment like functions/processor; peak RSS is the process's VmHWM as it exits; Go heap")
	p("sampled every 1 ms; every package passed packages.Validate first, its bulk incompressible assets in subpackages)")
	p("  %-40s %12s %14s %16s", "", "peak RSS", "Go heap peak", "processing")
	p("  %-40s %12s %14s", "no records (process baseline)", mib1(r.idle.hwm), mib1(r.idle.heap))
	for _, s := range r.sizes {
		n := int64(len(s.pkg.body))
		p("  %-40s %12s %14s %9.2f s, %.1f MiB/s", fmt.Sprintf("%s package (%s, %d entries)", mib(s.limit), mib(n), s.pkg.entries),
			mib1(s.mem.hwm), mib1(s.mem.heap), s.mem.seconds, float64(n)/(1<<20)/s.mem.seconds)
	}
}

func mib1(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
