package analytics

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/mpdp/platform/shared/lazyre"
)

// FingerprintFrames is how many in-app frames, from the top of the stack,
// identify a crash group.
const FingerprintFrames = 5

// FrameworkFiles are file base names (lower case) of the host app's mini
// program framework; their frames are skipped when a stack also has in-app
// frames, because they are the same for every bug. Frames without a file
// ("[native code]", "<anonymous>", "native") are always skipped.
var FrameworkFiles = map[string]bool{
	"waservice.js":    true,
	"wawebview.js":    true,
	"wasubcontext.js": true,
	"appservice.js":   true,
	"webview.js":      true,
	"framework.js":    true,
}

// Frame is one normalised stack frame.
type Frame struct {
	Function string // last component of the function name, "" if anonymous
	File     string // normalised path, up to 3 segments, no host, hash or line
}

var (
	v8Frame  = lazyre.New(`^at\s+(?:(.*?)\s+\((.*)\)|(.*))$`)
	lineCol  = lazyre.New(`(?::\d+){1,2}$`)
	schemeRE = lazyre.New(`^[A-Za-z][A-Za-z0-9+.-]*://[^/]*`)
	hexRE    = lazyre.New(`0[xX][0-9a-fA-F]+`)
	uuidRE   = lazyre.New(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	buildSeg = lazyre.New(`^(?:[0-9a-fA-F]{8,}|\d+|v?\d+(?:\.\d+)+(?:-[A-Za-z0-9.]+)?|[0-9a-fA-F]+-[0-9a-fA-F-]{8,})$`)
	hashPart = lazyre.New(`^[0-9a-fA-F]{6,}$`)
)

// ParseStack extracts the frames of a V8 ("at fn (file:line:col)",
// "at file:line:col") or JavaScriptCore/Safari ("fn@file:line:col") stack,
// normalised: no line or column numbers, no query strings or hashes, no
// scheme or host, no build-specific path segments (hex build ids, UUIDs,
// numbers, versions), content hashes removed from file names
// (app.3f9a1c.js → app.js), only the last 3 path segments kept; function
// names reduced to their last dotted component (Page.onLoad → onLoad, so V8
// and JavaScriptCore agree), without "async "/"new " prefixes, "[as x]"
// aliases or memory addresses; anonymous names become "". Lines that are not
// frames (the message line) are ignored.
func ParseStack(stack string) []Frame {
	var frames []Frame
	for _, line := range strings.Split(stack, "\n") {
		line = strings.TrimSpace(line)
		var fn, file string
		switch {
		case strings.HasPrefix(line, "at ") || strings.HasPrefix(line, "at\t"):
			m := v8Frame.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			if m[3] != "" {
				file = m[3]
			} else {
				fn, file = m[1], m[2]
			}
		case strings.Contains(line, "@"):
			i := strings.Index(line, "@")
			fn, file = line[:i], line[i+1:]
		default:
			continue
		}
		frames = append(frames, Frame{Function: normFunc(fn), File: normFile(file)})
	}
	return frames
}

// fixpoint applies f until the value stops changing; every f here only
// removes characters, so it terminates, and the result is idempotent.
func fixpoint(s string, f func(string) string) string {
	for {
		n := f(s)
		if n == s {
			return n
		}
		s = n
	}
}

func normFunc(fn string) string { return fixpoint(fn, normFuncOnce) }

func normFile(file string) string { return fixpoint(file, normFileOnce) }

func normFuncOnce(fn string) string {
	fn = strings.TrimSpace(fn)
	if i := strings.Index(fn, " [as "); i >= 0 {
		fn = fn[:i]
	}
	for _, p := range []string{"async ", "new "} {
		fn = strings.TrimPrefix(fn, p)
	}
	fn = hexRE.ReplaceAllString(fn, "")
	if strings.ContainsAny(fn, " \t") { // "global code", "eval code", "Anonymous function"
		return ""
	}
	fn = keep(fn, func(r rune) bool {
		return r == '_' || r == '$' || r == '.' || r == '<' || r == '>' || isAlnum(r)
	})
	if i := strings.LastIndex(fn, "."); i >= 0 {
		fn = fn[i+1:]
	}
	switch strings.ToLower(fn) {
	case "", "<anonymous>", "anonymous", "<anon>", "eval", "<eval>":
		return ""
	}
	return fn
}

func normFileOnce(file string) string {
	file = strings.TrimSpace(file)
	if strings.HasPrefix(file, "eval at ") || strings.HasPrefix(file, "<anonymous>") || file == "native" || strings.HasPrefix(file, "[native") {
		return ""
	}
	if m := lineCol.FindStringIndex(file); m != nil {
		file = file[:m[0]]
	}
	file = schemeRE.ReplaceAllString(file, "")
	if i := strings.IndexAny(file, "?#"); i >= 0 {
		file = file[:i]
	}
	file = keep(file, func(r rune) bool {
		return r == '_' || r == '$' || r == '.' || r == '-' || r == '/' || r == '~' || isAlnum(r)
	})
	var segs []string
	for _, s := range strings.Split(file, "/") {
		if s == "" || s == "." || s == ".." || buildSeg.MatchString(s) || uuidRE.MatchString(s) {
			continue
		}
		segs = append(segs, s)
	}
	if len(segs) == 0 {
		return ""
	}
	segs[len(segs)-1] = stripContentHash(segs[len(segs)-1])
	if len(segs) > 3 {
		segs = segs[len(segs)-3:]
	}
	return strings.Join(segs, "/")
}

// stripContentHash drops hash parts of a bundler's file name:
// app.3f9a1c.js → app.js, app-3f9a1c2b.js → app.js.
func stripContentHash(name string) string {
	parts := strings.Split(name, ".")
	if len(parts) < 2 {
		return name
	}
	out := parts[:1]
	for _, p := range parts[1 : len(parts)-1] {
		if !(hashPart.MatchString(p) && strings.ContainsAny(p, "0123456789")) {
			out = append(out, p)
		}
	}
	out = append(out, parts[len(parts)-1])
	if i := strings.LastIndexAny(out[0], "-_"); i > 0 {
		if h := out[0][i+1:]; len(h) >= 8 && hashPart.MatchString(h) && strings.ContainsAny(h, "0123456789") {
			out[0] = out[0][:i]
		}
	}
	return strings.Join(out, ".")
}

func isFramework(f Frame) bool {
	base := f.File[strings.LastIndex(f.File, "/")+1:]
	return FrameworkFiles[strings.ToLower(base)]
}

// KeyFrames are the frames that identify a stack: the top FingerprintFrames
// in-app frames, or, if there are none, the top framework frames.
func KeyFrames(stack string) []Frame {
	var app, fw []Frame
	for _, f := range ParseStack(stack) {
		switch {
		case f.File == "":
		case isFramework(f):
			if len(fw) < FingerprintFrames {
				fw = append(fw, f)
			}
		case len(app) < FingerprintFrames:
			app = append(app, f)
		}
	}
	if len(app) == 0 {
		return fw
	}
	return app
}

// NormalizeStack renders KeyFrames as "at fn (file)" lines; it is "" when
// the stack has no usable frames. Fingerprint(NormalizeStack(s)) ==
// Fingerprint(s) whenever NormalizeStack(s) != "".
func NormalizeStack(stack string) string {
	var b strings.Builder
	for i, f := range KeyFrames(stack) {
		if i > 0 {
			b.WriteByte('\n')
		}
		if f.Function == "" {
			b.WriteString("at " + f.File)
		} else {
			b.WriteString("at " + f.Function + " (" + f.File + ")")
		}
	}
	return b.String()
}

// Fingerprint identifies a crash group: the SHA-256 of the normalised key
// frames (see ParseStack, KeyFrames), as 32 hex characters (16 bytes). It
// is stable across line and column changes, rebuilds (content hashes,
// build paths, hosts) and engines' naming of methods, and differs for
// different call paths. A stack without usable frames is fingerprinted by
// NormalizeMessage(stack).
func Fingerprint(stack string) string {
	n := NormalizeStack(stack)
	if n == "" {
		return hashFP("message\n" + NormalizeMessage(stack))
	}
	return hashFP("stack\n" + n)
}

// CrashFingerprint is Fingerprint of the crash's stack, or of its
// normalised message when the stack has no usable frames.
func CrashFingerprint(c Crash) string {
	if n := NormalizeStack(c.Stack); n != "" {
		return hashFP("stack\n" + n)
	}
	return hashFP("message\n" + NormalizeMessage(c.Message))
}

func hashFP(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

var (
	quotedRE = lazyre.New("\"[^\"]*\"|'[^']*'|`[^`]*`")
	uuidAny  = lazyre.New(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	wordRE   = lazyre.New(`[A-Za-z0-9_]+`)
	spaceRE  = lazyre.New(`\s+`)
	hexWord  = lazyre.New(`^0[xX][0-9a-fA-F]+$`)
)

// MaxNormalizedMessage bounds NormalizeMessage's output, in bytes.
const MaxNormalizedMessage = 512

// NormalizeMessage replaces the variable parts of an error message with
// placeholders, so the same error with different data groups together:
// quoted strings → <str>, UUIDs → <id>, 0x… → <hex>, numbers → <n>, words of
// 8+ characters containing digits (hex ids, tokens) → <id>, leading digits of
// shorter words → <n> (5s → <n>s); whitespace is
// collapsed and the result is at most 512 bytes. It is idempotent.
func NormalizeMessage(msg string) string {
	msg = strings.ToValidUTF8(msg, "")
	msg = quotedRE.ReplaceAllString(msg, "<str>")
	msg = uuidAny.ReplaceAllString(msg, "<id>")
	msg = wordRE.ReplaceAllStringFunc(msg, func(w string) string {
		hasDigit := strings.ContainsAny(w, "0123456789")
		switch {
		case !hasDigit:
			return w
		case strings.Trim(w, "0123456789") == "":
			return "<n>"
		case hexWord.MatchString(w):
			return "<hex>"
		case len(w) >= 8:
			return "<id>"
		case w[0] >= '0' && w[0] <= '9': // 5s, 100ms, 2nd
			return "<n>" + strings.TrimLeft(w, "0123456789")
		}
		return w
	})
	msg = strings.TrimSpace(spaceRE.ReplaceAllString(msg, " "))
	if len(msg) > MaxNormalizedMessage {
		cut := MaxNormalizedMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = strings.TrimSpace(msg[:cut])
	}
	return msg
}

func keep(s string, ok func(rune) bool) string {
	return strings.Map(func(r rune) rune {
		if ok(r) {
			return r
		}
		return -1
	}, s)
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
