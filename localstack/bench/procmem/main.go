// Command procmem processes one package upload with the package-processor worker
// and exits, so that the benchmark can read the peak memory of a process that
// did nothing else.
//
// It is configured from the environment exactly as functions/processor is
// (platform.MustLoad, workers.NewProcessor), reads one SQS message (the
// JSON of an events.SQSMessage, as the bench received it from the package
// queue) on stdin, hands it to Worker.Handle and prints a JSON line:
//
//	{"failures":0,"heapPeakBytes":1234567,"seconds":0.42,"vmHWMBytes":23456789}
//
// vmHWMBytes is VmHWM from /proc/self/status at exit: the peak RSS of this
// program image, which starts from zero at exec. (The parent's rusage ru_maxrss
// cannot be used alone on Linux: exec folds the high-water mark of the image it
// replaces into it, and Go starts children with vfork semantics, so a child's
// ru_maxrss is never below its parent's peak RSS; see golang/go#32054.)
// heapPeakBytes is the largest /memory/classes/heap/objects:bytes seen,
// sampled every millisecond while the worker ran (so a shorter spike can be
// missed). The exit status is 1 if the worker reported the message as failed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mpdp/platform/shared/platform"
	"github.com/mpdp/platform/shared/platform/workers"
)

const heapMetric = "/memory/classes/heap/objects:bytes"

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		log.Fatal(err)
	}
	var msg events.SQSMessage
	if err := json.Unmarshal(in, &msg); err != nil {
		log.Fatalf("stdin: %v", err)
	}
	worker := workers.NewProcessor(platform.MustLoad())

	peak := newHeapPeak()
	t0 := time.Now()
	resp, err := worker.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{msg}})
	elapsed := time.Since(t0)
	heap := peak.stop()
	if err != nil {
		log.Fatal(err)
	}
	hwm, err := vmHWM()
	if err != nil {
		log.Fatal(err)
	}
	out, _ := json.Marshal(map[string]any{"failures": len(resp.BatchItemFailures), "heapPeakBytes": heap,
		"seconds": elapsed.Seconds(), "vmHWMBytes": hwm})
	fmt.Println(string(out))
	if len(resp.BatchItemFailures) > 0 {
		os.Exit(1)
	}
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

// heapPeak samples the live heap until stopped.
type heapPeak struct {
	done chan struct{}
	wg   sync.WaitGroup
	max  uint64
}

func newHeapPeak() *heapPeak {
	h := &heapPeak{done: make(chan struct{})}
	h.sample()
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.done:
				return
			case <-t.C:
				h.sample()
			}
		}
	}()
	return h
}

func (h *heapPeak) sample() {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		h.max = max(h.max, s[0].Value.Uint64())
	}
}

func (h *heapPeak) stop() uint64 {
	close(h.done)
	h.wg.Wait()
	h.sample()
	return h.max
}
