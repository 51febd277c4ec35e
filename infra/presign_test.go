package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mpdp/platform/shared/bucket"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/routes"
)

// apiDir is the package whose handlers sign URLs (shared/api).
const apiDir = "../shared/api"

// presignActions: a presigned URL acts with the signer's permissions, so a
// presigned PUT needs s3:PutObject and a presigned GET s3:GetObject on its key.
var presignActions = map[string]string{"PresignPut": "s3:PutObject", "PresignGet": "s3:GetObject"}

// keyBuilders are the functions of package bucket that build signed keys, with
// the prefix each key starts with (checked by TestKeyBuildersPrefixes).
var keyBuilders = map[string]string{
	"IncomingKey":   resources.Bucket.IncomingPrefix,
	"PackageKey":    resources.Bucket.PackagesPrefix,
	"AssetKey":      resources.Bucket.AssetsPrefix,
	"ScreenshotKey": resources.Bucket.AssetsPrefix,
}

func TestKeyBuildersPrefixes(t *testing.T) {
	v := domain.PackageVersion{WorkspaceID: "ws", MiniProgramID: "mp", Version: "1.0.0", ID: "v1"}
	for name, key := range map[string]string{
		"IncomingKey":   bucket.IncomingKey(v),
		"PackageKey":    bucket.PackageKey(v),
		"AssetKey":      bucket.AssetKey("ws", "id", "png"),
		"ScreenshotKey": bucket.ScreenshotKey("user", "id", "png"),
	} {
		if want, ok := keyBuilders[name]; !ok || !strings.HasPrefix(key, want) {
			t.Errorf("bucket.%s builds %q, want a key under %q", name, key, want)
		}
	}
	if len(keyBuilders) != 4 {
		t.Errorf("keyBuilders has %d entries; check each one above", len(keyBuilders))
	}
}

// signing is one presigned URL the code can sign: an S3 action on a key prefix.
type signing struct {
	Action, Prefix string
	Where          string // file:line of the call
}

// apiSource is package api parsed: its functions and methods by name (both
// share one name space in a package, the receiver always being *Server), the
// calls each makes to the others, and the URLs each signs directly.
type apiSource struct {
	fset  *token.FileSet
	funcs map[string]*ast.FuncDecl
}

func parseAPI(t *testing.T) *apiSource {
	t.Helper()
	src := &apiSource{fset: token.NewFileSet(), funcs: map[string]*ast.FuncDecl{}}
	entries, err := os.ReadDir(apiDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(src.fset, filepath.Join(apiDir, e.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				if fd.Recv != nil {
					// Only *Server's methods are reachable through s.<name>.
					if star, ok := fd.Recv.List[0].Type.(*ast.StarExpr); !ok || star.X.(*ast.Ident).Name != "Server" {
						continue
					}
				}
				if _, dup := src.funcs[fd.Name.Name]; dup {
					t.Fatalf("package api declares %s twice (function and method): the call graph below keys by name", fd.Name.Name)
				}
				src.funcs[fd.Name.Name] = fd
			}
		}
	}
	return src
}

// callees are the functions and *Server methods fn's body names (called or
// passed as values, closures included).
func (src *apiSource) callees(n ast.Node) []string {
	var out []string
	ast.Inspect(n, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && id.Name == "s" {
				if _, ok := src.funcs[x.Sel.Name]; ok {
					out = append(out, x.Sel.Name)
				}
			}
		case *ast.CallExpr:
			fun := x.Fun
			if ix, ok := fun.(*ast.IndexExpr); ok {
				fun = ix.X
			}
			if ix, ok := fun.(*ast.IndexListExpr); ok {
				fun = ix.X
			}
			if id, ok := fun.(*ast.Ident); ok {
				if fd, ok := src.funcs[id.Name]; ok && fd.Recv == nil {
					out = append(out, id.Name)
				}
			}
		}
		return true
	})
	return out
}

// signings are the presigned URLs fn signs itself. The key must be built by a
// function of keyBuilders (directly or through a local variable), or be a
// parameter that fn checks against a resources.Bucket prefix
// (strings.HasPrefix(param, resources.Bucket.<X>Prefix)); anything else fails
// the test, because its prefix, and so the grant it needs, is unknown.
func (src *apiSource) signings(t *testing.T, fd *ast.FuncDecl) []signing {
	var out []signing
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		action, ok := presignActions[sel.Sel.Name]
		if !ok {
			return true
		}
		where := src.fset.Position(call.Pos()).String()
		if len(call.Args) < 2 {
			t.Errorf("%s: %s with %d arguments", where, sel.Sel.Name, len(call.Args))
			return true
		}
		prefix, err := src.prefixOf(fd, call.Args[1], 0)
		if err != nil {
			t.Errorf("%s: %s in %s: %v", where, sel.Sel.Name, fd.Name.Name, err)
			return true
		}
		out = append(out, signing{Action: action, Prefix: prefix, Where: where})
		return true
	})
	return out
}

func (src *apiSource) prefixOf(fd *ast.FuncDecl, key ast.Expr, depth int) (string, error) {
	if depth > 5 {
		return "", fmt.Errorf("key %s: too many assignments to follow", exprString(key))
	}
	switch k := key.(type) {
	case *ast.CallExpr:
		if sel, ok := k.Fun.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "bucket" {
				if p, ok := keyBuilders[sel.Sel.Name]; ok {
					return p, nil
				}
			}
		}
	case *ast.Ident:
		// A local variable assigned once from a key builder.
		var found ast.Expr
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != len(as.Rhs) {
				return true
			}
			for i, l := range as.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == k.Name {
					found = as.Rhs[i]
				}
			}
			return true
		})
		if found != nil {
			return src.prefixOf(fd, found, depth+1)
		}
		// A parameter checked against a bucket prefix.
		var prefix string
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || exprString(call.Fun) != "strings.HasPrefix" || len(call.Args) != 2 || exprString(call.Args[0]) != k.Name {
				return true
			}
			if name, ok := strings.CutPrefix(exprString(call.Args[1]), "resources.Bucket."); ok {
				switch name {
				case "IncomingPrefix":
					prefix = resources.Bucket.IncomingPrefix
				case "PackagesPrefix":
					prefix = resources.Bucket.PackagesPrefix
				case "AssetsPrefix":
					prefix = resources.Bucket.AssetsPrefix
				case "ArchivePrefix":
					prefix = resources.Bucket.ArchivePrefix
				}
			}
			return true
		})
		if prefix != "" {
			return prefix, nil
		}
	}
	return "", fmt.Errorf("cannot tell which bucket prefix the key %s is under: build it with a bucket key function "+
		"(%v) or check the parameter with strings.HasPrefix(key, resources.Bucket.<X>Prefix)", exprString(key), slices.Sorted(mapsKeys(keyBuilders)))
}

// types renders a simple expression (identifiers and selectors) as source.
func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	case *ast.CallExpr:
		return exprString(x.Fun) + "(...)"
	}
	return fmt.Sprintf("%T", e)
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// routeHandlers reads the per-function handler sets of server.go (every
// method named <function>Handlers): each route pattern and the functions its
// handler expression names.
func (src *apiSource) routeHandlers(t *testing.T) map[string][]string {
	out := map[string][]string{}
	for name, fd := range src.funcs {
		if !strings.HasSuffix(name, "Handlers") {
			continue
		}
		src.collectRoutes(t, fd, out)
	}
	if len(out) == 0 {
		t.Fatal("package api has no <function>Handlers() sets")
	}
	return out
}

func (src *apiSource) collectRoutes(t *testing.T, fd *ast.FuncDecl, out map[string][]string) {
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		kv, ok := n.(*ast.KeyValueExpr)
		if !ok {
			return true
		}
		lit, ok := kv.Key.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		pattern, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		out[pattern] = src.callees(kv.Value)
		return false
	})
}

// routeSignings is what each route's handler can sign, through every function
// of package api it can reach.
func (src *apiSource) routeSignings(t *testing.T) map[string][]signing {
	direct := map[string][]signing{}
	for name, fd := range src.funcs {
		direct[name] = src.signings(t, fd)
	}
	out := map[string][]signing{}
	for pattern, roots := range src.routeHandlers(t) {
		seen := map[string]bool{}
		queue := slices.Clone(roots)
		for len(queue) > 0 {
			name := queue[0]
			queue = queue[1:]
			if seen[name] {
				continue
			}
			seen[name] = true
			out[pattern] = append(out[pattern], direct[name]...)
			queue = append(queue, src.callees(src.funcs[name].Body)...)
		}
	}
	return out
}

// TestPresignedURLsAreGranted: every URL a route's handler can sign (found in
// the source of package api, through every function it reaches) is allowed by
// the IAM grants of the function that serves the route, as its permissions
// (resources.Functions) give them (scopedGrants, which TestIAMLeastPrivilege
// checks against the template). moto checks no IAM, so without this a URL
// signed without a grant works locally and answers 403 in AWS.
func TestPresignedURLsAreGranted(t *testing.T) {
	s := synth(t)
	src := parseAPI(t)
	signs := src.routeSignings(t)
	grants := s.scopedGrants()
	objects := s.objectsARN()
	fns := map[string]resources.Function{}
	for _, fn := range resources.Functions {
		fns[fn.Name] = fn
	}
	signed := 0
	for _, r := range routes.Table {
		fn, ok := fns[r.Function]
		if !ok {
			t.Fatalf("route %s: unknown function %s", r.Pattern(), r.Function)
		}
		var held []string
		for _, p := range fn.Permissions {
			held = append(held, grants[p]...)
		}
		for _, sg := range signs[r.Pattern()] {
			signed++
			if want := sg.Action + " on " + objects(sg.Prefix); !slices.Contains(held, want) {
				t.Errorf("%s (function %s) signs %s URLs under %s (%s), but the function's permissions %v do not grant %s there",
					r.Pattern(), fn.Name, sg.Action, sg.Prefix, sg.Where, fn.Permissions, sg.Action)
			}
		}
	}
	if signed == 0 {
		t.Fatal("found no signing calls: the source scan is broken")
	}
}

// TestOnlyAPISigns: presigned URLs are signed by package bucket, and only
// package api calls its signing methods (so TestPresignedURLsAreGranted sees
// every one).
func TestOnlyAPISigns(t *testing.T) {
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", "cdk.out", ".git", "console", "build":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if dir == "../shared/api" || dir == "../shared/bucket" || dir == "." {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for name := range presignActions {
			if strings.Contains(string(data), "."+name+"(") {
				t.Errorf("%s calls %s: sign URLs in package api (or extend TestPresignedURLsAreGranted)", path, name)
			}
		}
		if strings.Contains(string(data), "PresignClient") {
			t.Errorf("%s makes its own presign client: sign through package bucket", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
