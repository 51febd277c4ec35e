// Package lazyre holds regular expressions compiled at their first use instead
// of at program start: a function's cold start then does not compile the
// patterns of validators and parsers its request may never reach (package
// initialization is part of every Lambda's start-to-ready time).
package lazyre

import (
	"regexp"
	"sync"
)

// Regexp is a regular expression compiled once, on first use. Its methods are
// those of regexp.Regexp that the platform uses.
type Regexp struct {
	compile func() *regexp.Regexp
}

// New returns expr, to be compiled on first use; like regexp.MustCompile, it
// panics then if expr is not a valid expression (tests of the package that
// declares it reach every one).
func New(expr string) *Regexp {
	return &Regexp{compile: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
}

// Regexp is the compiled expression.
func (r *Regexp) Regexp() *regexp.Regexp { return r.compile() }

func (r *Regexp) MatchString(s string) bool            { return r.compile().MatchString(s) }
func (r *Regexp) FindStringSubmatch(s string) []string { return r.compile().FindStringSubmatch(s) }
func (r *Regexp) FindStringIndex(s string) []int       { return r.compile().FindStringIndex(s) }
func (r *Regexp) ReplaceAllString(src, repl string) string {
	return r.compile().ReplaceAllString(src, repl)
}
func (r *Regexp) ReplaceAllStringFunc(src string, repl func(string) string) string {
	return r.compile().ReplaceAllStringFunc(src, repl)
}
