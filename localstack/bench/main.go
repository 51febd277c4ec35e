// Command bench measures the platform on its own moto emulator and prints a
// report (`make bench` runs it as `go run ./localstack/bench`):
//
//  1. latency of GET /v1/workspaces/ws_tenant/members through the local gateway
//     (served with httptest, a signed-in tenant admin, 20 extra members);
//  2. latency of a bare DynamoDB GetItem with the same SDK config, and the ratio
//     (plus the bare Query behind the list, for scale); the three are interleaved;
//  3. DynamoDB calls per read request, counted by SDK middleware that Options.Wrap
//     installs (the design's aim: a read costs at most two round trips);
//  4. sizes of the Lambda binaries as they ship (linux/arm64, stripped);
//  5. start-to-ready time of a function binary against a minimal aws-lambda-go
//     binary, both started against an in-process fake Lambda Runtime API;
//  6. package-processor throughput (MiB/s) for packages of about 1, 10 and 30 MiB,
//     each upload processed end to end by the real worker against the emulator,
//     against a bare S3 GetObject of the same object (see processor.go);
//  7. the processor's peak memory per package size, measured in a separate
//     process (./procmem) so that nothing else counts: it must not grow with the
//     package size.
//
// The members are written through the store's exported invitation methods
// (CreateInvitation then AcceptInvitation, as the public accept flow does), since
// the store has no bulk member API; they get synthetic user ids, because listing
// members never consults Cognito.
//
// Everything is sequential and measured with plain time.Now; percentiles are
// nearest-rank on the sorted samples. The builds run first and use the ordinary
// Go build cache, so only the first run pays for compiling (about 3 minutes cold
// on 2 cores, a few seconds warm). An inherited AWS_ENDPOINT_URL is ignored: the
// benchmark always starts its own moto.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/mpdp/platform/localstack/emulator"
	"github.com/mpdp/platform/localstack/stack"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/platform"
	"github.com/mpdp/platform/shared/resources"
)

type options struct {
	n, warmup, members, runs int
	procRuns                 int
	maxCalls                 float64
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 200, "measured sequential requests (gateway and bare GetItem each)")
	flag.IntVar(&o.warmup, "warmup", 20, "warm-up requests before each latency measurement")
	flag.IntVar(&o.members, "members", 20, "members added to the tenant workspace besides the admin")
	flag.IntVar(&o.runs, "runs", 10, "start-to-ready runs per binary")
	flag.IntVar(&o.procRuns, "proc-runs", 5, "processor throughput runs per package size")
	flag.Float64Var(&o.maxCalls, "max-calls", 2, "DynamoDB calls a read may cost (the design's aim)")
	flag.Parse()
	if o.n < 1 || o.runs < 1 || o.procRuns < 1 || o.warmup < 0 || o.members < 0 {
		fmt.Fprintln(os.Stderr, "bench: -n, -runs and -proc-runs must be at least 1, -warmup and -members at least 0")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	began := time.Now()
	load := loadAverage() // other work on the machine makes the latencies noisy; say so
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "mpdp-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// Builds first, so that compiling does not share the CPUs with the latency runs.
	// They use the ordinary Go build cache, so a second run takes seconds.
	buildStart := time.Now()
	sizes, err := buildLambdas(ctx, root, filepath.Join(tmp, "arm64"))
	if err != nil {
		return err
	}
	hostBins, err := buildHost(ctx, root, filepath.Join(tmp, "host"))
	if err != nil {
		return err
	}
	buildTime := time.Since(buildStart)

	// Always our own emulator: an inherited AWS_ENDPOINT_URL would make the stack
	// reuse a shared one, where the benchmark's writes do not belong.
	os.Unsetenv("AWS_ENDPOINT_URL")
	counter := newCounter()
	const email, password = "bench-admin@tenant.local", "Bench-Passw0rd!"
	stackStart := time.Now()
	s, err := stack.Start(ctx, stack.Options{
		Tenant: platform.Tenant{Name: "Bench Operator", AdminEmail: email, AdminPassword: password},
		Wrap:   counter.install,
	})
	if err != nil {
		return fmt.Errorf("start stack: %w", err)
	}
	defer s.Stop()
	token, err := s.SignIn(ctx, email, password, "")
	if err != nil {
		return err
	}
	if err := addMembers(ctx, s, o.members); err != nil {
		return err
	}
	stackTime := time.Since(stackStart)

	gw := httptest.NewServer(s.Gateway)
	defer gw.Close()
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second}
	get := func(path string) error { return getJSON(ctx, client, gw.URL+path, token) }

	membersPath := "/v1/workspaces/" + domain.TenantWorkspaceID + "/members"
	if n, err := countItems(ctx, client, gw.URL+membersPath, token); err != nil {
		return err
	} else if n != o.members+1 {
		return fmt.Errorf("member list has %d items, want %d", n, o.members+1)
	}

	// 1 and 2: the member list through the gateway, the bare GetItem its
	// authorization makes, and the bare Query that lists the members (for scale),
	// interleaved so that drift on a busy machine hits all three alike.
	db := dynamodb.NewFromConfig(s.AWS)
	in := &dynamodb.GetItemInput{TableName: aws.String(s.Config.TableName), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			resources.Table.PartitionKey: &types.AttributeValueMemberS{Value: "WS#" + domain.TenantWorkspaceID},
			resources.Table.SortKey:      &types.AttributeValueMemberS{Value: "META"},
		}}
	qin := &dynamodb.QueryInput{TableName: aws.String(s.Config.TableName), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:   aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames: map[string]string{"#pk": resources.Table.PartitionKey, "#sk": resources.Table.SortKey},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: "WS#" + domain.TenantWorkspaceID},
			":prefix": &types.AttributeValueMemberS{Value: "MEMBER#"}},
		Limit: aws.Int32(50)}
	lat, err := measure(o, []func() error{
		func() error { return get(membersPath) },
		func() error {
			out, err := db.GetItem(ctx, in)
			if err == nil && out.Item == nil {
				err = errors.New("GetItem: the tenant workspace item is missing")
			}
			return err
		},
		func() error {
			out, err := db.Query(ctx, qin)
			if err == nil && len(out.Items) != o.members+1 {
				err = fmt.Errorf("Query returned %d members, want %d", len(out.Items), o.members+1)
			}
			return err
		},
	})
	if err != nil {
		return err
	}

	// 3: AWS calls per read request, counted over a few requests each after a warm-up.
	var calls []routeCalls
	for _, path := range []string{membersPath, "/v1/me", "/v1/workspaces/" + domain.TenantWorkspaceID} {
		const reqs = 20
		if err := get(path); err != nil {
			return fmt.Errorf("GET %s: %w", path, err)
		}
		counter.reset()
		for range reqs {
			if err := get(path); err != nil {
				return fmt.Errorf("GET %s: %w", path, err)
			}
		}
		calls = append(calls, routeCalls{"GET " + path, counter.per(reqs)})
	}

	// 5: start-to-ready, the function against the minimal binary, interleaved.
	env := lambdaEnv(s)
	ready, err := startToReady(ctx, hostBins, env, o.runs)
	if err != nil {
		return err
	}

	// 6 and 7: the package processor's throughput, and its peak memory in procmem.
	proc, err := procBench(ctx, s, hostBins.procmem, env, o.procRuns)
	if err != nil {
		return fmt.Errorf("package processor: %w", err)
	}

	// 8 and 9: analytics events ingested per second, and DynamoDB writes per 1,000 events.
	ingest, err := ingestBench(ctx, s, gw.URL, token, counter, 10)
	if err != nil {
		return fmt.Errorf("analytics ingestion: %w", err)
	}

	report(os.Stdout, o, reportData{
		gw: lat[0], bare: lat[1], query: lat[2], calls: calls, sizes: sizes, ready: ready, proc: proc, ingest: ingest,
		build: buildTime, stack: stackTime, total: time.Since(began), load: load,
	})
	return nil
}

// loadAverage reads the 1-minute load average, on Linux.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return ", load average " + f[0]
	}
	return ""
}

// moduleRoot is the directory of the main module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the benchmark inside the module (go run ./localstack/bench)")
	}
	return filepath.Dir(mod), nil
}

// addMembers adds n developers to the tenant workspace through the store's
// invitation methods: each is invited and then accepts, two transactions.
func addMembers(ctx context.Context, s *stack.Stack, n int) error {
	now := time.Now().UTC()
	for i := range n {
		inv := domain.Invitation{ID: domain.NewID("inv"), WorkspaceID: domain.TenantWorkspaceID,
			Email: fmt.Sprintf("bench-member-%02d@example.test", i), Role: domain.RoleDeveloper,
			Status: domain.InvitationPending, TokenHash: domain.HashSecret(fmt.Sprint("bench", i)),
			InvitedBy: s.Admin.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour), SentCount: 1, Version: 1}
		if err := s.Store.CreateInvitation(ctx, inv); err != nil {
			return fmt.Errorf("invite member %d: %w", i, err)
		}
		user := fmt.Sprintf("bench-user-%02d", i)
		after := inv
		after.Status, after.AcceptedBy, after.Version = domain.InvitationAccepted, user, inv.Version+1
		m := domain.Member{WorkspaceID: inv.WorkspaceID, UserID: user, Email: inv.Email, Role: inv.Role,
			Status: domain.MemberActive, JoinedAt: now, UpdatedAt: now, Version: 1}
		if err := s.Store.AcceptInvitation(ctx, inv, after, m); err != nil {
			return fmt.Errorf("add member %d: %w", i, err)
		}
	}
	return nil
}

func request(ctx context.Context, client *http.Client, url, token string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 2048))
		res.Body.Close()
		return nil, fmt.Errorf("status %d: %s", res.StatusCode, bytes.TrimSpace(body))
	}
	return res, nil
}

// getJSON reads the whole response, as a client would, so keep-alive reuses the connection.
func getJSON(ctx context.Context, client *http.Client, url, token string) error {
	res, err := request(ctx, client, url, token)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, err = io.Copy(io.Discard, res.Body)
	return err
}

func countItems(ctx context.Context, client *http.Client, url, token string) (int, error) {
	res, err := request(ctx, client, url, token)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	err = json.NewDecoder(res.Body).Decode(&page)
	return len(page.Items), err
}

// measure runs each op o.warmup times, then o.n rounds of each op in turn,
// timing every call; it returns the durations per op.
func measure(o options, ops []func() error) ([][]time.Duration, error) {
	for range o.warmup {
		for _, op := range ops {
			if err := op(); err != nil {
				return nil, err
			}
		}
	}
	lat := make([][]time.Duration, len(ops))
	for i := range lat {
		lat[i] = make([]time.Duration, o.n)
	}
	for r := range o.n {
		for i, op := range ops {
			t0 := time.Now()
			if err := op(); err != nil {
				return nil, err
			}
			lat[i][r] = time.Since(t0)
		}
	}
	return lat, nil
}

// counter counts SDK operation calls (and HTTP attempts, which differ only when
// the SDK retries), keyed by "Service.Operation".
type counter struct {
	mu       sync.Mutex
	calls    map[string]int
	attempts map[string]int
	items    int // DynamoDB items written (each item of a transaction or batch counts)
}

func newCounter() *counter { return &counter{calls: map[string]int{}, attempts: map[string]int{}} }

// install is stack.Options.Wrap: it adds the counting middleware to every client
// built from cfg.
func (c *counter) install(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(st *middleware.Stack) error {
		// Initialize runs once per operation call; service metadata is set by then.
		err := st.Initialize.Add(middleware.InitializeMiddlewareFunc("BenchCountCalls",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				c.add(c.calls, ctx)
				c.addItems(in.Parameters)
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
		if err != nil {
			return err
		}
		// Finalize after the retry middleware runs once per attempt.
		return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("BenchCountAttempts",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				c.add(c.attempts, ctx)
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	})
}

func (c *counter) add(m map[string]int, ctx context.Context) {
	k := awsmiddleware.GetServiceID(ctx) + "." + awsmiddleware.GetOperationName(ctx)
	c.mu.Lock()
	m[k]++
	c.mu.Unlock()
}

// addItems counts the items a DynamoDB write call writes.
func (c *counter) addItems(params any) {
	n := 0
	switch in := params.(type) {
	case *dynamodb.PutItemInput, *dynamodb.UpdateItemInput, *dynamodb.DeleteItemInput:
		n = 1
	case *dynamodb.TransactWriteItemsInput:
		n = len(in.TransactItems)
	case *dynamodb.BatchWriteItemInput:
		for _, reqs := range in.RequestItems {
			n += len(reqs)
		}
	}
	c.mu.Lock()
	c.items += n
	c.mu.Unlock()
}

func (c *counter) writtenItems() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.items
}

func (c *counter) reset() {
	c.mu.Lock()
	c.items = 0
	clear(c.calls)
	clear(c.attempts)
	c.mu.Unlock()
}

// per returns calls per op over n ops; retries show as "<op> (attempts)".
func (c *counter) per(n int) map[string]float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]float64{}
	for k, v := range c.calls {
		out[k] = float64(v) / float64(n)
	}
	for k, v := range c.attempts {
		if v != c.calls[k] {
			out[k+" (attempts)"] = float64(v) / float64(n)
		}
	}
	return out
}

// buildLambdas builds every functions/<name> as shipped and returns the sizes.
func buildLambdas(ctx context.Context, root, dir string) ([]binSize, error) {
	names, err := functionNames(root)
	if err != nil {
		return nil, err
	}
	pkgs := make([]string, len(names))
	for i, n := range names {
		pkgs[i] = "./functions/" + n
	}
	// One go build for all of them shares the work; with -o naming a directory
	// each binary is named after its package, then moved to <name>/bootstrap.
	if err := goBuild(ctx, root, dir, []string{"GOOS=linux", "GOARCH=arm64"}, pkgs); err != nil {
		return nil, err
	}
	var out []binSize
	for _, n := range names {
		dst := filepath.Join(dir, n, "bootstrap")
		if err := os.Mkdir(filepath.Join(dir, n), 0o755); err != nil {
			return nil, err
		}
		if err := os.Rename(filepath.Join(dir, n+".bin"), dst); err != nil {
			return nil, err
		}
		fi, err := os.Stat(dst)
		if err != nil {
			return nil, err
		}
		out = append(out, binSize{n, fi.Size()})
	}
	return out, nil
}

type binSize struct {
	name string
	size int64
}

func functionNames(root string) ([]string, error) {
	mains, err := filepath.Glob(filepath.Join(root, "functions", "*", "main.go"))
	if err != nil {
		return nil, err
	}
	if len(mains) == 0 {
		return nil, errors.New("no functions/*/main.go found")
	}
	var names []string
	for _, m := range mains {
		names = append(names, filepath.Base(filepath.Dir(m)))
	}
	sort.Strings(names)
	return names, nil
}

// hostBinaries are the two binaries the start-to-ready runs compare, and procmem.
type hostBinaries struct{ function, minimal, functionName, procmem string }

const readyFunction = "members"

// buildHost builds the members function, the minimal function and procmem for this machine.
func buildHost(ctx context.Context, root, dir string) (hostBinaries, error) {
	if runtime.GOOS != "linux" {
		return hostBinaries{}, fmt.Errorf("start-to-ready needs linux binaries that run here; this is %s", runtime.GOOS)
	}
	err := goBuild(ctx, root, dir, []string{"GOOS=linux", "GOARCH=" + runtime.GOARCH},
		[]string{"./functions/" + readyFunction, "./localstack/bench/minimal", "./localstack/bench/procmem"})
	return hostBinaries{function: filepath.Join(dir, readyFunction+".bin"), minimal: filepath.Join(dir, "minimal.bin"),
		functionName: readyFunction, procmem: filepath.Join(dir, "procmem.bin")}, err
}

// goBuild builds pkgs with the release flags into dir as <name>.bin each.
func goBuild(ctx context.Context, root, dir string, env, pkgs []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// One go build writes them all into a directory (sharing the work), then the
	// names get the .bin suffix the callers expect.
	out := filepath.Join(dir, "out") + string(filepath.Separator)
	args := append([]string{"build", "-trimpath", "-ldflags=-s -w", "-o", out}, pkgs...)
	if err := runBuild(exec.CommandContext(ctx, "go", args...), root, env); err != nil {
		return err
	}
	for _, p := range pkgs {
		if err := os.Rename(filepath.Join(out, filepath.Base(p)), filepath.Join(dir, filepath.Base(p)+".bin")); err != nil {
			return err
		}
	}
	return os.Remove(out)
}

func runBuild(cmd *exec.Cmd, root string, env []string) error {
	cmd.Dir = root
	cmd.Env = append(os.Environ(), append([]string{"CGO_ENABLED=0"}, env...)...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s (%s): %w\n%s", strings.Join(cmd.Args, " "), strings.Join(env, " "), err, stderr.String())
	}
	return nil
}

// lambdaEnv is the environment a deployed function gets, pointed at the emulator.
// The fake Runtime API's address is added per run.
func lambdaEnv(s *stack.Stack) []string {
	region := s.Config.Region
	if region == "" {
		region = emulator.Region
	}
	env := []string{"AWS_ENDPOINT_URL=" + s.Emulator.Endpoint(), "AWS_REGION=" + region,
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "_HANDLER=bootstrap"}
	for k, v := range s.Config.Env() {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	return env
}

type readyTimes struct {
	name              string
	function, minimal []time.Duration
}

// runtimeAPI is a fake Lambda Runtime API: it reports when a process first asks
// for an invocation and then holds that request until the process goes away.
type runtimeAPI struct {
	srv     *httptest.Server
	arrived chan time.Time
	done    chan struct{}
}

func newRuntimeAPI() *runtimeAPI {
	r := &runtimeAPI{arrived: make(chan time.Time, 1), done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, req *http.Request) {
		t := time.Now()
		select {
		case r.arrived <- t:
		default:
		}
		select {
		case <-req.Context().Done():
		case <-r.done:
		}
	})
	r.srv = httptest.NewServer(mux)
	return r
}

func (r *runtimeAPI) close() {
	close(r.done)
	r.srv.CloseClientConnections()
	r.srv.Close()
}

func startToReady(ctx context.Context, bins hostBinaries, env []string, runs int) (readyTimes, error) {
	api := newRuntimeAPI()
	defer api.close()
	env = append(env, "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(api.srv.URL, "http://"))
	out := readyTimes{name: bins.functionName}
	// Interleaved, so drift on the machine affects both alike.
	for range runs {
		for _, b := range []struct {
			path string
			dst  *[]time.Duration
		}{{bins.function, &out.function}, {bins.minimal, &out.minimal}} {
			d, err := startOnce(ctx, api, b.path, env)
			if err != nil {
				return out, err
			}
			*b.dst = append(*b.dst, d)
		}
	}
	return out, nil
}

// startOnce starts bin and returns the time until its first GET .../invocation/next.
func startOnce(ctx context.Context, api *runtimeAPI, bin string, env []string) (time.Duration, error) {
	select { // nothing from an earlier run may count
	case <-api.arrived:
	default:
	}
	cmd := exec.Command(bin)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() { cmd.Process.Kill(); <-exited }
	select {
	case t := <-api.arrived:
		stop()
		return t.Sub(t0), nil
	case err := <-exited:
		return 0, fmt.Errorf("%s exited before asking for an invocation: %v\n%s", filepath.Base(bin), err, stderr.String())
	case <-time.After(15 * time.Second):
		stop()
		return 0, fmt.Errorf("%s did not ask for an invocation within 15s\n%s", filepath.Base(bin), stderr.String())
	case <-ctx.Done():
		stop()
		return 0, ctx.Err()
	}
}

// percentile is the nearest-rank percentile (p in 0..100) of d; 50 is the median,
// averaging the two middle samples of an even count.
func percentile(d []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	if p == 50 {
		if len(s)%2 == 0 {
			return (s[len(s)/2-1] + s[len(s)/2]) / 2
		}
		return s[len(s)/2]
	}
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

type routeCalls struct {
	route string
	calls map[string]float64
}

type reportData struct {
	gw, bare, query     []time.Duration
	calls               []routeCalls
	sizes               []binSize
	ready               readyTimes
	proc                procMemory
	ingest              ingestResult
	build, stack, total time.Duration
	load                string // ", load average X" at the start, where known
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func ratio(a, b time.Duration) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f×", float64(a)/float64(b))
}

func num(f float64) string {
	if f == math.Trunc(f) {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprintf("%.2f", f)
}

func report(w io.Writer, o options, r reportData) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("mpdp bench: %s %s/%s, %d CPUs%s; moto emulator on loopback", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), r.load)
	p("")
	p("Latency, %d sequential rounds after %d warm-up, the three interleaved (%d members listed)", o.n, o.warmup, o.members+1)
	p("  %-52s %10s %10s", "", "median", "p99")
	gm, g99 := percentile(r.gw, 50), percentile(r.gw, 99)
	bm, b99 := percentile(r.bare, 50), percentile(r.bare, 99)
	p("  %-52s %10s %10s", "gateway  GET /v1/workspaces/ws_tenant/members", ms(gm), ms(g99))
	p("  %-52s %10s %10s", "bare     DynamoDB GetItem WS#ws_tenant/META", ms(bm), ms(b99))
	p("  %-52s %10s %10s", "bare     DynamoDB Query WS#ws_tenant MEMBER#*", ms(percentile(r.query, 50)), ms(percentile(r.query, 99)))
	p("  %-52s %10s %10s", "ratio    gateway / bare GetItem", ratio(gm, bm), ratio(g99, b99))
	p("")
	p("AWS calls per request (aim: a read costs at most %s DynamoDB calls)", num(o.maxCalls))
	for _, rc := range r.calls {
		var ddb float64
		var parts, other []string
		for _, k := range sortedKeys(rc.calls) {
			svc, op, _ := strings.Cut(k, ".")
			if svc == "DynamoDB" {
				if !strings.HasSuffix(op, " (attempts)") {
					ddb += rc.calls[k]
				}
				parts = append(parts, op+" "+num(rc.calls[k]))
			} else {
				other = append(other, k+" "+num(rc.calls[k]))
			}
		}
		verdict := "PASS"
		if ddb > o.maxCalls {
			verdict = "OVER"
		}
		detail := strings.Join(parts, ", ")
		if len(other) > 0 {
			detail += "; other: " + strings.Join(other, ", ")
		}
		p("  %-44s %4s DynamoDB  %-4s  %s", rc.route, num(ddb), verdict, detail)
	}
	p("")
	p("Lambda binaries (linux/arm64, CGO_ENABLED=0, -trimpath -ldflags=\"-s -w\")")
	for _, b := range r.sizes {
		p("  %-12s %8.2f MiB", b.name, float64(b.size)/(1<<20))
	}
	p("")
	fm, mm := percentile(r.ready.function, 50), percentile(r.ready.minimal, 50)
	p("Start-to-ready (%s/%s, exec to first GET /runtime/invocation/next, median of %d)", runtime.GOOS, runtime.GOARCH, len(r.ready.function))
	p("  %-12s %10s   (min %s, max %s)", r.ready.name, ms(fm), ms(percentile(r.ready.function, 0)), ms(percentile(r.ready.function, 100)))
	p("  %-12s %10s   (min %s, max %s)", "minimal", ms(mm), ms(percentile(r.ready.minimal, 0)), ms(percentile(r.ready.minimal, 100)))
	p("  %-12s %10s", "ratio", ratio(fm, mm))
	p("")
	reportProcessor(p, o.procRuns, r.proc)
	p("")
	reportIngest(p, r.ingest)
	p("")
	p("Took %.1f s (builds %.1f s, stack up and seeded %.1f s, package processor %.1f s)",
		r.total.Seconds(), r.build.Seconds(), r.stack.Seconds(), r.proc.took.Seconds())
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
