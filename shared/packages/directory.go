package packages

import (
	"bufio"
	"encoding/binary"
	"io"
)

// archive/zip's NewReader loads every central directory record into memory, and
// keeps reading records until it meets a malformed one, whatever count the end
// record states. To keep memory bounded, Validate first counts the records the
// way NewReader will read them, with a fixed buffer, and only opens the zip when
// the count and the directory's size are within the limits. The code below
// mirrors readDirectoryEnd in archive/zip/reader.go.

const (
	dirEndLen      = 22 // end of central directory record, without comment
	dir64LocLen    = 20 // zip64 end of central directory locator
	dir64EndLen    = 56 // zip64 end of central directory record
	dirHeaderLen   = 46 // central directory file header, without name, extra and comment
	dirEndSig      = 0x06054b50
	dir64LocSig    = 0x07064b50
	dir64EndSig    = 0x06064b50
	dirHeaderSig   = 0x02014b50
	maxInt64       = 1<<63 - 1
	dirBufferBytes = 4096
)

// directoryStats is what a scan of the central directory found.
type directoryStats struct {
	records int   // records NewReader would read (an upper bound)
	bytes   int64 // their total size in bytes
}

// scanDirectory counts the central directory's records. ok is false when no
// directory can be located, in which case NewReader fails too. Where
// archive/zip might start reading at either of two offsets, the larger count
// wins, so the result bounds what NewReader will load. It stops counting once
// the records exceed maxBytes, since larger directories are refused anyway.
func scanDirectory(r io.ReaderAt, size, maxBytes int64) (stats directoryStats, ok bool) {
	starts, ok := directoryStarts(r, size)
	if !ok {
		return directoryStats{}, false
	}
	for _, start := range starts {
		if s := countRecords(r, start, size, maxBytes); s.records > stats.records {
			stats = s
		}
	}
	return stats, true
}

func countRecords(r io.ReaderAt, start, size, maxBytes int64) directoryStats {
	br := bufio.NewReaderSize(io.NewSectionReader(r, start, size-start), dirBufferBytes)
	var hdr [dirHeaderLen]byte
	var s directoryStats
	for s.bytes <= maxBytes {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			break
		}
		if le32(hdr[0:]) != dirHeaderSig {
			break
		}
		rest := int(le16(hdr[28:])) + int(le16(hdr[30:])) + int(le16(hdr[32:])) // name, extra, comment
		if _, err := br.Discard(rest); err != nil {
			break
		}
		s.records++
		s.bytes += dirHeaderLen + int64(rest)
	}
	return s
}

// directoryStarts locates the end of central directory record and returns the
// offsets where archive/zip may start reading directory records.
func directoryStarts(r io.ReaderAt, size int64) ([]int64, bool) {
	endOff, buf, ok := findEnd(r, size)
	if !ok {
		return nil, false
	}
	b := buf[4:]
	records := uint64(le16(b[6:]))
	dirSize := uint64(le32(b[8:]))
	dirOff := uint64(le32(b[12:]))
	if records == 0xffff || dirSize == 0xffff || dirOff == 0xffffffff {
		p, err := findDirectory64End(r, endOff)
		if err == nil && p >= 0 { // else no zip64 locator: keep the 32-bit values
			endOff = p
			dirSize, dirOff, err = readDirectory64End(r, p)
		}
		if err != nil {
			return nil, false
		}
	}
	if dirSize > maxInt64 || dirOff > maxInt64 {
		return nil, false
	}
	base := endOff - int64(dirSize) - int64(dirOff)
	if o := base + int64(dirOff); o < 0 || o >= size {
		return nil, false
	}
	starts := []int64{base + int64(dirOff)}
	if base > 0 {
		// NewReader falls back to base 0 when a record is found there.
		starts = append(starts, int64(dirOff))
	}
	return starts, true
}

// findEnd finds the end of central directory record the way archive/zip does:
// the last signature in the file's last 1 KiB, else in its last 65 KiB, whose
// comment fits in the file. It returns the record's offset and its bytes,
// comment included, up to the end of the file.
func findEnd(r io.ReaderAt, size int64) (int64, []byte, bool) {
	for i, n := range []int64{1024, 65 * 1024} {
		n = min(n, size)
		buf := make([]byte, n)
		if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
			return 0, nil, false
		}
		if p := findDirectoryEnd(buf); p >= 0 {
			return size - n + int64(p), buf[p:], true
		}
		if i == 1 || n == size {
			return 0, nil, false
		}
	}
	return 0, nil, false
}

// findDirectoryEnd returns the offset in b of the last end of central directory
// signature, or -1. Like archive/zip, it gives up on a truncated comment.
func findDirectoryEnd(b []byte) int {
	for i := len(b) - dirEndLen; i >= 0; i-- {
		if le32(b[i:]) == dirEndSig {
			if n := int(le16(b[i+dirEndLen-2:])); n+dirEndLen+i > len(b) {
				return -1
			}
			return i
		}
	}
	return -1
}

// findDirectory64End returns the zip64 end record's offset if a locator
// precedes the end record at endOff, and -1 if there is none.
func findDirectory64End(r io.ReaderAt, endOff int64) (int64, error) {
	locOff := endOff - dir64LocLen
	if locOff < 0 {
		return -1, nil
	}
	var b [dir64LocLen]byte
	if _, err := r.ReadAt(b[:], locOff); err != nil {
		return -1, err
	}
	if le32(b[0:]) != dir64LocSig || le32(b[4:]) != 0 || le32(b[16:]) != 1 {
		return -1, nil
	}
	return int64(le64(b[8:])), nil
}

func readDirectory64End(r io.ReaderAt, off int64) (dirSize, dirOff uint64, err error) {
	var b [dir64EndLen]byte
	if _, err := r.ReadAt(b[:], off); err != nil {
		return 0, 0, err
	}
	if le32(b[0:]) != dir64EndSig {
		return 0, 0, io.ErrUnexpectedEOF
	}
	return le64(b[40:]), le64(b[48:]), nil
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
