package packages

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"flag"
	"hash/crc32"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The crafted archives below are written to testdata/zipstructure, with the
// codes Validate gives each, so that the console's zip reader is tested on
// the very same bytes (console/src/lib/zip.test.ts). After changing them:
//
//	go test ./shared/packages/ -run TestStructureFixtures -update
var update = flag.Bool("update", false, "rewrite testdata/zipstructure from structureFixtures")

const fixtureDir = "testdata/zipstructure"

// zEntry is one entry of a zip assembled byte by byte: its local header,
// data and data descriptor, and its central directory record. Offsets and
// lengths are filled in by zFile.bytes; everything else is as set here.
type zEntry struct {
	local   [localHeaderLen]byte
	lname   []byte
	lextra  []byte
	data    []byte
	desc    []byte // data descriptor, written after data
	central [dirHeaderLen]byte
	cname   []byte
	cextra  []byte
	listed  bool    // has a central directory record
	after   []byte  // bytes written after the entry, belonging to none
	offset  int64   // where its local header was written
	shift   int64   // added to the offset its record gives
	inside  *zEntry // not written itself: its record points into inside's data, shift bytes from its start
}

// storedEntry is a Store entry with consistent headers and no descriptor.
func storedEntry(name string, content []byte) *zEntry {
	e := &zEntry{lname: []byte(name), cname: []byte(name), data: content, listed: true}
	binary.LittleEndian.PutUint32(e.local[0:], localHeaderSig)
	binary.LittleEndian.PutUint16(e.local[4:], 20)
	binary.LittleEndian.PutUint32(e.central[0:], dirHeaderSig)
	binary.LittleEndian.PutUint16(e.central[4:], 20)
	binary.LittleEndian.PutUint16(e.central[6:], 20)
	e.setFields(0, 0, crc32.ChecksumIEEE(content), uint32(len(content)), uint32(len(content)))
	binary.LittleEndian.PutUint32(e.central[38:], 0o100644<<16) // a regular file's mode
	return e
}

// deflatedEntry is a Deflate entry with consistent headers and no descriptor.
func deflatedEntry(t testing.TB, name string, content []byte) *zEntry {
	var b bytes.Buffer
	fw, err := flate.NewWriter(&b, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	e := storedEntry(name, content)
	e.data = b.Bytes()
	e.setFields(0, zipDeflate, crc32.ChecksumIEEE(content), uint32(b.Len()), uint32(len(content)))
	return e
}

// deflateAll replaces every entry of z by a deflated one.
func deflateAll(t testing.TB, z *zFile) {
	for i, e := range z.entries {
		z.entries[i] = deflatedEntry(t, string(e.cname), e.data)
	}
}

// setFields sets flags, method, CRC-32 and sizes in both headers.
func (e *zEntry) setFields(flags, method uint16, crc, csize, usize uint32) {
	for _, h := range [][]byte{e.local[2:], e.central[4:]} { // local fields sit 2 bytes before central ones
		binary.LittleEndian.PutUint16(h[4:], flags)
		binary.LittleEndian.PutUint16(h[6:], method)
		binary.LittleEndian.PutUint32(h[12:], crc)
		binary.LittleEndian.PutUint32(h[16:], csize)
		binary.LittleEndian.PutUint32(h[20:], usize)
	}
}

// useDescriptor moves CRC-32 and sizes to a data descriptor, as streaming
// writers do: flag bit 3, zeros in the local header.
func (e *zEntry) useDescriptor(signature bool) {
	for _, h := range [][]byte{e.local[6:], e.central[8:]} {
		binary.LittleEndian.PutUint16(h, binary.LittleEndian.Uint16(h)|flagDescriptor)
	}
	e.desc = nil
	if signature {
		e.desc = binary.LittleEndian.AppendUint32(e.desc, dataDescSig)
	}
	e.desc = append(e.desc, e.central[16:28]...)
	clear(e.local[14:26])
}

// zFile is a zip assembled from entries.
type zFile struct {
	prefix          []byte // before the first entry
	entries         []*zEntry
	sfx             bool   // offsets count from the end of prefix, as in self-extracting archives
	beforeEnd       []byte // between the directory and the end record
	end             [dirEndLen]byte
	comment         []byte
	trailer         []byte // after the end record and its comment
	recordsOverride int    // the end record's counts, when > 0
}

func (z *zFile) bytes() []byte {
	var b bytes.Buffer
	b.Write(z.prefix)
	base := int64(0)
	if z.sfx {
		base = int64(len(z.prefix))
	}
	for _, e := range z.entries {
		if e.inside != nil {
			continue
		}
		e.offset = int64(b.Len()) - base
		binary.LittleEndian.PutUint16(e.local[26:], uint16(len(e.lname)))
		binary.LittleEndian.PutUint16(e.local[28:], uint16(len(e.lextra)))
		b.Write(e.local[:])
		b.Write(e.lname)
		b.Write(e.lextra)
		b.Write(e.data)
		b.Write(e.desc)
		b.Write(e.after)
	}
	dirOff := int64(b.Len()) - base
	records := 0
	for _, e := range z.entries {
		if !e.listed {
			continue
		}
		records++
		if e.inside != nil {
			e.offset = e.inside.offset + localHeaderLen + int64(len(e.inside.lname)+len(e.inside.lextra)) // plus shift, below
		}
		binary.LittleEndian.PutUint16(e.central[28:], uint16(len(e.cname)))
		binary.LittleEndian.PutUint16(e.central[30:], uint16(len(e.cextra)))
		binary.LittleEndian.PutUint32(e.central[42:], uint32(e.offset+e.shift))
		b.Write(e.central[:])
		b.Write(e.cname)
		b.Write(e.cextra)
	}
	dirSize := int64(b.Len()) - base - dirOff
	b.Write(z.beforeEnd)
	end := z.end
	binary.LittleEndian.PutUint32(end[0:], dirEndSig)
	if z.recordsOverride > 0 {
		records = z.recordsOverride
	}
	if binary.LittleEndian.Uint16(end[8:]) == 0 {
		binary.LittleEndian.PutUint16(end[8:], uint16(records))
	}
	if binary.LittleEndian.Uint16(end[10:]) == 0 {
		binary.LittleEndian.PutUint16(end[10:], uint16(records))
	}
	binary.LittleEndian.PutUint32(end[12:], uint32(dirSize))
	binary.LittleEndian.PutUint32(end[16:], uint32(dirOff))
	binary.LittleEndian.PutUint16(end[20:], uint16(len(z.comment)))
	b.Write(end[:])
	b.Write(z.comment)
	b.Write(z.trailer)
	return b.Bytes()
}

// basePackage is validFiles as stored entries, in path order.
func basePackage() *zFile {
	z := &zFile{}
	files := validFiles()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		z.entries = append(z.entries, storedEntry(name, files[name]))
	}
	return z
}

type structureFixture struct {
	Name  string   `json:"name"`
	Codes []string `json:"codes"` // what Validate reports, sorted
	About string   `json:"about"`
	data  []byte
}

// structureFixtures are the crafted archives both validators must agree on.
func structureFixtures(t testing.TB) []structureFixture {
	var fx []structureFixture
	add := func(name, about string, codes []string, edit func(z *zFile)) {
		z := basePackage()
		if edit != nil {
			edit(z)
		}
		slices.Sort(codes)
		fx = append(fx, structureFixture{Name: name, About: about, Codes: append([]string{}, codes...), data: z.bytes()})
	}
	entry := func(z *zFile, name string) *zEntry {
		for _, e := range z.entries {
			if string(e.cname) == name {
				return e
			}
		}
		t.Fatalf("no entry %s", name)
		return nil
	}
	none := []string{}
	mismatch := []string{CodeLocalHeaderMismatch}
	unlisted := []string{CodeUnlistedData}
	unsupported := []string{CodeUnsupportedZip}

	add("valid", "a valid package of stored entries", none, nil)
	add("valid-deflated", "a valid package of deflated entries", none, func(z *zFile) { deflateAll(t, z) })
	add("valid-descriptor", "deflated entries with data descriptors with their signature, as archive/zip and Info-ZIP write them", none, func(z *zFile) {
		deflateAll(t, z)
		for _, e := range z.entries {
			e.useDescriptor(true)
		}
	})
	add("valid-descriptor-no-signature", "data descriptors without the optional signature", none, func(z *zFile) {
		deflateAll(t, z)
		for _, e := range z.entries {
			e.useDescriptor(false)
		}
	})
	add("valid-comment", "an archive comment is allowed", none, func(z *zFile) { z.comment = []byte("built by CI") })

	add("local-name-traversal", "the directory names pages/extra.js, its local header ../../../../evil.js", mismatch, func(z *zFile) {
		e := storedEntry("pages/extra.js", []byte("evil()"))
		e.lname = []byte("../../../../evil.js")
		z.entries = append(z.entries, e)
	})
	add("unlisted-local-entry", "a local entry ../../evil.so that the directory does not list", unlisted, func(z *zFile) {
		e := storedEntry("../../evil.so", []byte("\x7fELF"))
		e.listed = false
		z.entries = slices.Insert(z.entries, 3, e)
	})
	add("unlisted-local-entry-last", "an unlisted local entry just before the directory", unlisted, func(z *zFile) {
		e := storedEntry("../../evil.so", []byte("\x7fELF"))
		e.listed = false
		z.entries = append(z.entries, e)
	})
	add("prepended-data", "bytes before the zip, offsets relative to its start (a self-extracting stub)", unlisted, func(z *zFile) {
		z.prefix, z.sfx = []byte("#!/bin/sh\nexec unzip \"$0\"\n"), true
	})
	add("prepended-data-absolute", "bytes before the first entry, offsets counted from the file's start", unlisted, func(z *zFile) {
		z.prefix = []byte("#!/bin/sh\nexec unzip \"$0\"\n")
	})
	add("gap-between-entries", "bytes between two entries", unlisted, func(z *zFile) {
		z.entries[2].after = []byte("hidden bytes")
	})
	add("data-before-directory", "bytes between the last entry and the directory", unlisted, func(z *zFile) {
		z.entries[len(z.entries)-1].after = []byte("hidden bytes")
	})
	add("data-before-end-record", "bytes between the directory and the end record", unlisted, func(z *zFile) {
		z.beforeEnd = []byte("hidden bytes")
	})
	add("trailing-data", "bytes after the end record", unlisted, func(z *zFile) { z.trailer = []byte("hidden bytes") })
	add("end-record-in-comment", "a second end record inside the comment", unlisted, func(z *zFile) {
		// The comment ends with a copy of the end record, which archive/zip
		// finds first (it searches backwards).
		data := z.bytes()
		fake := bytes.Clone(data[len(data)-dirEndLen:])
		z.comment = fake
	})
	add("overlapping-entries", "an entry whose bytes lie inside another entry's data", []string{CodeOverlappingEntries}, func(z *zFile) {
		inner := storedEntry("assets/inner.txt", []byte("inner"))
		binary.LittleEndian.PutUint16(inner.local[26:], uint16(len(inner.lname)))
		outer := storedEntry("assets/outer.bin", slices.Concat([]byte("data"), inner.local[:], inner.lname, inner.data))
		inner.inside, inner.shift = outer, 4
		z.entries = append(z.entries, outer, inner)
	})
	add("local-flags-differ", "the local header's flags differ from the directory's", mismatch, func(z *zFile) {
		binary.LittleEndian.PutUint16(entry(z, "app.js").local[6:], flagUTF8)
	})
	add("local-method-differs", "the local header says Deflate, the directory Store", mismatch, func(z *zFile) {
		binary.LittleEndian.PutUint16(entry(z, "app.js").local[8:], 8)
	})
	add("local-crc-differs", "the local header's CRC-32 differs", mismatch, func(z *zFile) {
		binary.LittleEndian.PutUint32(entry(z, "app.js").local[14:], 0xdeadbeef)
	})
	add("local-size-differs", "the local header's compressed size differs", mismatch, func(z *zFile) {
		e := entry(z, "app.js")
		binary.LittleEndian.PutUint32(e.local[18:], binary.LittleEndian.Uint32(e.local[18:])+1)
	})
	add("descriptor-differs", "the data descriptor's CRC-32 differs from the directory's", mismatch, func(z *zFile) {
		deflateAll(t, z)
		e := entry(z, "app.js")
		e.useDescriptor(true)
		binary.LittleEndian.PutUint32(e.desc[4:], 0xdeadbeef)
	})
	add("stored-with-descriptor", "a stored entry with a data descriptor, which streaming readers cannot read", unsupported, func(z *zFile) {
		entry(z, "app.js").useDescriptor(true)
	})
	add("local-header-missing", "a record points at no local header", []string{CodeLocalHeaderMismatch, CodeUnlistedData}, func(z *zFile) {
		entry(z, "app.js").shift = 1
	})
	add("zip64-end-record", "the end record's counts say zip64", unsupported, func(z *zFile) {
		binary.LittleEndian.PutUint16(z.end[8:], 0xffff)
		binary.LittleEndian.PutUint16(z.end[10:], 0xffff)
	})
	add("zip64-extra", "an entry with zip64 sizes", unsupported, func(z *zFile) {
		e := entry(z, "app.js")
		extra := binary.LittleEndian.AppendUint16(nil, zip64ExtraID)
		extra = binary.LittleEndian.AppendUint16(extra, 16)
		extra = binary.LittleEndian.AppendUint64(extra, uint64(len(e.data)))
		extra = binary.LittleEndian.AppendUint64(extra, uint64(len(e.data)))
		e.lextra, e.cextra = extra, extra
		for _, h := range [][]byte{e.local[18:], e.central[20:]} {
			binary.LittleEndian.PutUint64(h, 0xffffffffffffffff)
		}
	})
	add("unicode-path-extra", "an Info-ZIP Unicode Path extra field naming the entry ../evil.js", unsupported, func(z *zFile) {
		e := entry(z, "app.js")
		name := []byte("../evil.js")
		extra := binary.LittleEndian.AppendUint16(nil, unicodePathID)
		extra = binary.LittleEndian.AppendUint16(extra, uint16(5+len(name)))
		extra = append(extra, 1)
		extra = binary.LittleEndian.AppendUint32(extra, crc32.ChecksumIEEE(e.cname))
		extra = append(extra, name...)
		e.lextra, e.cextra = extra, extra
	})
	add("unsupported-flag", "general purpose flag bit 5 (patched data) in both headers", unsupported, func(z *zFile) {
		e := entry(z, "app.js")
		binary.LittleEndian.PutUint16(e.local[6:], 0x20)
		binary.LittleEndian.PutUint16(e.central[8:], 0x20)
	})
	add("multi-disk", "the end record says the zip spans disks", unsupported, func(z *zFile) {
		binary.LittleEndian.PutUint16(z.end[4:], 1)
	})
	add("record-count-differs", "the end record counts one record fewer than the directory holds", []string{CodeNotAZip}, func(z *zFile) {
		z.recordsOverride = len(z.entries) - 1
	})
	return fx
}

// TestStructureFixtures checks Validate's codes for each crafted archive and
// that testdata holds exactly these archives.
func TestStructureFixtures(t *testing.T) {
	fx := structureFixtures(t)
	if *update {
		if err := os.RemoveAll(fixtureDir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range fx {
			if err := os.WriteFile(filepath.Join(fixtureDir, f.Name+".zip"), f.data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		index, _ := json.MarshalIndent(fx, "", "  ")
		if err := os.WriteFile(filepath.Join(fixtureDir, "cases.json"), append(index, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	index, err := os.ReadFile(filepath.Join(fixtureDir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var onDisk []structureFixture
	if err := json.Unmarshal(index, &onDisk); err != nil {
		t.Fatal(err)
	}
	if len(onDisk) != len(fx) {
		t.Errorf("%s lists %d cases, structureFixtures %d; run with -update", fixtureDir, len(onDisk), len(fx))
	}
	for i, f := range fx {
		t.Run(f.Name, func(t *testing.T) {
			rep := validate(f.data, DefaultLimits(), "")
			if got := slices.Sorted(slices.Values(rep.Codes())); !slices.Equal(got, f.Codes) {
				t.Errorf("codes = %q, want %q\n%s", got, f.Codes, problemList(rep))
			}
			t.Log(problemList(rep))
			data, err := os.ReadFile(filepath.Join(fixtureDir, f.Name+".zip"))
			if err != nil || !bytes.Equal(data, f.data) || i >= len(onDisk) || onDisk[i].Name != f.Name || !slices.Equal(onDisk[i].Codes, f.Codes) {
				t.Errorf("%s/%s.zip or cases.json is not what structureFixtures builds (%v); run with -update", fixtureDir, f.Name, err)
			}
		})
	}
}
