package packages

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
)

// fixedTime is every entry's modification time, so that zipping the same tree
// twice yields the same bytes, and so the same package hash.
var fixedTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// ZipDir writes a deterministic zip of the files under dir to w: entries sorted
// by path, "/" separators, a fixed modification time and mode (0644), Deflate,
// and no directory entries. Names starting with "." (.git, .DS_Store, .env) are
// skipped with their contents. A symlink or any other non-regular file is an
// error: the package must not depend on what a link points at.
func ZipDir(dir string, w io.Writer) error {
	fsys := os.DirFS(dir)
	var files []string
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case name == ".":
			return nil
		case strings.HasPrefix(d.Name(), "."):
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			return fmt.Errorf("packages: %s is a symbolic link; packages may contain only regular files", name)
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("packages: %s is not a regular file (%v)", name, d.Type())
		}
		files = append(files, name)
		return nil
	})
	if err != nil {
		return fmt.Errorf("packages: zip %s: %w", dir, err)
	}
	// WalkDir's order is per directory ("a" and its contents before "a.js"),
	// not the byte order of whole paths.
	slices.Sort(files)

	zw := zip.NewWriter(w)
	for _, name := range files {
		if err := addFile(zw, name, func() (io.ReadCloser, error) { return fsys.Open(name) }); err != nil {
			return fmt.Errorf("packages: zip %s: %w", dir, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("packages: zip %s: %w", dir, err)
	}
	return nil
}

// Build writes a zip of files (path → content) to w with the same fixed
// metadata as ZipDir. Paths are written as given, unchecked, so that tests can
// build bad packages too.
func Build(w io.Writer, files map[string][]byte) error {
	zw := zip.NewWriter(w)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(files[name])), nil }
		if err := addFile(zw, name, open); err != nil {
			return fmt.Errorf("packages: build: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("packages: build: %w", err)
	}
	return nil
}

// addFile streams one file into zw with the fixed metadata.
func addFile(zw *zip.Writer, name string, open func() (io.ReadCloser, error)) error {
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: fixedTime}
	h.SetMode(0o644)
	fw, err := zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	r, err := open()
	if err != nil {
		return err // fs errors already name the file
	}
	defer r.Close()
	if _, err := io.Copy(fw, r); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
