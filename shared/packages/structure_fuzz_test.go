package packages

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzZipStructure feeds arbitrary bytes, seeded with the crafted archives of
// testdata/zipstructure, to Validate. It must never panic, and a package it
// accepts must read the same through its local headers, front to back as a
// streaming reader (Java's ZipInputStream) does, as through its central
// directory (archive/zip): the same entries in the same order, with the same
// names, flags, methods, CRC-32s and sizes, and nothing before, between or
// after them.
func FuzzZipStructure(f *testing.F) {
	f.Add(build(f, validFiles()))
	for _, fx := range structureFixtures(f) {
		f.Add(fx.data)
	}
	if names, err := filepath.Glob(filepath.Join(fixtureDir, "*.zip")); err == nil {
		for _, name := range names {
			if data, err := os.ReadFile(name); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep := Validate(bytes.NewReader(data), int64(len(data)), "", DefaultLimits())
		if rep.Valid != (len(rep.Problems) == 0) {
			t.Fatalf("Valid = %v with problems %v", rep.Valid, rep.Problems)
		}
		if !rep.Valid {
			return
		}
		if err := streamingAgrees(data); err != nil {
			t.Fatalf("Validate accepted a package whose local headers disagree with its directory: %v\n%v", err, rep)
		}
	})
}

// streamingAgrees walks the local headers from offset 0 the way a streaming
// reader does and compares what it finds with archive/zip's directory.
func streamingAgrees(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	le16 := func(o int) uint16 { return binary.LittleEndian.Uint16(data[o:]) }
	le32 := func(o int) uint32 { return binary.LittleEndian.Uint32(data[o:]) }
	pos := 0
	for i, f := range zr.File {
		if pos+30 > len(data) || le32(pos) != localHeaderSig {
			return fmt.Errorf("entry %d (%q): no local header at offset %d", i, f.Name, pos)
		}
		flags, method := le16(pos+6), le16(pos+8)
		crc, csize, usize := le32(pos+14), le32(pos+18), le32(pos+22)
		nameLen, extraLen := int(le16(pos+26)), int(le16(pos+28))
		start := pos + 30 + nameLen + extraLen
		if start > len(data) {
			return fmt.Errorf("entry %d: local header runs past the end", i)
		}
		name := string(data[pos+30 : pos+30+nameLen])
		if off, err := f.DataOffset(); err != nil || off != int64(start) {
			return fmt.Errorf("entry %d (%q): data at %d through the directory, %d through the local header", i, f.Name, off, start)
		}
		if name != f.Name || flags != f.Flags || method != f.Method {
			return fmt.Errorf("entry %d: local %q flags %#x method %d, directory %q flags %#x method %d", i, name, flags, method, f.Name, f.Flags, f.Method)
		}
		end := start + int(f.CompressedSize64)
		if method == zip.Deflate {
			// The streaming reader's end of data is where the deflate stream ends.
			rd := bytes.NewReader(data[start:])
			br := bufio.NewReader(rd)
			if _, err := io.Copy(io.Discard, flate.NewReader(br)); err != nil {
				return fmt.Errorf("entry %d (%q): %v", i, name, err)
			}
			consumed := len(data) - start - rd.Len() - br.Buffered()
			if start+consumed != end {
				return fmt.Errorf("entry %d (%q): deflate data ends at %d, the directory's compressed size at %d", i, name, start+consumed, end)
			}
		}
		if flags&flagDescriptor != 0 {
			if method != zip.Deflate {
				return fmt.Errorf("entry %d (%q): stored with a data descriptor: a streaming reader cannot find its end", i, name)
			}
			if end+4 <= len(data) && le32(end) == dataDescSig {
				end += 4
			}
			if end+12 > len(data) {
				return fmt.Errorf("entry %d (%q): no data descriptor", i, name)
			}
			crc, csize, usize = le32(end), le32(end+4), le32(end+8)
			end += 12
		}
		if crc != f.CRC32 || uint64(csize) != f.CompressedSize64 || uint64(usize) != f.UncompressedSize64 {
			return fmt.Errorf("entry %d (%q): local CRC %08x sizes %d/%d, directory %08x %d/%d", i, name, crc, csize, usize, f.CRC32, f.CompressedSize64, f.UncompressedSize64)
		}
		pos = end
	}
	// Then the directory's records, the end record and its comment: the end.
	for i := range zr.File {
		if pos+46 > len(data) || le32(pos) != dirHeaderSig {
			return fmt.Errorf("directory record %d is not at offset %d, after the entries", i, pos)
		}
		pos += 46 + int(le16(pos+28)) + int(le16(pos+30)) + int(le16(pos+32))
	}
	if pos+22 > len(data) || le32(pos) != dirEndSig || pos+22+int(le16(pos+20)) != len(data) {
		return fmt.Errorf("the end record and its comment do not follow the directory at offset %d and end the file (%d bytes)", pos, len(data))
	}
	return nil
}
