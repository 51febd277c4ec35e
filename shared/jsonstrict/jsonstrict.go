// Package jsonstrict refuses what encoding/json quietly accepts in a request
// body: bytes that are not UTF-8 (and \u escapes of lone surrogates), which it
// would store as U+FFFD, and an object key given twice, of which it would keep
// the last (also when the two differ only in case, since it matches field
// names without regard to case). Both are ambiguous input (RFC 8259 §8.1, §4),
// so the API answers 400 instead of guessing.
package jsonstrict

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error says what is wrong and where; Path is the JSON path of the field
// ("items[2].id"), empty for the body as a whole.
type Error struct {
	Path   string
	Reason string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// Check reports the first string that is not valid Unicode and the first
// duplicate object key in body. Syntax errors are left to the decoder that
// follows (Check returns nil for them), so its message about them is kept.
func Check(body []byte) error {
	if !utf8.Valid(body) {
		return &Error{Reason: fmt.Sprintf("the body is not valid UTF-8 (first bad byte at offset %d); send JSON text in UTF-8", firstInvalid(body))}
	}
	if i := loneSurrogate(body); i >= 0 {
		return &Error{Reason: fmt.Sprintf(`a string has a \u escape of a lone UTF-16 surrogate at byte %d, which is not a character`, i)}
	}
	return duplicateKey(body)
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// loneSurrogate finds a \uD800-\uDFFF escape inside a string that is not a
// high surrogate followed by a low one; it returns its offset or -1.
func loneSurrogate(b []byte) int {
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !inString {
			if c == '"' {
				inString = true
			}
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if i+1 >= len(b) {
				return -1
			}
			if b[i+1] != 'u' {
				i++ // skip the escaped character
				continue
			}
			u, ok := hex4(b, i+2)
			if !ok {
				return -1 // a syntax error: the decoder says so
			}
			switch {
			case u >= 0xD800 && u <= 0xDBFF: // high: a low must follow
				if i+7 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
					if lo, ok := hex4(b, i+8); ok && lo >= 0xDC00 && lo <= 0xDFFF {
						i += 11
						continue
					}
				}
				return i
			case u >= 0xDC00 && u <= 0xDFFF:
				return i
			}
			i += 5
		}
	}
	return -1
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[at:at+4]), 16, 32)
	return rune(n), err == nil
}

// frame is one open object or array while scanning.
type frame struct {
	name    string   // this value's place in its parent: ".key" or "[i]"
	obj     bool     // an object (else an array)
	keys    []string // the object's keys so far
	wantKey bool     // the next string is a key
	index   int      // the array's current index
	lastKey string
}

// duplicateKey scans body once, without building values, for an object key
// given twice (compared after unescaping, as a decoder sees them). Bytes that
// do not make JSON are skipped: the decoder that follows reports them.
func duplicateKey(body []byte) error {
	var stack []frame
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '"':
			end := stringEnd(body, i)
			if end < 0 {
				return nil
			}
			if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].wantKey {
				top := &stack[n-1]
				k := unquote(body[i : end+1])
				for _, seen := range top.keys {
					switch {
					case seen == k:
						return &Error{Path: path(stack, "."+k), Reason: fmt.Sprintf("the key %q appears more than once in the same object; send each field once", k)}
					case strings.EqualFold(seen, k):
						// The API matches field names without regard to case
						// (encoding/json does), so these name one field.
						return &Error{Path: path(stack, "."+k), Reason: fmt.Sprintf("the key %q repeats %q (field names are matched without regard to case); send each field once", k, seen)}
					}
				}
				top.keys = append(top.keys, k)
				top.wantKey, top.lastKey = false, k
			}
			i = end
		case '{', '[':
			name := ""
			if n := len(stack); n > 0 {
				if stack[n-1].obj {
					name = "." + stack[n-1].lastKey
				} else {
					name = "[" + strconv.Itoa(stack[n-1].index) + "]"
				}
			}
			stack = append(stack, frame{name: name, obj: body[i] == '{', wantKey: body[i] == '{'})
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if n := len(stack); n > 0 {
				if stack[n-1].obj {
					stack[n-1].wantKey = true
				} else {
					stack[n-1].index++
				}
			}
		}
	}
	return nil
}

// stringEnd is the index of the quote that closes the string opened at
// body[start], or -1.
func stringEnd(body []byte, start int) int {
	for j := start + 1; j < len(body); j++ {
		switch body[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return -1
}

// unquote is a quoted JSON string's value; escapes are rare in keys, so the
// decoder is used only when there is one.
func unquote(q []byte) string {
	if bytes.IndexByte(q, '\\') < 0 {
		return string(q[1 : len(q)-1])
	}
	var s string
	if json.Unmarshal(q, &s) != nil {
		return string(q)
	}
	return s
}

// path is the JSON path of a field of the innermost frame.
func path(stack []frame, last string) string {
	var sb strings.Builder
	for _, f := range stack {
		sb.WriteString(f.name)
	}
	sb.WriteString(last)
	return strings.TrimPrefix(sb.String(), ".")
}
