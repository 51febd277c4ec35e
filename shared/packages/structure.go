package packages

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
)

// A zip file describes its entries twice: in a local header before each
// entry's data, and in the central directory at the end. archive/zip (and so
// Validate's other checks) reads the directory; streaming readers such as
// Java's ZipInputStream read the local headers front to back and never look at
// the directory. A package whose two descriptions differ would be validated as
// one archive and extracted as another, so checkStructure requires them to
// describe the same archive, byte for byte:
//
//   - every directory record's local header has the same name, flags, method,
//     CRC-32 and sizes (with a data descriptor, flag bit 3: the header's CRC
//     and sizes are zero or the same, and the descriptor after the data has
//     the directory's values);
//   - the entries, each from its local header to the end of its data
//     descriptor, tile the file from offset 0 to the central directory with no
//     gap and no overlap, so no local entry hides between them and nothing is
//     prepended (self-extracting stubs included);
//   - the central directory ends exactly where the end record begins, and the
//     end record's comment reaches exactly the end of the file: a comment is
//     allowed (the spec has one), trailing bytes are not;
//   - no zip64, no archive split across disks, no Info-ZIP Unicode Path extra
//     field (a second name that some tools prefer), no general purpose flags
//     beyond encryption (reported on its own), the deflate option bits, the
//     data descriptor and UTF-8 names, and data descriptors on deflated
//     entries only (a streaming reader finds the end of deflate data by
//     itself, not that of stored data). A package is at most 30 MiB and never
//     needs zip64.
//
// The console's zip reader (console/src/lib/zip.ts) makes the same checks with
// the same codes; both run on the fixtures in testdata/zipstructure.

const (
	localHeaderLen  = 30
	localHeaderSig  = 0x04034b50
	dataDescSig     = 0x08074b50
	zip64ExtraID    = 0x0001
	unicodePathID   = 0x7075
	flagEncrypted   = 0x0001
	flagDescriptor  = 0x0008
	flagUTF8        = 0x0800
	zipDeflate      = 8
	allowedFlags    = flagEncrypted | 0x0002 | 0x0004 | flagDescriptor | flagUTF8
	structureBufLen = 4096
)

// record is what a central directory record says about its entry.
type record struct {
	name         string
	flags        uint16
	method       uint16
	crc          uint32
	csize, usize uint32
	offset       int64
}

// span is the bytes one entry takes, from its local header to the end of its
// data descriptor.
type span struct {
	index      int
	start, end int64
}

// checkStructure checks that the local headers and the central directory
// describe the same archive (see above). It returns the problems and which
// directory records' local headers cannot be trusted, by index: their data
// must not be read through archive/zip, which finds it through the local
// header. fatal is set when the directory itself cannot be read strictly;
// archive/zip would then read something else, and Validate stops.
func checkStructure(r io.ReaderAt, size int64) (problems []Problem, badLocal []bool, fatal bool) {
	add := func(code, path, format string, args ...any) {
		problems = append(problems, Problem{Code: code, Path: path, Message: fmt.Sprintf(format, args...)})
	}
	endOff, end, ok := findEnd(r, size)
	if !ok {
		return nil, nil, false // no end record: archive/zip says it is not a zip
	}
	disk, dirDisk := le16(end[4:]), le16(end[6:])
	diskRecords, records := le16(end[8:]), le16(end[10:])
	dirSize, dirOff := int64(le32(end[12:])), int64(le32(end[16:]))
	comment := int64(le16(end[20:]))

	if tail := size - (endOff + dirEndLen + comment); tail > 0 {
		add(CodeUnlistedData, "", "%d bytes follow the end of central directory record; a zip file ends with that record and its comment", tail)
	}
	if records == 0xffff || dirSize == 0xffffffff || dirOff == 0xffffffff || hasZip64Locator(r, endOff) {
		add(CodeUnsupportedZip, "", "the package uses zip64, which is not supported; packages are at most %s and never need it", humanBytes(DefaultLimits().MaxPackageBytes))
		return problems, nil, true
	}
	if disk != 0 || dirDisk != 0 || diskRecords != records {
		add(CodeUnsupportedZip, "", "the package is split across several disks (multi-volume zip), which is not supported")
		return problems, nil, true
	}
	if base := endOff - dirSize - dirOff; base != 0 {
		if base > 0 {
			add(CodeUnlistedData, "", "the central directory (%d bytes at offset %d) does not end where the end record begins (offset %d): %d bytes are prepended to the zip data or lie between the directory and the end record",
				dirSize, dirOff, endOff, base)
		} else {
			add(CodeNotAZip, "", "package is not a valid zip file: its central directory (%d bytes at offset %d) runs past the end record at offset %d", dirSize, dirOff, endOff)
		}
		return problems, nil, true
	}

	recs, bad := readRecords(r, dirOff, dirSize, int(records))
	if bad != nil {
		return append(problems, *bad), nil, true
	}
	badLocal = make([]bool, len(recs))
	spans := make([]span, 0, len(recs))
	for i, rec := range recs {
		if rec.flags&^allowedFlags != 0 {
			add(CodeUnsupportedZip, rec.name, "entry %q sets general purpose flags %#04x; only encryption, deflate options, data descriptors and UTF-8 names (%#04x) are supported",
				rec.name, rec.flags&^allowedFlags, allowedFlags)
		}
		if rec.flags&flagDescriptor != 0 && rec.method != zipDeflate {
			add(CodeUnsupportedZip, rec.name, "entry %q has a data descriptor but is not deflated; streaming readers (Java's ZipInputStream) cannot find the end of its data. Deflate it, or write its sizes in its local header", rec.name)
		}
		end, mismatch := checkLocal(r, rec, dirOff)
		if mismatch != "" {
			add(CodeLocalHeaderMismatch, rec.name, "entry %q: %s", rec.name, mismatch)
			badLocal[i] = true
		}
		if end >= 0 {
			spans = append(spans, span{index: i, start: rec.offset, end: end})
		}
	}
	problems = append(problems, checkTiling(r, recs, spans, dirOff)...)
	return problems, badLocal, false
}

// hasZip64Locator reports whether a zip64 end of central directory locator
// precedes the end record: archive/zip would read the zip64 record's values.
func hasZip64Locator(r io.ReaderAt, endOff int64) bool {
	if endOff < dir64LocLen {
		return false
	}
	var b [4]byte
	_, err := r.ReadAt(b[:], endOff-dir64LocLen)
	return err == nil && le32(b[:]) == dir64LocSig
}

// readRecords reads exactly the directory's records: count of them, filling
// dirSize bytes. Zip64 and Unicode Path extra fields are refused here so that
// every size and name is the one in the record.
func readRecords(r io.ReaderAt, dirOff, dirSize int64, count int) ([]record, *Problem) {
	corrupt := func(format string, args ...any) ([]record, *Problem) {
		return nil, &Problem{Code: CodeNotAZip, Message: "package is not a valid zip file: its central directory " + fmt.Sprintf(format, args...)}
	}
	unsupported := func(name, format string) ([]record, *Problem) {
		return nil, &Problem{Code: CodeUnsupportedZip, Path: name, Message: fmt.Sprintf(format, name)}
	}
	br := bufio.NewReaderSize(io.NewSectionReader(r, dirOff, dirSize), structureBufLen)
	recs := make([]record, 0, count)
	var hdr [dirHeaderLen]byte
	var read int64
	for range count {
		if _, err := io.ReadFull(br, hdr[:]); err != nil || le32(hdr[:]) != dirHeaderSig {
			return corrupt("holds fewer records than the %d its end record counts", count)
		}
		nameLen, extraLen, commentLen := int(le16(hdr[28:])), int(le16(hdr[30:])), int(le16(hdr[32:]))
		rest := make([]byte, nameLen+extraLen+commentLen)
		if _, err := io.ReadFull(br, rest); err != nil {
			return corrupt("ends inside a record")
		}
		rec := record{
			name: string(rest[:nameLen]), flags: le16(hdr[8:]), method: le16(hdr[10:]),
			crc: le32(hdr[16:]), csize: le32(hdr[20:]), usize: le32(hdr[24:]), offset: int64(le32(hdr[42:])),
		}
		if le16(hdr[34:]) != 0 {
			return unsupported(rec.name, "entry %q is on another disk of a multi-volume zip, which is not supported")
		}
		if rec.csize == 0xffffffff || rec.usize == 0xffffffff || rec.offset == 0xffffffff || hasExtra(rest[nameLen:nameLen+extraLen], zip64ExtraID) {
			return unsupported(rec.name, "entry %q uses zip64 fields, which are not supported; packages never need them")
		}
		if hasExtra(rest[nameLen:nameLen+extraLen], unicodePathID) {
			return unsupported(rec.name, "entry %q has a second name in an Info-ZIP Unicode Path extra field, which some tools use instead of its name; this is not supported")
		}
		recs = append(recs, rec)
		read += dirHeaderLen + int64(len(rest))
	}
	if read != dirSize {
		return corrupt("holds %d bytes after its %d records", dirSize-read, count)
	}
	return recs, nil
}

// hasExtra reports whether the extra field block holds a field with this id.
// Reading stops at a malformed field, as archive/zip's does (zipalign, for
// one, pads local extra fields with a few zero bytes).
func hasExtra(extra []byte, id uint16) bool {
	for len(extra) >= 4 {
		n := int(le16(extra[2:]))
		if 4+n > len(extra) {
			return false
		}
		if le16(extra) == id {
			return true
		}
		extra = extra[4+n:]
	}
	return false
}

// checkLocal compares rec with its local header (and data descriptor) and
// returns where the entry ends, or -1 when its local header cannot be read.
// Where the entry ends follows the local header's name and extra lengths,
// since that is where a streaming reader finds the data.
func checkLocal(r io.ReaderAt, rec record, dirOff int64) (end int64, mismatch string) {
	var h [localHeaderLen]byte
	if rec.offset+localHeaderLen > dirOff {
		return -1, fmt.Sprintf("its local header offset %d is not before the central directory (offset %d)", rec.offset, dirOff)
	}
	if _, err := r.ReadAt(h[:], rec.offset); err != nil || le32(h[:]) != localHeaderSig {
		return -1, fmt.Sprintf("there is no local header at offset %d, where its directory record points", rec.offset)
	}
	nameLen, extraLen := int64(le16(h[26:])), int64(le16(h[28:]))
	dataStart := rec.offset + localHeaderLen + nameLen + extraLen
	end = dataStart + int64(rec.csize)
	if dataStart > dirOff {
		return -1, "its local header runs into the central directory"
	}
	rest := make([]byte, nameLen+extraLen)
	if _, err := r.ReadAt(rest, rec.offset+localHeaderLen); err != nil {
		return -1, "its local header cannot be read"
	}
	var diffs []string
	if name := string(rest[:nameLen]); name != rec.name {
		diffs = append(diffs, fmt.Sprintf("its local header names it %q", name))
	}
	if hasExtra(rest[nameLen:], zip64ExtraID) || hasExtra(rest[nameLen:], unicodePathID) {
		diffs = append(diffs, "its local header has a zip64 or Unicode Path extra field, which is not supported")
	}
	if flags := le16(h[6:]); flags != rec.flags {
		diffs = append(diffs, fmt.Sprintf("its local header has flags %#04x, its directory record %#04x", flags, rec.flags))
	}
	if method := le16(h[8:]); method != rec.method {
		diffs = append(diffs, fmt.Sprintf("its local header has compression method %d, its directory record %d", method, rec.method))
	}
	local := [3]uint32{le32(h[14:]), le32(h[18:]), le32(h[22:])}
	want := [3]uint32{rec.crc, rec.csize, rec.usize}
	if rec.flags&flagDescriptor == 0 {
		if local != want {
			diffs = append(diffs, fmt.Sprintf("its local header has CRC-32 %08x and sizes %d/%d, its directory record %08x and %d/%d",
				local[0], local[1], local[2], want[0], want[1], want[2]))
		}
	} else {
		// With a data descriptor the local header's fields are zero (or, as
		// some writers do, already the right values); the descriptor after
		// the data has the real ones.
		for i := range local {
			if local[i] != 0 && local[i] != want[i] {
				diffs = append(diffs, fmt.Sprintf("its local header has CRC-32 %08x and sizes %d/%d, its directory record %08x and %d/%d",
					local[0], local[1], local[2], want[0], want[1], want[2]))
				break
			}
		}
		n, ok := descriptorLen(r, end, want)
		if !ok {
			diffs = append(diffs, "its data descriptor (after its data) is missing or differs from its directory record")
		}
		end += n
	}
	if end > dirOff {
		diffs = append(diffs, fmt.Sprintf("its data runs past the start of the central directory (offset %d)", dirOff))
	}
	if len(diffs) > 0 {
		return end, strings.Join(diffs, "; ")
	}
	return end, ""
}

// descriptorLen reads the data descriptor at off: the optional signature,
// then CRC-32, compressed and uncompressed size, which must be want. A
// descriptor with its signature counts as one even when it differs, so that
// the bytes after it are not reported too.
func descriptorLen(r io.ReaderAt, off int64, want [3]uint32) (int64, bool) {
	var b [16]byte
	n, _ := r.ReadAt(b[:], off)
	matches := func(d []byte) bool {
		return len(d) >= 12 && le32(d) == want[0] && le32(d[4:]) == want[1] && le32(d[8:]) == want[2]
	}
	switch {
	case matches(b[:n]):
		return 12, true
	case n == 16 && le32(b[:]) == dataDescSig:
		return 16, matches(b[4:])
	}
	return 0, false
}

// checkTiling requires the entries to cover the file from 0 to the central
// directory exactly once.
func checkTiling(r io.ReaderAt, recs []record, spans []span, dirOff int64) []Problem {
	var problems []Problem
	slices.SortStableFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var pos int64
	last := -1 // index of the entry that ends at pos
	gap := func(from, to int64) {
		where := "before the first entry"
		if last >= 0 {
			where = fmt.Sprintf("after entry %q", recs[last].name)
		}
		problems = append(problems, Problem{Code: CodeUnlistedData, Message: fmt.Sprintf(
			"%d bytes at offset %d, %s, belong to no entry in the central directory%s", to-from, from, where, describeHidden(r, from, to))})
	}
	for _, s := range spans {
		switch {
		case s.start > pos:
			gap(pos, s.start)
		case s.start < pos:
			problems = append(problems, Problem{Code: CodeOverlappingEntries, Path: recs[s.index].name, Message: fmt.Sprintf(
				"entry %q (offset %d) overlaps entry %q; each entry's bytes must belong to it alone", recs[s.index].name, s.start, recs[last].name)})
		}
		if s.end > pos {
			pos, last = s.end, s.index
		}
	}
	if pos < dirOff {
		gap(pos, dirOff)
	}
	return problems
}

// describeHidden says what hides in unlisted bytes when they start with a
// local header: a reader of local headers would extract it.
func describeHidden(r io.ReaderAt, from, to int64) string {
	var h [localHeaderLen]byte
	if r == nil || to-from < localHeaderLen {
		return ""
	}
	if _, err := r.ReadAt(h[:], from); err != nil || le32(h[:]) != localHeaderSig {
		return ""
	}
	name := make([]byte, min(int64(le16(h[26:])), to-from-localHeaderLen))
	if _, err := r.ReadAt(name, from+localHeaderLen); err != nil {
		return ""
	}
	return fmt.Sprintf(": they hold a local entry %q that the directory does not list", name)
}
