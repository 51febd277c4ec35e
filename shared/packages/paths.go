package packages

import (
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// pathProblem says why p is not a safe relative slash path, or returns "" when
// it is. Safe paths stay inside the directory a package is extracted into on
// every platform. When canonical is set, "." segments are refused too: manifest
// paths are matched byte for byte against entry names, so they must be written
// in one way only.
func pathProblem(p string, canonical bool) string {
	switch {
	case p == "":
		return "is empty"
	case strings.IndexByte(p, 0) >= 0:
		return "contains a NUL byte"
	case strings.IndexByte(p, '\\') >= 0:
		return `contains a backslash (zip paths use "/")`
	case p[0] == '/':
		return "is absolute"
	case len(p) >= 2 && p[1] == ':' && isASCIILetter(p[0]):
		return "starts with a drive letter"
	}
	for rest := p; ; {
		seg, more, found := strings.Cut(rest, "/")
		switch {
		case seg == "":
			return "has an empty segment"
		case seg == "..":
			return `has a ".." segment`
		case seg == "." && canonical:
			return `has a "." segment`
		}
		if !found {
			return ""
		}
		rest = more
	}
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// entryPath checks a zip entry's name and returns its cleaned form. Directory
// entries end in "/", which is not an empty segment.
func entryPath(name string) (clean, problem string) {
	trimmed := strings.TrimSuffix(name, "/")
	if problem = pathProblem(trimmed, false); problem != "" {
		return "", problem
	}
	clean = path.Clean(trimmed)
	if clean == "." {
		return "", `is "." (the root itself)`
	}
	return clean, ""
}

// pageProblem checks a page path from app.json: a canonical relative path with
// no extension, because the runtime adds ".js", ".json" and friends itself.
func pageProblem(p string) string {
	if why := pathProblem(p, true); why != "" {
		return why
	}
	if ext := path.Ext(p); ext != "" {
		return "has the extension " + ext + "; pages are written without one, like \"pages/index/index\""
	}
	return ""
}

// under reports whether p lies inside the directory root.
func under(p, root string) bool {
	return len(p) > len(root) && p[len(root)] == '/' && strings.HasPrefix(p, root)
}

// foldKey is the same for paths that a case-insensitive or normalising file
// system (macOS, Windows, many phones' storage) treats as one file:
// "Pages/Index.js" and "pages/index.js", "é" composed (NFC) and decomposed (NFD).
func foldKey(p string) string {
	return norm.NFC.String(cases.Fold().String(norm.NFD.String(p)))
}

// characterProblem says why a name has characters that must not be in a
// path, or returns "". Control characters, format characters (bidi controls
// such as U+202E, which reverse how the rest of a name reads, zero-width
// characters, the BOM) and line separators make one name look like another
// in listings and reviews; bytes that are not UTF-8 are read differently by
// different tools. NUL is reported by pathProblem.
func characterProblem(name string) string {
	for i, r := range name {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(name[i:], "\uFFFD"): // a byte that is not UTF-8
			return fmt.Sprintf("is not valid UTF-8 (byte %d)", i)
		case r == 0:
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
			return fmt.Sprintf("contains the invisible character %U at byte %d", r, i)
		}
	}
	return ""
}
