package main

import (
	"fmt"
	"io"
	"maps"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"
)

// goal is one verdict: a measured value against its limit; lower is better.
// Names have no spaces, so the verdict lines are easy to pick out with a script.
type goal struct {
	name            string
	measured, limit float64
	unit            string // appended to both numbers: "×", " MB", or ""
	decimals        int
}

func (g goal) met() bool { return g.measured <= g.limit }

// String is the verdict line: goal <name>: <measured> (limit <limit>) PASS|FAIL.
func (g goal) String() string {
	verdict := "FAIL"
	if g.met() {
		verdict = "PASS"
	}
	return fmt.Sprintf("goal %s: %s (limit %s) %s", g.name, g.format(g.measured), g.format(g.limit), verdict)
}

func (g goal) format(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a" + g.unit
	}
	return fmt.Sprintf("%.*f%s", g.decimals, v, g.unit)
}

// summary is the last line: how many goals were met.
func summary(goals []goal) string {
	met := 0
	for _, g := range goals {
		if g.met() {
			met++
		}
	}
	return fmt.Sprintf("bench: %d/%d goals met", met, len(goals))
}

type reportData struct {
	lat                 latencyResult
	calls               []routeCalls
	sizes               []binSize
	ready               []readyTimes
	proc                procMemory
	ingest              []ingestRun
	build, stack, total time.Duration
	load                string // ", load average X" at the start, where known
}

// functionsOnly says the run measured only the functions (-only functions).
func (r reportData) functionsOnly() bool { return len(r.proc.sizes) == 0 }

// goals are the verdicts, in the order of issue 13's table.
func (r reportData) goals() []goal {
	var out []goal
	ratio := func(a, b time.Duration) float64 { return float64(a) / float64(b) }
	if !r.functionsOnly() {
		out = append(out, goal{name: "latency.get-workspace-vs-bare-getitem",
			measured: ratio(percentile(r.lat.gateway, 50), percentile(r.lat.bare, 50)), limit: limitLatencyRatio, unit: "×", decimals: 2})
	}
	for _, kind := range []string{"read", "write"} {
		limit := float64(limitCallsPerRead)
		if kind == "write" {
			limit = limitCallsPerWrite
		}
		for _, rc := range r.calls {
			if rc.kind == kind {
				out = append(out, goal{name: "dynamodb-calls." + kind + "." + rc.goal, measured: rc.dynamoDB(), limit: limit, decimals: decimalsOf(rc.dynamoDB())})
			}
		}
	}
	for _, rt := range r.ready {
		out = append(out, goal{name: "start-to-ready-vs-minimal." + rt.name, measured: rt.ratio(), limit: limitReadyRatio, unit: "×", decimals: 2})
	}
	for _, b := range r.sizes {
		out = append(out, goal{name: "binary-size." + b.name, measured: float64(b.size) / 1e6, limit: limitBinaryMB, unit: " MB", decimals: 1})
	}
	for _, in := range r.ingest {
		out = append(out, goal{name: fmt.Sprintf("analytics-writes-per-event.%d-users", in.users), measured: in.items, limit: limitWritesPerEvent, decimals: 3})
	}
	if r.functionsOnly() {
		return out
	}
	last, first := r.proc.sizes[len(r.proc.sizes)-1], r.proc.sizes[0]
	out = append(out, goal{name: fmt.Sprintf("processor-peak-rss.%dMiB-vs-%dMiB", last.limit>>20, first.limit>>20),
		measured: r.proc.ratio(), limit: limitProcessorMemory, unit: "×", decimals: 2})
	return out
}

// decimalsOf shows whole numbers as such and fractions (averages over reps) with two decimals.
func decimalsOf(f float64) int {
	if f == math.Trunc(f) {
		return 0
	}
	return 2
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func num(f float64) string { return fmt.Sprintf("%.*f", decimalsOf(f), f) }

func report(w io.Writer, o options, r reportData) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("mpdp bench: %s %s/%s, %d CPUs%s; moto emulator on loopback", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), r.load)
	p("")
	if r.functionsOnly() {
		reportFunctions(p, o, r)
		p("")
		p("Took %.1f s (builds %.1f s, stack up %.1f s)", r.total.Seconds(), r.build.Seconds(), r.stack.Seconds())
		p("")
		reportGoals(p, r)
		return
	}
	p("Latency: the cheapest authenticated read through the gateway against one bare GetItem of the same item,")
	p("interleaved, %d rounds after %d warm-up (signed-in workspace admin, same SDK config)", r.lat.rounds, r.lat.warmups)
	p("  %-48s %10s %10s", "", "median", "p99")
	gm, bm := percentile(r.lat.gateway, 50), percentile(r.lat.bare, 50)
	p("  %-48s %10s %10s", "gateway  GET "+r.lat.path, ms(gm), ms(percentile(r.lat.gateway, 99)))
	p("  %-48s %10s %10s", "bare     DynamoDB GetItem WS#{ws}/META", ms(bm), ms(percentile(r.lat.bare, 99)))
	p("")
	p("AWS calls per request (reads: %d requests each after a warm-up; writes: %d each on fresh entities)", o.readReps, o.writeReps)
	for _, rc := range r.calls {
		var parts, other []string
		for _, k := range slices.Sorted(maps.Keys(rc.calls)) {
			if op, ok := strings.CutPrefix(k, "DynamoDB."); ok {
				parts = append(parts, op+" "+num(rc.calls[k]))
			} else {
				other = append(other, k+" "+num(rc.calls[k]))
			}
		}
		detail := strings.Join(parts, ", ")
		if len(other) > 0 {
			detail += "; other: " + strings.Join(other, ", ")
		}
		p("  %-5s %-58s %4s DynamoDB  (%s)", rc.kind, rc.route, num(rc.dynamoDB()), detail)
	}
	p("")
	reportFunctions(p, o, r)
	p("")
	p("Analytics ingestion (%d page views of one mini program-day per row, in batches of %d through the gateway,", o.ingestEvents, ingestBatch)
	p("then the worker drains the queue; every DynamoDB call of the route and the worker counted)")
	p("  %-16s %16s %12s  %s", "distinct users", "items / event", "events/s", "DynamoDB calls per event")
	for _, in := range r.ingest {
		var calls []string
		for _, k := range slices.Sorted(maps.Keys(in.calls)) {
			calls = append(calls, fmt.Sprintf("%s %.3f", k, in.calls[k]))
		}
		p("  %-16d %16.3f %12.0f  %s", in.users, in.items, float64(in.events)/in.took.Seconds(), strings.Join(calls, ", "))
	}
	p("")
	reportProcessor(p, r.proc)
	p("")
	p("Took %.1f s (builds %.1f s, stack up %.1f s, package processor %.1f s)",
		r.total.Seconds(), r.build.Seconds(), r.stack.Seconds(), r.proc.took.Seconds())
	p("")
	reportGoals(p, r)
}

func reportGoals(p func(string, ...any), r reportData) {
	goals := r.goals()
	for _, g := range goals {
		p("%s", g)
	}
	p("%s", summary(goals))
}

// reportFunctions is the Lambda binaries' part: size and start-to-ready.
func reportFunctions(p func(string, ...any), o options, r reportData) {
	p("Lambda binaries: size as shipped (linux/arm64, CGO_ENABLED=0, -tags lambda.norpc -trimpath -ldflags=\"-s -w\"; MB = 10^6 bytes),")
	p("and start-to-ready on this machine (%s/%s, same flags; exec to the first GET /runtime/invocation/next of a fake", runtime.GOOS, runtime.GOARCH)
	p("Runtime API; median of %d runs, each followed by a run of a minimal aws-lambda-go binary)", o.runs)
	p("  %-12s %9s %12s %12s %8s", "function", "size", "ready", "minimal", "ratio")
	ready := map[string]readyTimes{}
	for _, rt := range r.ready {
		ready[rt.name] = rt
	}
	for _, b := range r.sizes {
		rt := ready[b.name]
		p("  %-12s %6.1f MB %12s %12s %7.2f×", b.name, float64(b.size)/1e6, ms(percentile(rt.function, 50)), ms(percentile(rt.minimal, 50)), rt.ratio())
	}
}
