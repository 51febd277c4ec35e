package packages

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	mb := func(n int) []byte { return make([]byte, n) }
	tests := []struct {
		name     string
		data     func(t *testing.T) []byte
		lim      func(l *Limits)
		declared string
		want     []string // problem codes, in any order
	}{
		{name: "valid", data: func(t *testing.T) []byte { return build(t, validFiles()) }},
		{name: "valid with declared version", declared: "1.0.0",
			data: func(t *testing.T) []byte { return build(t, validFiles()) }},
		{name: "valid with directory entries and ./ prefix", data: func(t *testing.T) []byte {
			return buildRaw(t, func(zw *zip.Writer) error {
				if _, err := zw.Create("pages/"); err != nil {
					return err
				}
				_, err := zw.Create("./assets/extra.txt")
				return err
			})
		}},
		{name: "valid big subpackage outside main limit", lim: func(l *Limits) { l.MaxMainBytes = 4 << 10 },
			data: func(t *testing.T) []byte {
				return build(t, with(map[string][]byte{"sub/big.bin": randomBytes(1, 64<<10)}))
			}},
		{name: "valid small highly compressible file", data: func(t *testing.T) []byte {
			return build(t, with(map[string][]byte{"assets/zeros.bin": mb(512 << 10)}))
		}},

		{name: "empty file", data: func(t *testing.T) []byte { return nil }, want: []string{CodeNotAZip}},
		{name: "garbage", data: func(t *testing.T) []byte { return []byte("this is not a zip file at all") },
			want: []string{CodeNotAZip}},
		{name: "truncated", data: func(t *testing.T) []byte {
			data := build(t, validFiles())
			return data[:len(data)/2]
		}, want: []string{CodeNotAZip}},
		{name: "central directory destroyed", data: func(t *testing.T) []byte {
			data := build(t, validFiles())
			i := bytes.Index(data, []byte("PK\x01\x02"))
			copy(data[i:], "XXXX")
			return data
		}, want: []string{CodeNotAZip}},

		{name: "package too large", lim: func(l *Limits) { l.MaxPackageBytes = 1 << 10 },
			data: func(t *testing.T) []byte { return build(t, validFiles()) }, want: []string{CodePackageTooLarge}},
		{name: "too many entries", lim: func(l *Limits) { l.MaxEntries = 5 },
			data: func(t *testing.T) []byte { return build(t, validFiles()) }, want: []string{CodeTooManyEntries}},

		{name: "unsafe path ..", data: rawNamed("../x.js"), want: []string{CodeUnsafePath}},
		{name: "unsafe path inner ..", data: rawNamed("assets/../../x.js"), want: []string{CodeUnsafePath}},
		{name: "unsafe path absolute", data: rawNamed("/etc/x.js"), want: []string{CodeUnsafePath}},
		{name: "unsafe path drive letter", data: rawNamed("C:/x.js"), want: []string{CodeUnsafePath}},
		{name: "unsafe path backslash", data: rawNamed(`assets\x.js`), want: []string{CodeUnsafePath}},
		{name: "unsafe path NUL", data: rawNamed("assets/x\x00.js"), want: []string{CodeUnsafePath}},
		{name: "unsafe path empty segment", data: rawNamed("assets//x.js"), want: []string{CodeUnsafePath}},
		{name: "unsafe path empty", data: rawNamed(""), want: []string{CodeUnsafePath}},

		{name: "duplicate path", data: rawNamed("app.js"), want: []string{CodeDuplicatePath}},
		{name: "duplicate cleaned path", data: rawNamed("assets/./logo.svg"), want: []string{CodeDuplicatePath}},

		{name: "valid non-ASCII names", data: func(t *testing.T) []byte {
			return build(t, with(map[string][]byte{"assets/café.txt": []byte("x"), "assets/图标.svg": []byte("x")}))
		}},
		{name: "path collision by case", data: func(t *testing.T) []byte {
			return build(t, with(map[string][]byte{"Pages/Index/Index.js": []byte("evil()")}))
		}, want: []string{CodePathCollision}},
		{name: "path collision NFC and NFD", data: func(t *testing.T) []byte {
			return build(t, with(map[string][]byte{"assets/caf\u00e9.txt": []byte("a"), "assets/cafe\u0301.txt": []byte("b")}))
		}, want: []string{CodePathCollision}},
		{name: "path collision by case folding (ß and ss)", data: func(t *testing.T) []byte {
			return build(t, with(map[string][]byte{"assets/stra\u00dfe.txt": []byte("a"), "assets/STRASSE.txt": []byte("b")}))
		}, want: []string{CodePathCollision}},
		{name: "unsafe character bidi override", data: func(t *testing.T) []byte {
			return build(t, with(map[string][]byte{"assets/\u202egpj.js": []byte("x")}))
		}, want: []string{CodeUnsafeCharacter}},
		{name: "unsafe character zero width", data: func(t *testing.T) []byte {
			return build(t, with(map[string][]byte{"pages/index/in\u200bdex.js": []byte("x")}))
		}, want: []string{CodeUnsafeCharacter}},
		{name: "unsafe character control", data: func(t *testing.T) []byte {
			return build(t, with(map[string][]byte{"assets/a\x1b[2J.js": []byte("x")}))
		}, want: []string{CodeUnsafeCharacter}},
		{name: "unsafe character not UTF-8", data: func(t *testing.T) []byte {
			return build(t, with(map[string][]byte{"assets/\xff\xfe.js": []byte("x")}))
		}, want: []string{CodeUnsafeCharacter}},
		{name: "nested zip", data: func(t *testing.T) []byte {
			return build(t, with(map[string][]byte{"assets/more.zip": build(t, validFiles())}))
		}, want: []string{CodeNestedArchive}},
		{name: "nested zip bomb under another name", data: func(t *testing.T) []byte {
			// 200 MiB of zeros in about 200 KiB (a ratio of 1,000, under the
			// outer package's ratio floor), inside a file named like an image.
			inner := buildRaw(t, func(zw *zip.Writer) error {
				stream := zerosDeflate(t, 200)
				return addRaw(zw, &zip.FileHeader{Name: "zeros.bin", Method: zip.Deflate,
					CompressedSize64: uint64(len(stream)), UncompressedSize64: 200 << 20, CRC32: zerosCRC(200)}, stream)
			})
			return build(t, with(map[string][]byte{"sub/image.png": inner}))
		}, want: []string{CodeNestedArchive}},
		{name: "nested gzip", data: func(t *testing.T) []byte {
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(make([]byte, 64<<10))
			zw.Close()
			return build(t, with(map[string][]byte{"assets/data.json": gz.Bytes()}))
		}, want: []string{CodeNestedArchive}},

		{name: "symlink", data: func(t *testing.T) []byte {
			return buildRaw(t, func(zw *zip.Writer) error {
				h := &zip.FileHeader{Name: "assets/link", Method: zip.Deflate}
				h.SetMode(os.ModeSymlink | 0o777)
				w, err := zw.CreateHeader(h)
				if err != nil {
					return err
				}
				_, err = w.Write([]byte("../../etc/passwd"))
				return err
			})
		}, want: []string{CodeSymlink}},

		{name: "encrypted entry", data: func(t *testing.T) []byte {
			return patchHeaders(t, build(t, validFiles()), "assets/logo.svg", setFlag(0x1))
		}, want: []string{CodeEncryptedEntry}},

		{name: "too large uncompressed", lim: func(l *Limits) { l.MaxUncompressedBytes = 64 << 10 },
			data: func(t *testing.T) []byte {
				return build(t, with(map[string][]byte{"assets/noise.bin": randomBytes(2, 100<<10)}))
			}, want: []string{CodeTooLargeUncompressed}},

		{name: "compression ratio of one entry", data: func(t *testing.T) []byte {
			return build(t, with(map[string][]byte{"assets/zeros.bin": mb(2 << 20)}))
		}, want: []string{CodeCompressionRatio}},
		{name: "compression ratio overall", data: func(t *testing.T) []byte {
			files := validFiles()
			for _, name := range []string{"a", "b", "c", "d"} {
				files["assets/zeros-"+name+".bin"] = mb(512 << 10) // each under the per-entry floor
			}
			return build(t, files)
		}, want: []string{CodeCompressionRatio}},

		{name: "corrupt entry bad CRC", data: func(t *testing.T) []byte {
			return buildRaw(t, func(zw *zip.Writer) error {
				return addRaw(zw, &zip.FileHeader{Name: "assets/a.txt", Method: zip.Store,
					CompressedSize64: 5, UncompressedSize64: 5, CRC32: 0xdeadbeef}, []byte("hello"))
			})
		}, want: []string{CodeCorruptEntry}},
		{name: "corrupt entry CRC zero", data: func(t *testing.T) []byte {
			// archive/zip does not check a stored CRC of 0; Validate does.
			return buildRaw(t, func(zw *zip.Writer) error {
				return addRaw(zw, &zip.FileHeader{Name: "assets/a.txt", Method: zip.Store,
					CompressedSize64: 5, UncompressedSize64: 5}, []byte("hello"))
			})
		}, want: []string{CodeCorruptEntry}},
		{name: "corrupt entry deflate data", data: func(t *testing.T) []byte {
			return buildRaw(t, func(zw *zip.Writer) error {
				return addRaw(zw, &zip.FileHeader{Name: "assets/a.txt", Method: zip.Deflate,
					CompressedSize64: 4, UncompressedSize64: 5, CRC32: 1}, []byte{0xff, 0xff, 0xff, 0xff})
			})
		}, want: []string{CodeCorruptEntry}},
		{name: "corrupt entry unknown method", data: func(t *testing.T) []byte {
			return buildRaw(t, func(zw *zip.Writer) error {
				return addRaw(zw, &zip.FileHeader{Name: "assets/a.txt", Method: 99,
					CompressedSize64: 5, UncompressedSize64: 5, CRC32: 1}, []byte("hello"))
			})
		}, want: []string{CodeCorruptEntry}},
		{name: "corrupt entry lying size", data: func(t *testing.T) []byte {
			// The header claims 1 KiB; the stream inflates to 50 MiB of zeros.
			return buildRaw(t, func(zw *zip.Writer) error {
				stream := zerosDeflate(t, 50)
				return addRaw(zw, &zip.FileHeader{Name: "assets/liar.bin", Method: zip.Deflate,
					CompressedSize64: uint64(len(stream)), UncompressedSize64: 1 << 10, CRC32: 1}, stream)
			})
		}, want: []string{CodeCorruptEntry}},

		{name: "hidden data after the deflate stream", data: func(t *testing.T) []byte {
			// The entry's compressed size covers a deflate stream and, after
			// its end, a local entry: a streaming reader stops at the end of
			// the stream and extracts ../../evil.so.
			var stream bytes.Buffer
			fw, _ := flate.NewWriter(&stream, flate.BestCompression)
			fw.Write([]byte("hello"))
			fw.Close()
			hidden := storedEntry("../../evil.so", []byte("\x7fELF"))
			binary.LittleEndian.PutUint16(hidden.local[26:], uint16(len(hidden.lname)))
			data := slices.Concat(stream.Bytes(), hidden.local[:], hidden.lname, hidden.data)
			return buildRaw(t, func(zw *zip.Writer) error {
				return addRaw(zw, &zip.FileHeader{Name: "assets/a.txt", Method: zip.Deflate,
					CompressedSize64: uint64(len(data)), UncompressedSize64: 5, CRC32: crc32.ChecksumIEEE([]byte("hello"))}, data)
			})
		}, want: []string{CodeUnlistedData}},

		{name: "main package too large", lim: func(l *Limits) { l.MaxMainBytes = 4 << 10 },
			data: func(t *testing.T) []byte {
				return build(t, with(map[string][]byte{"assets/big.bin": randomBytes(3, 8<<10)}))
			}, want: []string{CodeMainPackageTooLarge}},

		{name: "manifest missing", data: func(t *testing.T) []byte {
			return build(t, with(map[string][]byte{"app.json": nil}))
		}, want: []string{CodeManifestMissing}},
		{name: "manifest only in a subdirectory", data: func(t *testing.T) []byte {
			return build(t, with(map[string][]byte{"app.json": nil, "sub/app.json": []byte(validManifest)}))
		}, want: []string{CodeManifestMissing}},
		{name: "manifest not JSON", data: manifest(`{"version": "1.0.0",`), want: []string{CodeManifestInvalid}},
		{name: "manifest bad version", data: manifest(`{"version": "1.0", "pages": ["pages/index/index"]}`),
			want: []string{CodeManifestInvalid}},
		{name: "manifest too large", lim: func(l *Limits) { l.MaxManifestBytes = 64 },
			data: func(t *testing.T) []byte { return build(t, validFiles()) }, want: []string{CodeManifestInvalid}},

		{name: "version mismatch", declared: "1.0.1",
			data: func(t *testing.T) []byte { return build(t, validFiles()) }, want: []string{CodeVersionMismatch}},
		{name: "version mismatch pre-release", declared: "1.0.0-beta.1",
			data: func(t *testing.T) []byte { return build(t, validFiles()) }, want: []string{CodeVersionMismatch}},

		{name: "page missing", data: func(t *testing.T) []byte {
			return build(t, with(map[string][]byte{"pages/about/about.js": nil}))
		}, want: []string{CodePageMissing}},
		{name: "subpackage pages missing", data: func(t *testing.T) []byte {
			// A page at the root does not count for a subpackage's page.
			return build(t, with(map[string][]byte{"sub/detail/detail.js": nil, "detail/detail.js": []byte("Page({})")}))
		}, want: []string{CodePageMissing}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := DefaultLimits()
			if tt.lim != nil {
				tt.lim(&lim)
			}
			rep := validate(tt.data(t), lim, tt.declared)
			got := slices.Sorted(slices.Values(rep.Codes()))
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(got, want) {
				t.Fatalf("codes = %q, want %q\nproblems:\n%s", got, want, problemList(rep))
			}
			if rep.Valid != (len(want) == 0) {
				t.Errorf("Valid = %v with problems %q", rep.Valid, got)
			}
			for _, p := range rep.Problems {
				if p.Message == "" {
					t.Errorf("problem %s has no message", p.Code)
				}
			}
			t.Log(problemList(rep))
		})
	}
}

// rawNamed returns a valid package plus an entry with exactly this name.
func rawNamed(name string) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		return buildRaw(t, func(zw *zip.Writer) error {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
			if err != nil {
				return err
			}
			_, err = w.Write([]byte("x"))
			return err
		})
	}
}

// manifest returns a valid package whose app.json is content.
func manifest(content string) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		return build(t, with(map[string][]byte{"app.json": []byte(content)}))
	}
}

func problemList(rep Report) string {
	var b strings.Builder
	for _, p := range rep.Problems {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

func TestValidateReport(t *testing.T) {
	data := build(t, validFiles())
	rep := validate(data, DefaultLimits(), "1.0.0")
	if !rep.Valid {
		t.Fatalf("valid package rejected:\n%s", problemList(rep))
	}
	if rep.Entries != len(validFiles()) || rep.CompressedBytes != int64(len(data)) {
		t.Errorf("Entries, CompressedBytes = %d, %d; want %d, %d", rep.Entries, rep.CompressedBytes, len(validFiles()), len(data))
	}
	var sum int64
	for _, c := range validFiles() {
		sum += int64(len(c))
	}
	if rep.UncompressedBytes != sum {
		t.Errorf("UncompressedBytes = %d, want %d", rep.UncompressedBytes, sum)
	}
	if rep.MainBytes <= 0 || rep.MainBytes >= rep.CompressedBytes {
		t.Errorf("MainBytes = %d, want between 0 and %d", rep.MainBytes, rep.CompressedBytes)
	}
	want := ManifestSummary{Version: "1.0.0", Pages: []string{"pages/index/index", "pages/about/about"}, Subpackages: 1, EntryPage: "pages/index/index"}
	if rep.Manifest == nil || !slices.Equal(rep.Manifest.Pages, want.Pages) || rep.Manifest.Version != want.Version ||
		rep.Manifest.Subpackages != want.Subpackages || rep.Manifest.EntryPage != want.EntryPage {
		t.Errorf("Manifest = %+v, want %+v", rep.Manifest, want)
	}

	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(js, []byte(`"problems":[]`)) {
		t.Errorf("JSON of a valid report has no empty problems list: %s", js)
	}
	if js, _ := json.Marshal(Report{}); !bytes.Contains(js, []byte(`"problems":[]`)) {
		t.Errorf("JSON of a zero report: %s", js)
	}
}

func TestValidateCollectsEveryProblem(t *testing.T) {
	files := with(map[string][]byte{
		"pages/about/about.js":  nil,
		"sub/detail/detail.js":  nil,
		"assets/zeros.bin":      make([]byte, 2<<20),
		"assets/../../evil.js":  []byte("x"),
		"assets/./logo.svg":     []byte("dup"),
		"assets\\windows.js":    []byte("x"),
		"/absolute/path.js":     []byte("x"),
		"pages/index/index.css": []byte("x"),
	})
	rep := validate(build(t, files), DefaultLimits(), "2.0.0")
	want := []string{CodeCompressionRatio, CodeDuplicatePath, CodePageMissing, CodePageMissing,
		CodeUnsafePath, CodeUnsafePath, CodeUnsafePath, CodeVersionMismatch}
	if got := slices.Sorted(slices.Values(rep.Codes())); !slices.Equal(got, want) {
		t.Fatalf("codes = %q, want %q\n%s", got, want, problemList(rep))
	}
	for _, p := range rep.Problems {
		if p.Code == CodePageMissing && p.Path != "pages/about/about.js" && p.Path != "sub/detail/detail.js" {
			t.Errorf("page_missing path = %q", p.Path)
		}
	}
}

// TestZipBomb checks that bombs are refused without inflating them: the input
// Validate reads is counted, and a deflated GiB of zeros costs about 1 MiB.
func TestZipBomb(t *testing.T) {
	const gib = 1024 // MiB
	bomb := zerosDeflate(t, gib)
	bombCRC := zerosCRC(gib)

	tests := []struct {
		name     string
		entries  int    // bomb entries
		mib      int    // MiB of zeros in each
		declared uint64 // UncompressedSize64 in the headers; 0 means honest
		lim      func(l *Limits)
		want     []string
		maxRead  int64 // bytes of input Validate may read
	}{
		{name: "honest 1 GiB", entries: 1, mib: gib,
			want:    []string{CodeCompressionRatio, CodeTooLargeUncompressed},
			maxRead: 64 << 10}, // the directory and small files; none of the bomb's 1 MiB
		{name: "1 GiB claiming 100 MiB", entries: 1, mib: gib, declared: 100 << 20,
			// archive/zip stops at the declared size: ~100 KiB of input.
			want:    []string{CodeCorruptEntry},
			maxRead: 256 << 10},
		{name: "spread over entries", entries: 8, mib: 16, lim: func(l *Limits) { l.MaxUncompressedBytes = 40 << 20 },
			// Two entries (32 MiB) fit in the budget and are inflated, then the
			// third's header says it does not fit, and the rest are not opened.
			want:    []string{CodeCompressionRatio, CodeCompressionRatio, CodeCompressionRatio, CodeCompressionRatio, CodeCompressionRatio, CodeCompressionRatio, CodeCompressionRatio, CodeCompressionRatio, CodeTooLargeUncompressed},
			maxRead: 96 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := buildRaw(t, func(zw *zip.Writer) error {
				stream, crc := bomb, bombCRC
				if tt.mib != gib {
					stream, crc = zerosDeflate(t, tt.mib), zerosCRC(tt.mib)
				}
				size := uint64(tt.mib) << 20
				if tt.declared != 0 {
					size = tt.declared
				}
				for i := range tt.entries {
					h := &zip.FileHeader{Name: "sub/bomb" + string(rune('a'+i)) + ".bin", Method: zip.Deflate,
						CompressedSize64: uint64(len(stream)), UncompressedSize64: size, CRC32: crc}
					if err := addRaw(zw, h, stream); err != nil {
						return err
					}
				}
				return nil
			})
			lim := DefaultLimits()
			if tt.lim != nil {
				tt.lim(&lim)
			}
			r := &countingReaderAt{r: bytes.NewReader(data)}
			rep := Validate(r, int64(len(data)), "", lim)
			if got := slices.Sorted(slices.Values(rep.Codes())); !slices.Equal(got, tt.want) {
				t.Errorf("codes = %q, want %q\n%s", got, tt.want, problemList(rep))
			}
			t.Logf("package %d bytes, Validate read %d bytes", len(data), r.n.Load())
			if r.n.Load() > tt.maxRead {
				t.Errorf("Validate read %d bytes of input, want at most %d", r.n.Load(), tt.maxRead)
			}
		})
	}
}

// TestTooManyEntriesBeforeLoading checks that too many entries are reported,
// with the count, without opening the zip.
func TestTooManyEntriesBeforeLoading(t *testing.T) {
	files := map[string][]byte{}
	for i := range 5000 {
		files[fmt.Sprintf("assets/%04d.js", i)] = nil
	}
	data := build(t, files)
	rep := validate(data, DefaultLimits(), "")
	if got := rep.Codes(); !slices.Equal(got, []string{CodeTooManyEntries}) {
		t.Fatalf("codes = %q\n%s", got, problemList(rep))
	}
	if rep.Entries != 5000 {
		t.Errorf("Entries = %d, want 5000", rep.Entries)
	}
	if !strings.Contains(rep.Problems[0].Message, "5000") || !strings.Contains(rep.Problems[0].Message, "2000") {
		t.Errorf("message %q does not give the count and the limit", rep.Problems[0].Message)
	}
}

func TestZerosDeflate(t *testing.T) {
	stream := zerosDeflate(t, 3)
	var out bytes.Buffer
	if _, err := out.ReadFrom(flate.NewReader(bytes.NewReader(stream))); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 3<<20 || bytes.ContainsFunc(out.Bytes(), func(r rune) bool { return r != 0 }) {
		t.Fatalf("stream inflates to %d bytes, not 3 MiB of zeros", out.Len())
	}
}

// TestDefaultLimitsMatchREADME keeps the limits the README promises and the
// ones the validator applies the same.
func TestDefaultLimitsMatchREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lim := DefaultLimits()
	for _, want := range []string{
		"main package may be " + humanBytes(lim.MaxMainBytes),
		"whole package " + humanBytes(lim.MaxPackageBytes),
		fmt.Sprintf("at most %d entries", lim.MaxEntries),
		humanBytes(lim.MaxUncompressedBytes) + " uncompressed",
		fmt.Sprintf("ratio of %g", lim.MaxRatio),
		humanBytes(lim.MaxManifestBytes),
	} {
		if !bytes.Contains(readme, []byte(want)) {
			t.Errorf("README.md does not say %q", want)
		}
	}
}
