package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/packages"
)

// writeJSON writes v as indented JSON and a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeRawJSON writes an API answer as is (indented), so --json output keeps
// fields this CLI does not know yet.
func writeRawJSON(w io.Writer, raw []byte) error {
	raw = bytes.TrimSpace(raw)
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		buf.Reset()
		buf.Write(raw)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// problemLine formats a package problem as "code: message (path)".
func problemLine(p packages.Problem) string {
	if p.Path == "" {
		return p.Code + ": " + p.Message
	}
	return fmt.Sprintf("%s: %s (%s)", p.Code, p.Message, p.Path)
}

// printLocalReport shows why local validation refused the package.
func (c *cli) printLocalReport(rep packages.Report) {
	if c.opts.json {
		writeJSON(c.stdout, map[string]any{"stage": "local", "report": rep})
		return
	}
	fmt.Fprintf(c.stdout, "The package is invalid (%s); nothing was uploaded:\n", plural(len(rep.Problems), "problem"))
	for _, p := range rep.Problems {
		fmt.Fprintln(c.stdout, "  "+problemLine(p))
	}
}

// versionReport decodes a version's report; ok is false when it has none yet.
func versionReport(v domain.PackageVersion) (packages.Report, bool) {
	var rep packages.Report
	if len(v.Report) == 0 || string(v.Report) == "null" {
		return rep, false
	}
	if err := json.Unmarshal(v.Report, &rep); err != nil {
		return rep, false
	}
	return rep, true
}

// printVersion shows one version with its report.
func (c *cli) printVersion(v domain.PackageVersion, raw json.RawMessage) error {
	if c.opts.json {
		return writeRawJSON(c.stdout, raw)
	}
	fmt.Fprintf(c.stdout, "version %s: %s\n", v.Version, v.Status)
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "  %s\t%s\n", k, v)
		}
	}
	row("id", v.ID)
	row("size", fmt.Sprintf("%s (%d bytes)", humanSize(v.Size), v.Size))
	row("sha256", v.SHA256)
	row("started", formatTime(&v.CreatedAt))
	row("uploaded", formatTime(v.ReceivedAt))
	row("processed", formatTime(v.ProcessedAt))
	rep, hasReport := versionReport(v)
	if hasReport {
		row("entries", fmt.Sprintf("%d; main package %s, uncompressed %s", rep.Entries, humanSize(rep.MainBytes), humanSize(rep.UncompressedBytes)))
		if m := rep.Manifest; m != nil {
			row("pages", strings.Join(m.Pages, ", "))
			row("entry page", m.EntryPage)
			if m.Subpackages > 0 {
				row("subpackages", fmt.Sprint(m.Subpackages))
			}
		}
	}
	row("failure", v.Failure)
	tw.Flush()
	if hasReport && len(rep.Problems) > 0 {
		fmt.Fprintf(c.stdout, "problems:\n")
		for _, p := range rep.Problems {
			fmt.Fprintln(c.stdout, "  "+problemLine(p))
		}
	}
	return nil
}

func formatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// printVersionTable shows versions as a table.
func printVersionTable(w io.Writer, vs []domain.PackageVersion) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tSTATUS\tSIZE\tUPLOADED\tPROCESSED")
	for _, v := range vs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.Version, v.Status, humanSize(v.Size), orDash(shortTime(v.ReceivedAt)), orDash(shortTime(v.ProcessedAt)))
	}
	tw.Flush()
}

func shortTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
