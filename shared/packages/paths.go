package packages

import (
	"path"
	"strings"
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
