package packages

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mpdp/platform/shared/domain"
)

// Manifest is what app.json declares. Unknown fields are allowed and ignored.
type Manifest struct {
	Version       string          `json:"version"`
	Pages         []string        `json:"pages"`
	Subpackages   []Subpackage    `json:"subpackages,omitempty"`
	EntryPagePath string          `json:"entryPagePath,omitempty"`
	Window        json.RawMessage `json:"window,omitempty"` // passed through to the runtime as is
}

// Subpackage is a directory of pages that the host app downloads on first use,
// outside the main package's size limit.
type Subpackage struct {
	Root  string   `json:"root"`  // directory, without a trailing "/"
	Pages []string `json:"pages"` // relative to Root
}

// AllPages returns every page's path from the package root: the main pages,
// then each subpackage's.
func (m Manifest) AllPages() []string {
	all := append([]string(nil), m.Pages...)
	for _, sp := range m.Subpackages {
		for _, p := range sp.Pages {
			all = append(all, sp.Root+"/"+p)
		}
	}
	return all
}

// EntryPage is the page the host app opens first: entryPagePath when set, else
// the first page.
func (m Manifest) EntryPage() string {
	if m.EntryPagePath != "" {
		return m.EntryPagePath
	}
	if len(m.Pages) > 0 {
		return m.Pages[0]
	}
	return ""
}

// subpackageRoot returns the root of the subpackage that p lies in, if any.
func (m Manifest) subpackageRoot(p string) (string, bool) {
	for _, sp := range m.Subpackages {
		if under(p, sp.Root) {
			return sp.Root, true
		}
	}
	return "", false
}

// ParseManifest parses the content of app.json. It returns every problem it
// finds (all with code manifest_invalid), and a Manifest holding only the parts
// that are valid, so that callers can go on checking, say, which valid pages
// have no file.
func ParseManifest(data []byte) (Manifest, []Problem) {
	var p manifestParser
	p.parse(data)
	return p.m, p.problems
}

type manifestParser struct {
	m        Manifest
	problems []Problem
	subIndex []int // position in app.json of each of m.Subpackages, for messages
}

func (p *manifestParser) addf(format string, args ...any) {
	p.problems = append(p.problems, Problem{
		Code:    CodeManifestInvalid,
		Message: ManifestName + ": " + fmt.Sprintf(format, args...),
		Path:    ManifestName,
	})
}

func (p *manifestParser) parse(data []byte) {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		// encoding/json and the host apps' JSON.parse both refuse it; say so plainly.
		p.addf("starts with a UTF-8 byte order mark; save the file without one")
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		if syn, ok := errors.AsType[*json.SyntaxError](err); ok {
			p.addf("not valid JSON at byte %d: %v", syn.Offset, syn)
		} else {
			p.addf("must be a JSON object, not %s", jsonKind(data))
		}
		return
	}
	if fields == nil {
		p.addf("must be a JSON object, not null")
		return
	}

	if raw, ok := fields["version"]; !ok {
		p.addf("version is missing; it must be a semantic version like 1.2.3")
	} else if s, ok := p.str(raw, "version"); ok {
		if _, err := domain.ParseSemver(s); err != nil {
			p.addf("version: %v", err)
		} else {
			p.m.Version = s
		}
	}

	raw, ok := fields["pages"]
	p.m.Pages = p.pageList(raw, ok, "pages")

	// WeChat-style manifests spell it subPackages; accept either, not both.
	key := "subpackages"
	raw, ok = fields[key]
	if alt, altOK := fields["subPackages"]; altOK {
		if ok {
			p.addf("both subpackages and subPackages are set; keep only subpackages")
		} else {
			key, raw, ok = "subPackages", alt, true
		}
	}
	if ok {
		p.subpackages(raw, key)
	}
	p.crossCheck(key)

	if raw, ok := fields["entryPagePath"]; ok {
		if s, ok := p.str(raw, "entryPagePath"); ok {
			declared := false
			for _, page := range p.m.AllPages() {
				declared = declared || page == s
			}
			if declared {
				p.m.EntryPagePath = s
			} else {
				p.addf("entryPagePath %q is not one of the declared pages", s)
			}
		}
	}
	p.m.Window = fields["window"]
}

// str decodes a JSON string; null and other kinds are problems, not "".
func (p *manifestParser) str(raw json.RawMessage, field string) (string, bool) {
	var s string
	if k := jsonKind(raw); k != "a string" {
		p.addf("%s must be a string, not %s", field, k)
		return "", false
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		p.addf("%s: %v", field, err)
		return "", false
	}
	return s, true
}

// pageList checks a list of page paths and returns the valid ones.
func (p *manifestParser) pageList(raw json.RawMessage, present bool, field string) []string {
	if !present {
		p.addf(`%s is missing; it must list at least one page, like ["pages/index/index"]`, field)
		return nil
	}
	var items []json.RawMessage
	if k := jsonKind(raw); k != "an array" {
		p.addf("%s must be an array of page paths, not %s", field, k)
		return nil
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		p.addf("%s: %v", field, err)
		return nil
	}
	if len(items) == 0 {
		p.addf("%s is empty; it must list at least one page", field)
		return nil
	}
	pages := make([]string, 0, len(items))
	for i, item := range items {
		s, ok := p.str(item, fmt.Sprintf("%s[%d]", field, i))
		if !ok {
			continue
		}
		if why := pageProblem(s); why != "" {
			p.addf("%s[%d] %q %s", field, i, s, why)
			continue
		}
		pages = append(pages, s)
	}
	return pages
}

func (p *manifestParser) subpackages(raw json.RawMessage, key string) {
	var items []json.RawMessage
	if k := jsonKind(raw); k != "an array" {
		p.addf(`%s must be an array of {"root": ..., "pages": [...]} objects, not %s`, key, k)
		return
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		p.addf("%s: %v", key, err)
		return
	}
	for i, item := range items {
		field := fmt.Sprintf("%s[%d]", key, i)
		var sp map[string]json.RawMessage
		if k := jsonKind(item); k != "an object" {
			p.addf("%s must be an object, not %s", field, k)
			continue
		}
		if err := json.Unmarshal(item, &sp); err != nil {
			p.addf("%s: %v", field, err)
			continue
		}
		rawPages, ok := sp["pages"]
		pages := p.pageList(rawPages, ok, field+".pages")
		rawRoot, ok := sp["root"]
		if !ok {
			p.addf("%s.root is missing; it must name the subpackage's directory", field)
			continue
		}
		root, ok := p.str(rawRoot, field+".root")
		if !ok {
			continue
		}
		// "pkgA/" and "pkgA" name the same directory.
		trimmed := trimSlash(root)
		if why := pathProblem(trimmed, true); why != "" {
			p.addf("%s.root %q %s", field, root, why)
			continue
		}
		root = trimmed
		for j, other := range p.m.Subpackages {
			if other.Root == root || under(root, other.Root) || under(other.Root, root) {
				p.addf("%s.root %q overlaps %s[%d].root %q; subpackage roots must be separate directories",
					field, root, key, p.subIndex[j], other.Root)
			}
		}
		p.m.Subpackages = append(p.m.Subpackages, Subpackage{Root: root, Pages: pages})
		p.subIndex = append(p.subIndex, i)
	}
}

// crossCheck finds main pages inside subpackage roots and pages declared twice,
// and drops the repeats so that later checks report each page once.
func (p *manifestParser) crossCheck(key string) {
	seen := map[string]string{} // full page path → where it was first declared
	keep := func(full, where string) bool {
		if first, dup := seen[full]; dup {
			p.addf("%s %q repeats %s", where, full, first)
			return false
		}
		seen[full] = where
		return true
	}
	pages := p.m.Pages[:0]
	for i, page := range p.m.Pages {
		where := fmt.Sprintf("pages[%d]", i)
		if root, ok := p.m.subpackageRoot(page); ok {
			p.addf("%s %q lies inside the subpackage root %q; list it in that subpackage's pages", where, page, root)
		}
		if keep(page, where) {
			pages = append(pages, page)
		}
	}
	p.m.Pages = pages
	for i := range p.m.Subpackages {
		sp := &p.m.Subpackages[i]
		pages := sp.Pages[:0]
		for j, page := range sp.Pages {
			if keep(sp.Root+"/"+page, fmt.Sprintf("%s[%d].pages[%d]", key, p.subIndex[i], j)) {
				pages = append(pages, page)
			}
		}
		sp.Pages = pages
	}
}

func trimSlash(s string) string {
	if len(s) > 1 && s[len(s)-1] == '/' {
		return s[:len(s)-1]
	}
	return s
}

// jsonKind names the kind of a JSON value for messages, from its first byte.
func jsonKind(raw []byte) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
