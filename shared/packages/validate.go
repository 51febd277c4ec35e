package packages

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"strings"

	"github.com/mpdp/platform/shared/domain"
)

// copyBufferBytes is the one buffer every entry streams through.
const copyBufferBytes = 32 << 10

// Validate checks the zip of size bytes read through r against lim and, unless
// declaredVersion is "", against the version the uploader declared.
//
// A bad package is not an error: it is a Report listing every problem found.
// Only not_a_zip, too_many_entries and the structure problems that leave no
// single reading of the zip (zip64, several disks, data prepended to the
// zip; see checkStructure) end the checks early. Validate never panics on any
// input.
//
// Memory use does not depend on the package's size. The central directory is
// counted with a fixed buffer before archive/zip loads it, and loaded only
// when it has at most lim.MaxEntries records (and, for packages already too
// large, at most lim.MaxPackageBytes of them). Entries are then streamed
// through one fixed buffer; only app.json, at most lim.MaxManifestBytes, is
// held whole. Decompression stops once the entries' actual output passes
// lim.MaxUncompressedBytes, whatever their headers claim, so zip bombs cost
// little time too.
func Validate(r io.ReaderAt, size int64, declaredVersion string, lim Limits) Report {
	v := &validator{lim: lim, size: size, rep: Report{Problems: []Problem{}, CompressedBytes: size}}
	v.run(r, declaredVersion)
	v.rep.Valid = len(v.rep.Problems) == 0
	return v.rep
}

type validator struct {
	lim  Limits
	size int64
	rep  Report
}

// entry is one zip entry with what the metadata checks learned about it.
type entry struct {
	f     *zip.File
	clean string // cleaned path; "" when the path is unsafe
	dir   bool
	skip  bool // not decompressed (encrypted or unknown method), already reported
}

func (v *validator) addf(code, path, format string, args ...any) {
	v.rep.Problems = append(v.rep.Problems, Problem{Code: code, Message: fmt.Sprintf(format, args...), Path: path})
}

func (v *validator) run(r io.ReaderAt, declaredVersion string) {
	if v.size > v.lim.MaxPackageBytes {
		v.addf(CodePackageTooLarge, "", "package is %s, more than the %s limit", humanBytes(v.size), humanBytes(v.lim.MaxPackageBytes))
	}
	if v.size <= 0 {
		v.addf(CodeNotAZip, "", "package is empty; it must be a zip file")
		return
	}
	if !v.checkDirectory(r) {
		return
	}
	structural, badLocal, fatal := checkStructure(r, v.size)
	v.rep.Problems = append(v.rep.Problems, structural...)
	if fatal {
		return
	}
	zr, err := zip.NewReader(r, v.size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // insecure paths are reported below, per entry
		v.addf(CodeNotAZip, "", "package is not a valid zip file: %v", err)
		return
	}
	if len(zr.File) > v.lim.MaxEntries { // scanDirectory should have caught it; never trust one check
		v.addf(CodeTooManyEntries, "", "package has %d entries, more than the limit of %d", len(zr.File), v.lim.MaxEntries)
		return
	}
	v.rep.Entries = len(zr.File)

	entries := v.checkEntries(zr.File)
	for i := range entries {
		// archive/zip finds an entry's data through its local header: one
		// that disagrees with the directory has been reported, and its data
		// is not what the directory describes.
		entries[i].skip = entries[i].skip || i < len(badLocal) && badLocal[i]
	}
	man, manOK := v.manifest(entries)
	v.checkContents(entries)
	v.checkMainSize(entries, man)
	if !manOK {
		return
	}
	v.checkVersion(man, declaredVersion)
	v.checkPages(entries, man)
}

// checkDirectory counts the central directory's records before archive/zip
// loads them all, and reports whether it is safe to open the zip.
func (v *validator) checkDirectory(r io.ReaderAt) bool {
	stats, ok := scanDirectory(r, v.size, v.lim.MaxPackageBytes)
	if !ok {
		return true // not a zip: zip.NewReader says why
	}
	tooBig := stats.bytes > v.lim.MaxPackageBytes
	if stats.records > v.lim.MaxEntries {
		atLeast := ""
		if tooBig {
			atLeast = "at least "
		}
		v.addf(CodeTooManyEntries, "", "package has %s%d entries, more than the limit of %d", atLeast, stats.records, v.lim.MaxEntries)
		v.rep.Entries = stats.records
		return false
	}
	// A directory bigger than a whole package can only be in a package already
	// reported as too large; loading it would take memory in proportion.
	return !tooBig
}

// checkEntries checks each entry's metadata: path, type, encryption, method.
func (v *validator) checkEntries(files []*zip.File) []entry {
	entries := make([]entry, len(files))
	seen := make(map[string]string, len(files))   // cleaned path → first entry name
	folded := make(map[string]string, len(files)) // foldKey of the cleaned path → first entry name
	for i, f := range files {
		e := entry{f: f, dir: strings.HasSuffix(f.Name, "/")}
		if clean, why := entryPath(f.Name); why != "" {
			v.addf(CodeUnsafePath, f.Name, "entry %q %s; entry paths must be relative and stay inside the package", f.Name, why)
		} else {
			e.clean = clean
			if first, dup := seen[clean]; dup {
				v.addf(CodeDuplicatePath, f.Name, "entry %q has the same path as entry %q (%s)", f.Name, first, clean)
			} else if first, dup := folded[foldKey(clean)]; dup {
				v.addf(CodePathCollision, f.Name, "entry %q differs from entry %q only in letter case or Unicode normalisation; on case-insensitive or normalising file systems they are one file", f.Name, first)
			} else {
				seen[clean] = f.Name
				folded[foldKey(clean)] = f.Name
			}
		}
		if why := characterProblem(f.Name); why != "" {
			v.addf(CodeUnsafeCharacter, f.Name, "entry %+q %s; names may not contain control, bidi or other invisible characters", f.Name, why)
		}
		if f.Mode()&fs.ModeSymlink != 0 {
			v.addf(CodeSymlink, f.Name, "entry %q is a symbolic link; packages may contain only regular files", f.Name)
		}
		switch {
		case f.Flags&0x1 != 0:
			v.addf(CodeEncryptedEntry, f.Name, "entry %q is encrypted; packages must not be encrypted", f.Name)
			e.skip = true
		case f.Method != zip.Store && f.Method != zip.Deflate:
			// Host apps unzip only these two, so other methods are refused even
			// if a decompressor happens to be registered in this process.
			v.addf(CodeCorruptEntry, f.Name, "entry %q uses compression method %d; only Store (0) and Deflate (8) are supported", f.Name, f.Method)
			e.skip = true
		}
		entries[i] = e
	}
	return entries
}

// manifest finds, reads and parses app.json. ok is false when there is no
// usable manifest, whether missing, unreadable or not JSON.
func (v *validator) manifest(entries []entry) (man Manifest, ok bool) {
	var e *entry
	for i := range entries {
		if entries[i].clean == ManifestName && !entries[i].dir {
			e = &entries[i]
			break
		}
	}
	switch {
	case e == nil:
		v.addf(CodeManifestMissing, ManifestName, "package has no %s at its root", ManifestName)
		return Manifest{}, false
	case e.skip:
		return Manifest{}, false // encrypted or unknown method: already reported
	case e.f.UncompressedSize64 > uint64(v.lim.MaxManifestBytes):
		v.addf(CodeManifestInvalid, ManifestName, "%s is %s, more than the %s limit",
			ManifestName, humanBytes(clampInt64(e.f.UncompressedSize64)), humanBytes(v.lim.MaxManifestBytes))
		return Manifest{}, false
	}
	data, err := readSmall(e.f, v.lim.MaxManifestBytes)
	if err != nil {
		return Manifest{}, false // checkContents reports it as corrupt
	}
	man, problems := ParseManifest(data)
	v.rep.Problems = append(v.rep.Problems, problems...)
	v.rep.Manifest = &ManifestSummary{
		Version:     man.Version,
		Pages:       append([]string{}, man.Pages...),
		Subpackages: len(man.Subpackages),
		EntryPage:   man.EntryPage(),
	}
	return man, true
}

// readSmall reads an entry of at most max bytes whose CRC matches.
func readSmall(f *zip.File, max int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	switch {
	case err != nil:
		return nil, err
	case int64(len(data)) > max:
		return nil, fmt.Errorf("%s is larger than its header says", f.Name)
	case crc32.ChecksumIEEE(data) != f.CRC32:
		return nil, zip.ErrChecksum
	}
	return data, nil
}

// checkContents decompresses every entry to verify its CRC and real size, and
// checks the sizes and ratios against the limits.
func (v *validator) checkContents(entries []entry) {
	var declared int64
	for _, e := range entries {
		declared = addClamped(declared, clampInt64(e.f.UncompressedSize64))
	}
	tooLarge := false
	reportTooLarge := func(format string, args ...any) {
		if !tooLarge {
			tooLarge = true
			v.addf(CodeTooLargeUncompressed, "", format, args...)
		}
	}
	if declared > v.lim.MaxUncompressedBytes {
		reportTooLarge("entries declare %s uncompressed, more than the %s limit",
			humanBytes(declared), humanBytes(v.lim.MaxUncompressedBytes))
	}

	in := newInflater()
	budget := v.lim.MaxUncompressedBytes // bytes that may still be decompressed
	var total int64                      // bytes decompressed, plus declared sizes of entries not decompressed
	entryRatio := false
	for _, e := range entries {
		f := e.f
		size := clampInt64(f.UncompressedSize64)
		if e.skip {
			total = addClamped(total, size)
			continue
		}
		if size > budget {
			// Its header alone says it does not fit: spend no time inflating it.
			reportTooLarge("entry %q declares %s uncompressed, more than the %s left of the %s limit",
				f.Name, humanBytes(size), humanBytes(budget), humanBytes(v.lim.MaxUncompressedBytes))
			total = addClamped(total, size)
			entryRatio = v.checkEntryRatio(f, size, "declares") || entryRatio
			continue
		}
		// Headers can lie, so the real output is capped at one byte more than
		// the header declares, which the budget still holds.
		n, trailing, err := in.drain(f, size+1)
		total = addClamped(total, n)
		budget = max(0, budget-n)
		switch {
		case err != nil:
			v.addf(CodeCorruptEntry, f.Name, "entry %q is corrupt: %s", f.Name, describeReadError(err))
			continue
		case n != size:
			v.addf(CodeCorruptEntry, f.Name, "entry %q is corrupt: %s", f.Name, describeSize(f, n))
			continue
		case in.crc.Sum32() != f.CRC32:
			// archive/zip skips the check when the stored CRC is 0; this does not.
			v.addf(CodeCorruptEntry, f.Name, "entry %q is corrupt: its CRC-32 is %08x, but its header says %08x", f.Name, in.crc.Sum32(), f.CRC32)
			continue
		case trailing > 0:
			// A streaming reader stops where the deflate data ends and looks
			// for the next local header there: it would find what hides here.
			v.addf(CodeUnlistedData, f.Name, "entry %q has %d bytes after the end of its deflate data, inside its compressed size; they belong to no entry%s",
				f.Name, trailing, describeHidden(in.rest, 0, trailing))
		}
		if kind := archiveKind(in.head); kind != "" {
			v.addf(CodeNestedArchive, f.Name, "entry %q is a %s; packages must not contain archives or compressed files: the runtime never unpacks them, and what they expand to escapes the package's size and ratio limits", f.Name, kind)
		}
		entryRatio = v.checkEntryRatio(f, n, "decompresses to") || entryRatio
	}
	v.rep.UncompressedBytes = total

	// Many small entries, or entries sharing compressed data, can each pass
	// the per-entry check; the whole package's ratio catches them.
	if !entryRatio && total > ratioFloor && float64(total) > v.lim.MaxRatio*float64(v.size) {
		v.addf(CodeCompressionRatio, "", "package expands from %s to %s, a ratio of %.0f, more than the limit of %g",
			humanBytes(v.size), humanBytes(total), float64(total)/float64(v.size), v.lim.MaxRatio)
	}
}

// checkEntryRatio reports an entry whose uncompressed size n is too large for
// its compressed size, and says whether it did.
func (v *validator) checkEntryRatio(f *zip.File, n int64, verb string) bool {
	compressed := float64(f.CompressedSize64)
	if n <= ratioFloor || float64(n) <= v.lim.MaxRatio*compressed {
		return false
	}
	v.addf(CodeCompressionRatio, f.Name, "entry %q %s %s from %s, a ratio of %.0f, more than the limit of %g for entries over %s",
		f.Name, verb, humanBytes(n), humanBytes(clampInt64(f.CompressedSize64)),
		float64(n)/math.Max(compressed, 1), v.lim.MaxRatio, humanBytes(ratioFloor))
	return true
}

// inflater decompresses entries one after another through one decompressor
// and one buffer (so memory does not grow with the number of entries), and
// tells where each deflate stream ended. It does not use zip.File.Open, which
// stops reading at the end of the deflate data without checking that it is
// the end of the entry's compressed data.
type inflater struct {
	buf   []byte
	crc   hash.Hash32
	head  []byte // the first bytes of the entry's content, for sniffing
	br    *bufio.Reader
	count countingReader
	flate io.ReadCloser
	rest  io.ReaderAt // the compressed bytes after the end of the last deflate stream, if any
}

func newInflater() *inflater {
	in := &inflater{buf: make([]byte, copyBufferBytes), crc: crc32.NewIEEE(), head: make([]byte, 0, sniffBytes)}
	in.br = bufio.NewReaderSize(&in.count, dirBufferBytes)
	in.flate = flate.NewReader(in.br)
	return in
}

// Write feeds the CRC and keeps the first bytes.
func (in *inflater) Write(p []byte) (int, error) {
	if len(in.head) < cap(in.head) {
		in.head = append(in.head, p[:min(len(p), cap(in.head)-len(in.head))]...)
	}
	return in.crc.Write(p)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// drain decompresses at most limit bytes of f, feeding in.crc, and returns how
// many bytes came out and, when a deflate stream ended before limit, how many
// compressed bytes follow its end.
func (in *inflater) drain(f *zip.File, limit int64) (n, trailing int64, err error) {
	in.crc.Reset()
	in.head = in.head[:0]
	in.rest = nil
	raw, err := f.OpenRaw()
	if err != nil {
		return 0, 0, &headerError{err}
	}
	in.count = countingReader{r: raw}
	in.br.Reset(&in.count)
	var src io.Reader = in.br
	if f.Method == zip.Deflate {
		// flate reads a bufio.Reader byte by byte and never past the end of
		// its stream, so the bytes consumed are the stream's length.
		if err := in.flate.(flate.Resetter).Reset(in.br, nil); err != nil {
			return 0, 0, err
		}
		src = in.flate
	}
	// Neither a LimitedReader nor a hash offers WriterTo/ReaderFrom, so
	// CopyBuffer really streams through buf.
	n, err = io.CopyBuffer(in, io.LimitReader(src, limit), in.buf)
	if err == nil && n < limit && f.Method == zip.Deflate {
		consumed := in.count.n - int64(in.br.Buffered())
		trailing = int64(f.CompressedSize64) - consumed
		if ra, ok := raw.(io.ReaderAt); ok && trailing > 0 {
			in.rest = io.NewSectionReader(ra, consumed, trailing)
		}
	}
	return n, trailing, err
}

// sniffBytes is how much of an entry archiveKind looks at.
const sniffBytes = 8

// archiveKind names the archive or compression format content starts with,
// by its magic number (whatever the entry's name), or returns "".
func archiveKind(head []byte) string {
	for _, m := range []struct{ magic, kind string }{
		{"PK\x03\x04", "zip archive (or jar, apk, docx…)"},
		{"PK\x05\x06", "zip archive (empty)"},
		{"PK\x07\x08", "zip archive (spanned)"},
		{"\x1f\x8b", "gzip stream"},
		{"BZh", "bzip2 stream"},
		{"\xfd7zXZ\x00", "xz stream"},
		{"\x28\xb5\x2f\xfd", "zstd stream"},
		{"7z\xbc\xaf\x27\x1c", "7z archive"},
		{"Rar!\x1a\x07", "rar archive"},
	} {
		if strings.HasPrefix(string(head), m.magic) {
			return m.kind
		}
	}
	return ""
}

// headerError marks a failure to read an entry's local header, as opposed to
// its data.
type headerError struct{ err error }

func (e *headerError) Error() string { return e.err.Error() }
func (e *headerError) Unwrap() error { return e.err }

// describeReadError says in words what went wrong reading an entry.
func describeReadError(err error) string {
	var corrupt flate.CorruptInputError
	switch {
	case errors.As(err, new(*headerError)):
		return fmt.Sprintf("its local header cannot be read (%v)", err)
	case errors.As(err, &corrupt):
		return fmt.Sprintf("its deflate data is invalid (%v)", err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "its deflate data ends early"
	}
	return err.Error()
}

// describeSize says how an entry's real size differs from its header's.
func describeSize(f *zip.File, n int64) string {
	switch {
	case n > 0 && strings.HasSuffix(f.Name, "/"):
		return "it is a directory entry with content"
	case n > clampInt64(f.UncompressedSize64):
		return fmt.Sprintf("it decompresses to more than the %d bytes its header declares", f.UncompressedSize64)
	}
	return fmt.Sprintf("its data ends early or decompresses to %d bytes, not the %d its header declares", n, f.UncompressedSize64)
}

// checkMainSize adds up the compressed size of entries outside subpackages.
func (v *validator) checkMainSize(entries []entry, man Manifest) {
	var main int64
	for _, e := range entries {
		if _, sub := man.subpackageRoot(e.clean); e.clean == "" || !sub {
			main = addClamped(main, clampInt64(e.f.CompressedSize64))
		}
	}
	v.rep.MainBytes = main
	if main > v.lim.MaxMainBytes {
		v.addf(CodeMainPackageTooLarge, "", "the main package (entries outside subpackage roots) is %s compressed, more than the %s limit; move pages or assets into subpackages",
			humanBytes(main), humanBytes(v.lim.MaxMainBytes))
	}
}

func (v *validator) checkVersion(man Manifest, declared string) {
	if declared == "" || man.Version == "" { // nothing declared, or app.json's version already reported
		return
	}
	want, err := domain.ParseSemver(declared)
	if err != nil {
		v.addf(CodeVersionMismatch, ManifestName, "the declared version cannot match app.json's %s: %v", man.Version, err)
		return
	}
	got, _ := domain.ParseSemver(man.Version) // ParseManifest keeps only a valid version
	if got.Compare(want) != 0 {
		v.addf(CodeVersionMismatch, ManifestName, "app.json declares version %s, but the upload was declared as version %s", man.Version, declared)
	}
}

// checkPages requires a <page>.js file for every page app.json declares.
func (v *validator) checkPages(entries []entry, man Manifest) {
	files := make(map[string]bool, len(entries))
	for _, e := range entries {
		if e.clean != "" && !e.dir {
			files[e.clean] = true
		}
	}
	for _, page := range man.AllPages() {
		if file := page + ".js"; !files[file] {
			v.addf(CodePageMissing, file, "page %q is declared in %s, but the package has no %s", page, ManifestName, file)
		}
	}
}

// clampInt64 converts a size from a zip header, which may be any uint64.
func clampInt64(n uint64) int64 {
	return int64(min(n, math.MaxInt64))
}

// addClamped adds two non-negative sizes without overflowing.
func addClamped(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
