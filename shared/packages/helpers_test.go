package packages

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
)

// validManifest declares two main pages and one subpackage.
const validManifest = `{
  "version": "1.0.0",
  "pages": ["pages/index/index", "pages/about/about"],
  "subpackages": [{"root": "sub/", "pages": ["detail/detail"]}],
  "window": {"navigationBarTitleText": "Demo"},
  "unknownField": true
}`

// validFiles returns a valid package's files; tests change copies of it.
func validFiles() map[string][]byte {
	return map[string][]byte{
		"app.json":                 []byte(validManifest),
		"app.js":                   []byte("App({})"),
		"pages/index/index.js":     []byte("Page({})"),
		"pages/index/index.axml":   []byte("<view>hello</view>"),
		"pages/about/about.js":     []byte("Page({})"),
		"sub/detail/detail.js":     []byte("Page({})"),
		"assets/logo.svg":          []byte("<svg/>"),
		"pages/index/index.acss":   []byte("view{color:red}"),
		"sub/detail/detail.json":   []byte("{}"),
		"pages/about/about.json":   []byte("{}"),
		"pages/index/index.json":   []byte("{}"),
		"sub/detail/detail.axml":   []byte("<view/>"),
		"pages/about/about.axml":   []byte("<view/>"),
		"assets/data/strings.json": []byte(`{"hello":"world"}`),
	}
}

// with returns validFiles changed by the given path → content pairs; a nil
// content removes the path.
func with(changes map[string][]byte) map[string][]byte {
	files := validFiles()
	for name, content := range changes {
		if content == nil {
			delete(files, name)
		} else {
			files[name] = content
		}
	}
	return files
}

func build(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Build(&buf, files); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// buildRaw writes validFiles plus whatever extra adds, through a zip.Writer,
// for entries that Build cannot make.
func buildRaw(t testing.TB, extra func(zw *zip.Writer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := validFiles()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[name])
	}
	if err := extra(zw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// addRaw adds an entry with the given header and already-compressed data.
func addRaw(zw *zip.Writer, h *zip.FileHeader, data []byte) error {
	w, err := zw.CreateRaw(h)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

func validate(data []byte, lim Limits, declared string) Report {
	return Validate(bytes.NewReader(data), int64(len(data)), declared, lim)
}

// patchHeaders applies patch to the local header and central directory record
// of the entry called name: off is the offset in the local header; the central
// record's field is at off+2 (it has an extra "version made by").
func patchHeaders(t testing.TB, data []byte, name string, patch func(h []byte, central bool)) []byte {
	t.Helper()
	data = bytes.Clone(data)
	patched := 0
	for i := 0; i+46 <= len(data); i++ {
		switch binary.LittleEndian.Uint32(data[i:]) {
		case 0x04034b50: // local file header
			n := int(binary.LittleEndian.Uint16(data[i+26:]))
			if i+30+n <= len(data) && string(data[i+30:i+30+n]) == name {
				patch(data[i:], false)
				patched++
			}
		case 0x02014b50: // central directory header
			n := int(binary.LittleEndian.Uint16(data[i+28:]))
			if i+46+n <= len(data) && string(data[i+46:i+46+n]) == name {
				patch(data[i:], true)
				patched++
			}
		}
	}
	if patched != 2 {
		t.Fatalf("patched %d headers of %q, want 2", patched, name)
	}
	return data
}

// setFlag sets general purpose flag bits in both headers of an entry.
func setFlag(bits uint16) func(h []byte, central bool) {
	return func(h []byte, central bool) {
		off := 6
		if central {
			off = 8
		}
		binary.LittleEndian.PutUint16(h[off:], binary.LittleEndian.Uint16(h[off:])|bits)
	}
}

// setCRC overwrites the CRC-32 in both headers of an entry.
func setCRC(crc uint32) func(h []byte, central bool) {
	return func(h []byte, central bool) {
		off := 14
		if central {
			off = 16
		}
		binary.LittleEndian.PutUint32(h[off:], crc)
	}
}

// zerosDeflate returns a deflate stream of mib MiB of zeros. It compresses one
// MiB and repeats the result, so a 1 GiB bomb takes milliseconds to build: after
// Flush, the stream is byte-aligned and each copy is a self-contained block.
func zerosDeflate(t testing.TB, mib int) []byte {
	t.Helper()
	var chunk bytes.Buffer
	fw, err := flate.NewWriter(&chunk, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(make([]byte, 1<<20))
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	stream := bytes.Repeat(chunk.Bytes(), mib)
	return append(stream, 0x01, 0x00, 0x00, 0xff, 0xff) // final, empty stored block
}

// zerosCRC is the CRC-32 of mib MiB of zeros.
func zerosCRC(mib int) uint32 {
	zeros := make([]byte, 1<<20)
	var crc uint32
	for range mib {
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	return crc
}

// randomBytes returns n reproducible, incompressible bytes.
func randomBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(b)
	return b
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}
