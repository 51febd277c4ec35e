package main

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// send streams total bytes through p in chunks, the clock moving 50 ms per chunk.
func send(p *progress, clock *fakeClock, total int64, chunk int) {
	src := io.LimitReader(zeros{}, total)
	buf := make([]byte, chunk)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			clock.advance(50 * time.Millisecond)
			p.Write(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

func TestProgressTerminalRedrawsOneLine(t *testing.T) {
	var out bytes.Buffer
	clock := &fakeClock{t: time.Unix(0, 0)}
	total := int64(27 << 20 / 10) // 2.7 MiB
	p := newProgress(&out, true, total, clock.now)
	p.Start()
	send(p, clock, total, 64<<10)
	p.Finish(nil)

	s := out.String()
	if !strings.HasPrefix(s, "\r[....................] 0% 0.0/2.7 MiB") {
		t.Fatalf("first draw: %q", s[:min(len(s), 60)])
	}
	if !strings.Contains(s, "\r[#########...........] 46% 1.2/2.7 MiB") {
		t.Errorf("no 46%% frame in %q", s)
	}
	if !strings.Contains(s, "\r[####################] 100% 2.7/2.7 MiB\n") {
		t.Errorf("no final frame in %q", s)
	}
	if !strings.HasSuffix(s, "uploaded 2.7 MiB in 2.2s\n") {
		t.Errorf("no closing line: %q", s[len(s)-40:])
	}
	// All the frames are on one line: the only newlines end the bar and the log line.
	if n := strings.Count(s, "\n"); n != 2 {
		t.Errorf("%d newlines in %q", n, s)
	}
	// Frames are throttled (every 100 ms) and never repeat a percentage.
	if frames := strings.Count(s, "\r"); frames < 10 || frames > 30 {
		t.Errorf("%d frames", frames)
	}
}

func TestProgressPlainLogsWithoutCarriageReturns(t *testing.T) {
	var out bytes.Buffer
	clock := &fakeClock{t: time.Unix(0, 0)}
	total := int64(27 << 20 / 10) // 2.7 MiB
	p := newProgress(&out, false, total, clock.now)
	p.Start()
	send(p, clock, total, 64<<10)
	p.Finish(nil)
	want := "uploading 2.7 MiB\nuploaded 2.7 MiB in 2.2s\n"
	if out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

func TestProgressFailureAndRetry(t *testing.T) {
	for _, tty := range []bool{true, false} {
		var out bytes.Buffer
		clock := &fakeClock{t: time.Unix(0, 0)}
		p := newProgress(&out, tty, 1000, clock.now)
		p.Start()
		send(p, clock, 400, 100)
		p.Break()
		out.WriteString("the upload failed; retrying\n")
		p.Reset()
		send(p, clock, 300, 100)
		p.Finish(errors.New("boom"))
		s := out.String()
		if !strings.HasSuffix(s, "\nupload failed after 300 B of 1000 B\n") || strings.Contains(s, "\n\n") {
			t.Errorf("tty=%v: %q", tty, s)
		}
		if !tty && strings.Contains(s, "\r") {
			t.Errorf("plain output has \\r: %q", s)
		}
		if tty && !strings.Contains(s, "] 40% 400/1000 B\nthe upload failed") {
			t.Errorf("tty: the failed attempt's bar does not end its line: %q", s)
		}
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 2831155: "2.7 MiB", 3 << 30: "3.0 GiB"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
