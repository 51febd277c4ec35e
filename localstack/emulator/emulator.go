// Package emulator runs a local AWS emulator (moto server) for tests and
// local development, or points at an already running one such as LocalStack.
package emulator

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Embedded so that binaries do not depend on the source tree being present.
//
//go:embed launcher.py
var launcherScript []byte

// ErrNotInstalled reports that python3 or moto's server is not available.
var ErrNotInstalled = errors.New(`moto server not found: install it with "pip install 'moto[server]==5.2.1'" or point AWS_ENDPOINT_URL at a running LocalStack`)

const (
	// Region is the region AWSConfig uses; moto and LocalStack accept any.
	Region = "us-east-1"

	defaultStartTimeout = 30 * time.Second
	stopGrace           = 3 * time.Second

	// Exit status of launcher.py when moto cannot be imported.
	exitMotoMissing = 3

	sfnConfig = `{"stepfunctions":{"execute_state_machine":true}}`
)

// Options configures Start.
type Options struct {
	// Log receives the server's stdout and stderr. Nil discards them.
	Log io.Writer

	// StartTimeout bounds how long Start waits for the server to answer.
	// Zero means 30 seconds.
	StartTimeout time.Duration

	// UseExisting makes Start use $AWS_ENDPOINT_URL, if set, instead of
	// starting moto.
	UseExisting bool

	// Python is the interpreter to run. Empty means "python3" from $PATH.
	Python string
}

// Emulator is a running emulator endpoint.
type Emulator struct {
	endpoint string
	http     *http.Client

	// The fields below are set only when Start launched the server.
	cmd    *exec.Cmd
	script string
	exited chan struct{} // closed once cmd.Wait returns
	tail   *tailBuffer

	stopOnce sync.Once
	stopErr  error
}

// Start starts moto on a free loopback port and waits until it answers, or,
// with opts.UseExisting and $AWS_ENDPOINT_URL set, uses that endpoint.
// ctx bounds startup only; the server runs until Stop.
func Start(ctx context.Context, opts Options) (*Emulator, error) {
	client := &http.Client{
		// Loopback only: never go through a proxy.
		Transport: &http.Transport{Proxy: nil},
		Timeout:   5 * time.Second,
	}
	if ep := os.Getenv("AWS_ENDPOINT_URL"); opts.UseExisting && ep != "" {
		return &Emulator{endpoint: strings.TrimRight(ep, "/"), http: client}, nil
	}

	python := opts.Python
	if python == "" {
		python = "python3"
	}
	python, err := exec.LookPath(python)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotInstalled, err)
	}

	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = defaultStartTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	script, err := writeScript()
	if err != nil {
		return nil, err
	}

	// Another process can take the port between our probe and moto's bind;
	// try a few ports before giving up.
	const attempts = 3
	for i := 1; ; i++ {
		e, err := launch(ctx, python, script, opts.Log, client)
		if err == nil {
			return e, nil
		}
		if i == attempts || !errors.Is(err, errPortTaken) || ctx.Err() != nil {
			os.Remove(script)
			return nil, err
		}
	}
}

var errPortTaken = errors.New("port already in use")

func writeScript() (string, error) {
	f, err := os.CreateTemp("", "moto-launcher-*.py")
	if err != nil {
		return "", fmt.Errorf("write moto launcher: %w", err)
	}
	_, err = f.Write(launcherScript)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write moto launcher: %w", err)
	}
	return f.Name(), nil
}

// launch starts one server process and waits for it to become ready. On
// failure the process is gone but script is left for the caller.
func launch(ctx context.Context, python, script string, log io.Writer, client *http.Client) (*Emulator, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	tail := &tailBuffer{max: 4 << 10}
	out := io.Writer(tail)
	if log != nil {
		out = io.MultiWriter(log, tail)
	}

	cmd := exec.Command(python, script, "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	cmd.Stdout = out
	cmd.Stderr = out
	// Own process group, so Stop reaches anything the server spawns.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Don't let a leftover holder of the output pipe block Wait forever.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto server: %w", err)
	}

	e := &Emulator{
		endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		http:     client,
		cmd:      cmd,
		script:   script,
		exited:   make(chan struct{}),
		tail:     tail,
	}
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(e.exited)
	}()

	err = e.waitReady(ctx)
	if err == nil {
		err = e.configure(ctx)
	}
	if err == nil {
		return e, nil
	}

	e.kill()
	select {
	case <-e.exited:
	case <-time.After(stopGrace):
	}
	select {
	case <-e.exited:
		// Prefer the process's own story over "context deadline exceeded".
		var exitErr *exec.ExitError
		switch {
		case errors.As(waitErr, &exitErr) && exitErr.ExitCode() == exitMotoMissing:
			return nil, fmt.Errorf("%w\n%s", ErrNotInstalled, tail)
		case strings.Contains(tail.String(), "Address already in use"):
			return nil, fmt.Errorf("moto server on port %d: %w", port, errPortTaken)
		}
	default:
	}
	return nil, fmt.Errorf("moto server on port %d: %w\nserver output:\n%s", port, err, tail)
}

// waitReady polls the moto API until it answers or the process exits.
func (e *Emulator) waitReady(ctx context.Context) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.endpoint+"/moto-api/", nil)
		if err != nil {
			return err
		}
		if resp, err := e.http.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-e.exited:
			return errors.New("exited during startup")
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// configure makes Step Functions run definitions instead of returning
// canned results. moto keeps state machines created before this in a
// different backend, so it must precede any CreateStateMachine.
func (e *Emulator) configure(ctx context.Context) error {
	return e.post(ctx, "/moto-api/config", sfnConfig)
}

func (e *Emulator) post(ctx context.Context, path, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.endpoint+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.http.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// Endpoint returns the emulator's base URL, e.g. "http://127.0.0.1:40123".
func (e *Emulator) Endpoint() string { return e.endpoint }

// AWSConfig returns an SDK config that talks to the emulator with dummy
// credentials. S3 clients built from it also need UsePathStyle.
func (e *Emulator) AWSConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
		config.WithBaseEndpoint(e.endpoint),
	)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config for %s: %w", e.endpoint, err)
	}
	return cfg, nil
}

// Reset deletes all emulated resources. It does nothing for an endpoint that
// Start did not launch, since that server is not ours to wipe.
func (e *Emulator) Reset(ctx context.Context) error {
	if e.cmd == nil {
		return nil
	}
	if err := e.post(ctx, "/moto-api/reset", ""); err != nil {
		return fmt.Errorf("reset moto: %w", err)
	}
	if err := e.configure(ctx); err != nil {
		return fmt.Errorf("reset moto: %w", err)
	}
	return nil
}

// Stop terminates the server's process group and removes the launcher
// script. It is a no-op for an existing endpoint and safe to call twice.
func (e *Emulator) Stop() error {
	if e.cmd == nil {
		return nil
	}
	e.stopOnce.Do(func() {
		e.http.CloseIdleConnections()
		var errs []error
		if err := e.signal(syscall.SIGTERM); err != nil {
			errs = append(errs, err)
		}
		select {
		case <-e.exited:
		case <-time.After(stopGrace):
		}
		// Also reaches group members that outlived the leader.
		if err := e.kill(); err != nil {
			errs = append(errs, err)
		}
		<-e.exited
		if err := os.Remove(e.script); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		e.stopErr = errors.Join(errs...)
	})
	return e.stopErr
}

func (e *Emulator) kill() error { return e.signal(syscall.SIGKILL) }

// signal sends sig to the server's process group; a group that is already
// gone is not an error.
func (e *Emulator) signal(sig syscall.Signal) error {
	err := syscall.Kill(-e.cmd.Process.Pid, sig)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal moto server: %w", err)
	}
	return nil
}

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
