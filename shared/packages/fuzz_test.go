package packages

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"path"
	"strings"
	"testing"

	"github.com/mpdp/platform/shared/domain"
)

// FuzzValidate feeds arbitrary bytes to Validate as a zip. It must never
// panic, and whatever it calls valid must really be valid, as checked here
// independently with archive/zip and encoding/json.
func FuzzValidate(f *testing.F) {
	valid := build(f, validFiles())
	f.Add(valid)
	f.Add([]byte{})
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Add(valid[:len(valid)-10])
	f.Add(build(f, map[string][]byte{"app.json": []byte(`{"version":"1.0.0","pages":["a"]}`), "a.js": nil}))
	f.Add(build(f, with(map[string][]byte{"../x": []byte("x"), "assets/zeros.bin": make([]byte, 64<<10)})))
	f.Add(patchHeaders(f, valid, "assets/logo.svg", setFlag(0x1)))
	f.Add(patchHeaders(f, valid, "app.json", setCRC(0)))

	f.Fuzz(func(t *testing.T, data []byte) {
		rep := Validate(bytes.NewReader(data), int64(len(data)), "", DefaultLimits())
		if rep.Valid != (len(rep.Problems) == 0) || rep.Problems == nil {
			t.Fatalf("Valid = %v with problems %v", rep.Valid, rep.Problems)
		}
		if rep.Valid {
			if err := checkIndependently(data); err != "" {
				t.Fatalf("Validate accepted an invalid package: %s", err)
			}
		}
	})
}

// checkIndependently is a second, simpler opinion on a package's validity.
func checkIndependently(data []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && err != zip.ErrInsecurePath {
		return "archive/zip: " + err.Error()
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		if f.Name == "" || strings.ContainsAny(f.Name, "\\\x00") || path.IsAbs(f.Name) || strings.Contains("/"+f.Name+"/", "/../") {
			return "unsafe name " + f.Name
		}
		if f.Flags&1 != 0 || f.Mode()&^0o777 != 0 && !f.Mode().IsDir() {
			return "encrypted or special entry " + f.Name
		}
		rc, err := f.Open()
		if err != nil {
			return err.Error()
		}
		content, err := io.ReadAll(rc)
		if err != nil {
			return f.Name + ": " + err.Error()
		}
		if _, dup := files[path.Clean(f.Name)]; dup {
			return "duplicate " + f.Name
		}
		files[path.Clean(f.Name)] = content
	}
	manifest, ok := files["app.json"]
	if !ok {
		return "no app.json"
	}
	return checkManifestIndependently(manifest, func(page string) bool { _, ok := files[page+".js"]; return ok })
}

// checkManifestIndependently checks app.json's basic promises with
// encoding/json alone: a version, and pages that exist.
func checkManifestIndependently(data []byte, exists func(page string) bool) string {
	var m map[string]any // not a struct: encoding/json matches struct fields case-insensitively
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return "app.json is not an object"
	}
	version, _ := m["version"].(string)
	if _, err := domain.ParseSemver(version); err != nil {
		return "bad version"
	}
	pages, _ := m["pages"].([]any)
	if len(pages) == 0 {
		return "no pages"
	}
	for _, p := range pages {
		page, ok := p.(string)
		if !ok || page == "" || path.Ext(page) != "" || path.Clean(page) != page || strings.HasPrefix(page, "..") || path.IsAbs(page) {
			return "bad page"
		}
		if !exists(page) {
			return "missing page " + page
		}
	}
	return ""
}

// FuzzManifest feeds arbitrary bytes as app.json, both to ParseManifest and,
// inside an otherwise valid package, to Validate. Neither may panic, and the
// package is valid exactly when the manifest parses and all its pages exist.
func FuzzManifest(f *testing.F) {
	for _, seed := range []string{
		validManifest,
		`{"version":"1.0.0","pages":["pages/index/index"]}`,
		`{"version":"1.0.0","pages":["pages/index/index"],"subPackages":[{"root":"sub","pages":["detail/detail"]}],"entryPagePath":"sub/detail/detail"}`,
		`{"version":"1.0.0","pages":["pages/nope"]}`,
		`{"version":"1.0","pages":[]}`,
		`{"version":"1.0.0","pages":["a/../b", "c.js", 1, null]}`,
		`{"version":"1.0.0","pages":["x"],"subpackages":[{"root":"s","pages":["a"]},{"root":"s/t","pages":["a"]}]}`,
		"\ufeff{}", `[]`, `null`, `"x"`, `{`, ``,
	} {
		f.Add([]byte(seed))
	}
	files := validFiles()
	f.Fuzz(func(t *testing.T, data []byte) {
		m, problems := ParseManifest(data)
		for _, p := range problems {
			if p.Code != CodeManifestInvalid || p.Path != ManifestName || p.Message == "" {
				t.Fatalf("bad problem %+v", p)
			}
		}
		exists := func(page string) bool { _, ok := files[page+".js"]; return ok }
		allExist := true
		for _, page := range m.AllPages() {
			allExist = allExist && exists(page)
		}

		var buf bytes.Buffer
		pkg := map[string][]byte{}
		for name, content := range files {
			pkg[name] = content
		}
		pkg["app.json"] = data
		if err := Build(&buf, pkg); err != nil {
			t.Fatal(err)
		}
		rep := Validate(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "", DefaultLimits())
		small := int64(len(data)) <= DefaultLimits().MaxManifestBytes // else Validate refuses it unread
		if want := len(problems) == 0 && allExist && small; rep.Valid != want {
			t.Fatalf("Valid = %v, want %v; manifest problems %v; report %v", rep.Valid, want, problems, rep.Problems)
		}
		if rep.Valid {
			if err := checkManifestIndependently(data, exists); err != "" {
				t.Fatalf("accepted app.json: %s", err)
			}
		}
	})
}
