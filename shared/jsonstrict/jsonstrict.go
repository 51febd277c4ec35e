// Package jsonstrict refuses what encoding/json quietly accepts in a request
// body: bytes that are not UTF-8 (and \u escapes of lone surrogates), which it
// would store as U+FFFD, and an object key given twice, of which it would keep
// the last. Both are ambiguous input (RFC 8259 §8.1, §4), so the API answers
// 400 instead of guessing.
package jsonstrict

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// frame is one open object or array while walking the tokens.
type frame struct {
	name    string              // this value's key in its parent, or its index
	keys    map[string]struct{} // nil for an array
	wantKey bool
	index   int
}

func duplicateKey(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []*frame
	path := func(last string) string {
		var sb strings.Builder
		for _, f := range stack {
			sb.WriteString(f.name)
		}
		sb.WriteString(last)
		return strings.TrimPrefix(sb.String(), ".")
	}
	// next names the value about to be read in the top frame, and advances it.
	next := func() string {
		if len(stack) == 0 {
			return ""
		}
		top := stack[len(stack)-1]
		if top.keys == nil {
			n := "[" + strconv.Itoa(top.index) + "]"
			top.index++
			return n
		}
		top.wantKey = true
		return ""
	}
	var key string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return nil // a syntax error: the decoder says so
		}
		if len(stack) > 0 {
			if top := stack[len(stack)-1]; top.keys != nil && top.wantKey {
				if d, ok := tok.(json.Delim); ok && d == '}' {
					stack = stack[:len(stack)-1]
					continue
				}
				k, _ := tok.(string)
				if _, dup := top.keys[k]; dup {
					return &Error{Path: path("." + k), Reason: fmt.Sprintf("the key %q appears more than once in the same object; send each field once", k)}
				}
				top.keys[k] = struct{}{}
				top.wantKey = false
				key = "." + k
				continue
			}
		}
		name := key
		key = ""
		if len(stack) > 0 && stack[len(stack)-1].keys == nil {
			name = next()
		} else if len(stack) > 0 {
			next()
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{name: name, keys: map[string]struct{}{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{name: name})
		case json.Delim(']'), json.Delim('}'):
			stack = stack[:len(stack)-1]
		}
	}
}
