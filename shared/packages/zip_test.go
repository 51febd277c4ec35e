package packages

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeTree writes files (slash paths) under dir.
func writeTree(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func zipDir(t *testing.T, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := ZipDir(dir, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestZipDir(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, validFiles())
	writeTree(t, dir, map[string][]byte{
		".git/config":           []byte("[core]"),
		".DS_Store":             []byte("junk"),
		"pages/.DS_Store":       []byte("junk"),
		".env":                  []byte("SECRET=1"),
		"pages/index/a.js.orig": []byte("x"), // sorts between files of one directory
	})
	if err := os.MkdirAll(filepath.Join(dir, "empty/dir"), 0o755); err != nil {
		t.Fatal(err)
	}

	first := zipDir(t, dir)

	// Touch every file and change a mode: the zip must not change.
	later := time.Now().Add(48 * time.Hour)
	filepath.WalkDir(dir, func(p string, _ os.DirEntry, _ error) error { return os.Chtimes(p, later, later) })
	if err := os.Chmod(filepath.Join(dir, "app.js"), 0o755); err != nil {
		t.Fatal(err)
	}
	second := zipDir(t, dir)
	if !bytes.Equal(first, second) {
		t.Fatal("zipping the same tree twice gave different bytes")
	}

	zr, err := zip.NewReader(bytes.NewReader(first), int64(len(first)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Method != zip.Deflate || f.Mode() != 0o644 || !f.Modified.Equal(fixedTime) {
			t.Errorf("%s: method %d, mode %v, modified %v", f.Name, f.Method, f.Mode(), f.Modified)
		}
	}
	want := slices.Sorted(maps.Keys(with(map[string][]byte{"pages/index/a.js.orig": {}})))
	if !slices.Equal(names, want) {
		t.Errorf("entries = %q\nwant      %q", names, want)
	}

	if err := os.Remove(filepath.Join(dir, "pages/index/a.js.orig")); err != nil {
		t.Fatal(err)
	}
	pkg := zipDir(t, dir)
	if rep := validate(pkg, DefaultLimits(), "1.0.0"); !rep.Valid {
		t.Fatalf("ZipDir output of a valid tree is invalid:\n%s", problemList(rep))
	}
	// Build of the same files yields the same bytes as ZipDir.
	if !bytes.Equal(pkg, build(t, validFiles())) {
		t.Error("Build and ZipDir of the same files differ")
	}
}

func TestZipDirRefuses(t *testing.T) {
	t.Run("symlink to a file", func(t *testing.T) {
		dir := t.TempDir()
		writeTree(t, dir, validFiles())
		if err := os.Symlink("/etc/passwd", filepath.Join(dir, "assets/passwd")); err != nil {
			t.Skip(err)
		}
		if err := ZipDir(dir, new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "assets/passwd is a symbolic link") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("symlink to a directory", func(t *testing.T) {
		dir := t.TempDir()
		writeTree(t, dir, validFiles())
		if err := os.Symlink(dir, filepath.Join(dir, "loop")); err != nil {
			t.Skip(err)
		}
		if err := ZipDir(dir, new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "loop is a symbolic link") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		err := ZipDir(filepath.Join(t.TempDir(), "nope"), new(bytes.Buffer))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v, want a not-exist error", err)
		}
	})
}

func TestBuildDeterministic(t *testing.T) {
	a, b := build(t, validFiles()), build(t, validFiles())
	if !bytes.Equal(a, b) {
		t.Fatal("Build gave different bytes for the same files")
	}
}
