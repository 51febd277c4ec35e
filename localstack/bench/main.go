// Command bench measures the platform against its performance goals on its own
// moto emulator, every baseline in the same run, and prints one verdict line per
// goal (`make bench` runs it as `go run ./localstack/bench`):
//
//	goal <name>: <measured> (limit <limit>) PASS|FAIL
//	...
//	bench: N/M goals met
//
// The goals (issue 13's table) and how each is measured:
//
//   - latency: GET /v1/workspaces/{ws} through the local gateway (served with
//     httptest, the developer workspace's signed-in admin) against a bare
//     DynamoDB GetItem of the workspace's item with the same SDK config,
//     interleaved, median over -n rounds after -warmup: at most 1.3×;
//   - DynamoDB calls per read request (the reads of routes.go, each counted over
//     -read-reps requests after one warm-up) at most 2, and per write request
//     (invite, PATCH mini program, approve a launch, start an upload, create a
//     mini program with an Idempotency-Key, create a launch; each -write-reps
//     times on fresh entities) at most 2; calls are counted by SDK middleware
//     that stack.Options.Wrap installs in every client the platform builds;
//   - every function's start-to-ready time (exec to its first GET
//     /runtime/invocation/next on a fake Lambda Runtime API) against a minimal
//     aws-lambda-go binary (built with the same flags), interleaved, median of
//     -runs each: at most 1.5×;
//   - every function's binary as it ships (linux/arm64, stripped): at most 15 MB
//     (10^6 bytes);
//   - analytics: DynamoDB items written per event for 1,000 page views of one
//     mini program-day from 10, 100 and 1,000 distinct users, ingested through
//     the gateway and aggregated by the worker: at most 0.05 each (ingest.go);
//   - the package processor's peak RSS on a 30 MiB package against a 1 MiB one,
//     each in its own procmem process: at most 1.2× (processor.go).
//
// -only functions runs just the builds, the emulator (for the functions'
// environment) and the start-to-ready and size goals.
//
// A goal missed is a result, not an error: the exit status is 0 whatever the
// verdicts, and non-zero only when the bench itself cannot run.
//
// Everything is sequential and timed with plain time.Now; medians average the
// two middle samples of an even count. The defaults (-n 100, -warmup 10, -runs
// 9, -read-reps 10, -write-reps 3, -events 1000) keep a run at about a minute
// and a half on this 2-core machine under load, most of it linking the 28
// binaries; the builds run first and use the ordinary Go build cache, so only a
// cold cache pays for compiling (about 12 minutes here). An inherited
// AWS_ENDPOINT_URL is ignored: the bench always starts its own moto.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
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
	"github.com/mpdp/platform/shared/packages"
	"github.com/mpdp/platform/shared/platform"
	"github.com/mpdp/platform/shared/resources"
)

// The goals' limits (issue 13).
const (
	limitLatencyRatio    = 1.3
	limitCallsPerRead    = 2
	limitCallsPerWrite   = 2
	limitReadyRatio      = 1.5
	limitBinaryMB        = 15
	limitWritesPerEvent  = 0.05
	limitProcessorMemory = 1.2
)

type options struct {
	n, warmup, runs     int
	readReps, writeReps int
	ingestEvents        int
	ingestUsers         []int
	procSizesMiB        []int64
	// functionsOnly measures only the functions' sizes and start-to-ready
	// (-only functions), for a quick look at the Lambda binaries.
	functionsOnly bool
}

func main() {
	o := options{ingestUsers: []int{10, 100, 1000}, procSizesMiB: []int64{1, packages.DefaultLimits().MaxPackageBytes >> 20}} // 1 MiB and the limit
	flag.IntVar(&o.n, "n", 100, "measured rounds of the latency comparison (gateway and bare GetItem each)")
	flag.IntVar(&o.warmup, "warmup", 10, "warm-up rounds before the latency comparison")
	flag.IntVar(&o.runs, "runs", 9, "start-to-ready runs per function binary (each paired with one of the minimal binary)")
	flag.IntVar(&o.readReps, "read-reps", 10, "requests per read route whose DynamoDB calls are counted")
	flag.IntVar(&o.writeReps, "write-reps", 3, "requests per write route (each on fresh entities) whose DynamoDB calls are counted")
	flag.IntVar(&o.ingestEvents, "events", 1000, "analytics events per distinct-user count")
	only := flag.String("only", "", `"functions": only the functions' binary sizes and start-to-ready (skips the request, analytics and processor parts)`)
	flag.Parse()
	switch *only {
	case "":
	case "functions":
		o.functionsOnly = true
	default:
		fmt.Fprintf(os.Stderr, "bench: -only %q: the only part that runs alone is \"functions\"\n", *only)
		os.Exit(2)
	}
	if o.n < 1 || o.runs < 1 || o.readReps < 1 || o.writeReps < 1 || o.warmup < 0 || o.ingestEvents < 1 {
		fmt.Fprintln(os.Stderr, "bench: -n, -runs, -read-reps, -write-reps and -events must be at least 1, -warmup at least 0")
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
	load := loadAverage() // other work on the machine makes the timings noisy; say so
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "mpdp-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// Builds first, so that compiling does not share the CPUs with the timed runs.
	fmt.Fprintln(os.Stderr, "bench: building the functions (linux/arm64 as shipped, and for this machine)")
	buildStart := time.Now()
	names, err := functionNames(root)
	if err != nil {
		return err
	}
	sizes, err := buildLambdas(ctx, root, filepath.Join(tmp, "arm64"), names)
	if err != nil {
		return err
	}
	host, err := buildHost(ctx, root, filepath.Join(tmp, "host"), names)
	if err != nil {
		return err
	}
	buildTime := time.Since(buildStart)

	// Always our own emulator: an inherited AWS_ENDPOINT_URL would make the stack
	// reuse a shared one, where the bench's writes do not belong.
	os.Unsetenv("AWS_ENDPOINT_URL")
	fmt.Fprintln(os.Stderr, "bench: starting the platform on moto")
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
	tenant, err := s.SignIn(ctx, email, password, "")
	if err != nil {
		return err
	}
	gw := httptest.NewServer(s.Gateway)
	defer gw.Close()
	api := &apiClient{ctx: ctx, base: gw.URL, http: &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 30 * time.Second}}
	stackTime := time.Since(stackStart)

	if o.functionsOnly {
		fmt.Fprintln(os.Stderr, "bench: start-to-ready")
		ready, err := startToReady(ctx, host, lambdaEnv(s), o.runs)
		if err != nil {
			return err
		}
		r := reportData{sizes: sizes, ready: ready, build: buildTime, stack: stackTime, total: time.Since(began), load: load}
		report(os.Stdout, o, r)
		return nil
	}

	fmt.Fprintln(os.Stderr, "bench: DynamoDB calls per request")
	sc := &scenario{ctx: ctx, s: s, c: counter, api: api, tenant: tenant}
	calls, err := sc.run(o)
	if err != nil {
		return err
	}

	fmt.Fprintln(os.Stderr, "bench: latency")
	lat, err := latency(ctx, o, s, api, sc)
	if err != nil {
		return err
	}

	fmt.Fprintln(os.Stderr, "bench: start-to-ready")
	ready, err := startToReady(ctx, host, lambdaEnv(s), o.runs)
	if err != nil {
		return err
	}

	fmt.Fprintln(os.Stderr, "bench: analytics ingestion")
	ingest, err := ingestBench(ctx, s, api, tenant, counter, o.ingestEvents, o.ingestUsers)
	if err != nil {
		return fmt.Errorf("analytics ingestion: %w", err)
	}

	fmt.Fprintln(os.Stderr, "bench: package processor memory")
	proc, err := procBench(ctx, sc, host.procmem, lambdaEnv(s), o.procSizesMiB)
	if err != nil {
		return fmt.Errorf("package processor: %w", err)
	}

	r := reportData{lat: lat, calls: calls, sizes: sizes, ready: ready, proc: proc, ingest: ingest,
		build: buildTime, stack: stackTime, total: time.Since(began), load: load}
	report(os.Stdout, o, r)
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

// latencyResult is the gateway's cheapest authenticated read against one bare GetItem.
type latencyResult struct {
	path            string
	gateway, bare   []time.Duration
	rounds, warmups int
}

// latency times GET /v1/workspaces/{ws} through the gateway and a bare GetItem
// of the same workspace's item, interleaved so that drift on a busy machine
// hits both alike.
func latency(ctx context.Context, o options, s *stack.Stack, api *apiClient, sc *scenario) (latencyResult, error) {
	db := dynamodb.NewFromConfig(s.AWS)
	in := &dynamodb.GetItemInput{TableName: aws.String(s.Config.TableName), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			resources.Table.PartitionKey: &types.AttributeValueMemberS{Value: "WS#" + sc.ws},
			resources.Table.SortKey:      &types.AttributeValueMemberS{Value: "META"},
		}}
	path := "/v1/workspaces/" + sc.ws
	ops := []func() error{
		func() error { return api.get(path, sc.dev) },
		func() error {
			out, err := db.GetItem(ctx, in)
			if err == nil && out.Item == nil {
				err = errors.New("GetItem: the workspace item is missing")
			}
			return err
		},
	}
	for range o.warmup {
		for _, op := range ops {
			if err := op(); err != nil {
				return latencyResult{}, err
			}
		}
	}
	r := latencyResult{path: "/v1/workspaces/{ws}", rounds: o.n, warmups: o.warmup}
	for range o.n {
		for i, op := range ops {
			t0 := time.Now()
			if err := op(); err != nil {
				return r, err
			}
			d := time.Since(t0)
			if i == 0 {
				r.gateway = append(r.gateway, d)
			} else {
				r.bare = append(r.bare, d)
			}
		}
	}
	return r, nil
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
func buildLambdas(ctx context.Context, root, dir string, names []string) ([]binSize, error) {
	pkgs := make([]string, len(names))
	for i, n := range names {
		pkgs[i] = "./functions/" + n
	}
	if err := goBuild(ctx, root, dir, []string{"GOOS=linux", "GOARCH=arm64"}, pkgs); err != nil {
		return nil, err
	}
	var out []binSize
	for _, n := range names {
		fi, err := os.Stat(filepath.Join(dir, n+".bin"))
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

// hostBinaries are what runs on this machine: every function, the minimal
// function they are compared with, and procmem.
type hostBinaries struct {
	functions        map[string]string // name → path
	minimal, procmem string
}

// buildHost builds every function, the minimal function and procmem for this machine.
func buildHost(ctx context.Context, root, dir string, names []string) (hostBinaries, error) {
	if runtime.GOOS != "linux" {
		return hostBinaries{}, fmt.Errorf("start-to-ready and peak RSS need linux binaries that run here; this is %s", runtime.GOOS)
	}
	pkgs := []string{"./localstack/bench/minimal", "./localstack/bench/procmem"}
	h := hostBinaries{functions: map[string]string{}, minimal: filepath.Join(dir, "minimal.bin"), procmem: filepath.Join(dir, "procmem.bin")}
	for _, n := range names {
		pkgs = append(pkgs, "./functions/"+n)
		h.functions[n] = filepath.Join(dir, n+".bin")
	}
	return h, goBuild(ctx, root, dir, []string{"GOOS=linux", "GOARCH=" + runtime.GOARCH}, pkgs)
}

// goBuild builds pkgs with the release flags into dir as <name>.bin each.
func goBuild(ctx context.Context, root, dir string, env, pkgs []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// One go build writes them all into a directory (sharing the work), then the
	// names get the .bin suffix the callers expect.
	out := filepath.Join(dir, "out") + string(filepath.Separator)
	// The flags of `make build`: lambda.norpc drops aws-lambda-go's RPC mode,
	// which only the retired go1.x runtime used; its reflection on methods would
	// keep every exported method of every SDK client in the binary.
	args := append([]string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out}, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), append([]string{"CGO_ENABLED=0"}, env...)...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s (%s): %w\n%s", strings.Join(cmd.Args, " "), strings.Join(env, " "), err, stderr.String())
	}
	for _, p := range pkgs {
		if err := os.Rename(filepath.Join(out, filepath.Base(p)), filepath.Join(dir, filepath.Base(p)+".bin")); err != nil {
			return err
		}
	}
	return os.Remove(out)
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

// readyTimes are one function's start-to-ready runs and the minimal binary's
// runs interleaved with them.
type readyTimes struct {
	name              string
	function, minimal []time.Duration
}

func (r readyTimes) ratio() float64 {
	return float64(percentile(r.function, 50)) / float64(percentile(r.minimal, 50))
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

// startToReady times every function against the minimal binary, each function
// run followed by a minimal run, so drift on the machine affects both alike.
func startToReady(ctx context.Context, bins hostBinaries, env []string, runs int) ([]readyTimes, error) {
	api := newRuntimeAPI()
	defer api.close()
	env = append(env, "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(api.srv.URL, "http://"))
	var out []readyTimes
	for _, name := range slices.Sorted(maps.Keys(bins.functions)) {
		r := readyTimes{name: name}
		for range runs {
			f, err := startOnce(ctx, api, bins.functions[name], env)
			if err != nil {
				return out, err
			}
			m, err := startOnce(ctx, api, bins.minimal, env)
			if err != nil {
				return out, err
			}
			r.function, r.minimal = append(r.function, f), append(r.minimal, m)
		}
		out = append(out, r)
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
