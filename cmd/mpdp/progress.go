package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress reports the bytes of an upload as they are written to it. On a
// terminal it redraws one bar line with \r; otherwise (CI logs) it prints a
// line when the upload starts and one when it ends, never a \r.
type progress struct {
	w     io.Writer
	tty   bool
	total int64
	now   func() time.Time

	done      int64
	started   time.Time
	lastDraw  time.Time
	lastShown int  // percent last drawn, to skip identical redraws
	onBar     bool // the cursor is at the end of a bar line
}

// redrawEvery limits terminal redraws.
const redrawEvery = 100 * time.Millisecond

const barWidth = 20

func newProgress(w io.Writer, tty bool, total int64, now func() time.Time) *progress {
	return &progress{w: w, tty: tty, total: total, now: now, lastShown: -1}
}

// Start announces the upload.
func (p *progress) Start() {
	p.started = p.now()
	if p.tty {
		p.draw()
		return
	}
	fmt.Fprintf(p.w, "uploading %s\n", humanSize(p.total))
}

// Write counts bytes sent; use it with io.TeeReader.
func (p *progress) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if p.tty {
		if t := p.now(); t.Sub(p.lastDraw) >= redrawEvery || p.done >= p.total {
			p.draw()
		}
	}
	return len(b), nil
}

// Break ends the bar's line, so that a message can follow (a failed attempt).
func (p *progress) Break() {
	if p.onBar {
		fmt.Fprintln(p.w)
		p.onBar = false
	}
}

// Reset starts the count again for a retried attempt.
func (p *progress) Reset() {
	p.done, p.lastShown = 0, -1
	if p.tty {
		p.draw()
	}
}

// Finish completes the bar (terminal) and logs the outcome.
func (p *progress) Finish(err error) {
	elapsed := p.now().Sub(p.started).Round(100 * time.Millisecond)
	if p.tty && err == nil {
		p.draw()
	}
	p.Break()
	if err != nil {
		fmt.Fprintf(p.w, "upload failed after %s of %s\n", humanSize(p.done), humanSize(p.total))
		return
	}
	fmt.Fprintf(p.w, "uploaded %s in %s\n", humanSize(p.total), elapsed)
}

// draw redraws the bar: "\r[#####.....] 45% 1.2/2.7 MiB".
func (p *progress) draw() {
	pct := 100
	if p.total > 0 {
		pct = int(min(p.done, p.total) * 100 / p.total)
	}
	p.lastDraw = p.now()
	if pct == p.lastShown && p.onBar {
		return
	}
	p.lastShown, p.onBar = pct, true
	filled := pct * barWidth / 100
	bar := strings.Repeat("#", filled) + strings.Repeat(".", barWidth-filled)
	done := min(p.done, p.total)
	if unit, div := sizeUnit(p.total); div > 1 {
		fmt.Fprintf(p.w, "\r[%s] %d%% %.1f/%.1f %s", bar, pct, float64(done)/div, float64(p.total)/div, unit)
	} else {
		fmt.Fprintf(p.w, "\r[%s] %d%% %d/%d B", bar, pct, done, p.total)
	}
}

// sizeUnit picks the unit for showing sizes up to n.
func sizeUnit(n int64) (string, float64) {
	switch {
	case n >= 1<<30:
		return "GiB", 1 << 30
	case n >= 1<<20:
		return "MiB", 1 << 20
	case n >= 1<<10:
		return "KiB", 1 << 10
	}
	return "B", 1
}

// humanSize formats a byte count: "512 B", "2.7 MiB".
func humanSize(n int64) string {
	unit, div := sizeUnit(n)
	if div == 1 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", float64(n)/div, unit)
}
