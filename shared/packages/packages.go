// Package packages holds the rules for mini program packages: the zip files that
// developers upload. The package-processor worker validates each upload with
// [Validate] and the developer CLI runs the same function before uploading, so
// both reject exactly the same packages. [ZipDir] builds the zip the CLI uploads.
//
// The package does no network or AWS I/O: callers hand it an [io.ReaderAt].
package packages

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Limits are the package rules' numbers; [DefaultLimits] gives the platform's.
type Limits struct {
	MaxPackageBytes      int64   // whole zip (compressed)
	MaxMainBytes         int64   // main package: compressed size of entries outside subpackage roots
	MaxEntries           int     // entries in the central directory
	MaxUncompressedBytes int64   // sum of uncompressed sizes
	MaxRatio             float64 // uncompressed/compressed, per entry and overall (zip bombs)
	MaxManifestBytes     int64   // app.json
}

// DefaultLimits returns the platform's limits.
func DefaultLimits() Limits {
	return Limits{
		MaxPackageBytes:      30 << 20,
		MaxMainBytes:         2 << 20,
		MaxEntries:           2000,
		MaxUncompressedBytes: 200 << 20,
		MaxRatio:             100,
		MaxManifestBytes:     256 << 10,
	}
}

// ratioFloor is the uncompressed size below which compression ratios are not
// checked: small text files legitimately compress very well, and a bomb needs
// volume to do harm.
const ratioFloor = 1 << 20

// Problem codes: stable and machine-readable, one per rule.
const (
	CodeNotAZip              = "not_a_zip"
	CodePackageTooLarge      = "package_too_large"
	CodeTooManyEntries       = "too_many_entries"
	CodeUnsafePath           = "unsafe_path"
	CodeDuplicatePath        = "duplicate_path"
	CodeSymlink              = "symlink"
	CodeEncryptedEntry       = "encrypted_entry"
	CodeTooLargeUncompressed = "too_large_uncompressed"
	CodeCompressionRatio     = "compression_ratio"
	CodeCorruptEntry         = "corrupt_entry"
	CodeMainPackageTooLarge  = "main_package_too_large"
	CodeManifestMissing      = "manifest_missing"
	CodeManifestInvalid      = "manifest_invalid"
	CodeVersionMismatch      = "version_mismatch"
	CodePageMissing          = "page_missing"

	// The zip's structure (structure.go): the local headers and the central
	// directory must describe the same archive.
	CodeLocalHeaderMismatch = "local_header_mismatch"
	CodeUnlistedData        = "unlisted_data"
	CodeOverlappingEntries  = "overlapping_entries"
	CodeUnsupportedZip      = "unsupported_zip_feature"

	// Names and contents that unpack differently, or not at all, on the way
	// to a user's phone.
	CodePathCollision   = "path_collision"   // the same path after case folding and Unicode normalisation
	CodeUnsafeCharacter = "unsafe_character" // control, format (bidi, zero-width) or line separator characters, or not UTF-8
	CodeNestedArchive   = "nested_archive"   // an archive or compressed stream inside the package
)

// ManifestName is the manifest's path at the root of a package.
const ManifestName = "app.json"

// Problem is one reason a package is invalid.
type Problem struct {
	Code    string `json:"code"`           // one of the Code constants
	Message string `json:"message"`        // for people: what, where, and the limit
	Path    string `json:"path,omitempty"` // the entry concerned
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Code + ": " + p.Message
	}
	return fmt.Sprintf("%s (%s): %s", p.Code, p.Path, p.Message)
}

// Report is the outcome of validating one package.
type Report struct {
	Valid             bool             `json:"valid"`
	Problems          []Problem        `json:"problems"` // [] when valid
	Entries           int              `json:"entries"`
	CompressedBytes   int64            `json:"compressedBytes"`   // size of the whole zip
	UncompressedBytes int64            `json:"uncompressedBytes"` // counted while decompressing; headers' sizes for entries not decompressed
	MainBytes         int64            `json:"mainBytes"`         // compressed bytes outside subpackage roots
	Manifest          *ManifestSummary `json:"manifest,omitempty"`
}

// MarshalJSON writes Problems as [] rather than null, so clients can iterate
// without a nil check even on a zero Report.
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report // drops the method, so no recursion
	if r.Problems == nil {
		r.Problems = []Problem{}
	}
	return json.Marshal(plain(r))
}

// Codes returns the problems' codes in order, handy for logs and tests.
func (r Report) Codes() []string {
	codes := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		codes[i] = p.Code
	}
	return codes
}

// Err returns nil for a valid package, else an error listing every problem.
func (r Report) Err() error {
	if r.Valid {
		return nil
	}
	msgs := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		msgs[i] = p.String()
	}
	return fmt.Errorf("invalid package: %s", strings.Join(msgs, "; "))
}

// ManifestSummary is what a Report tells about app.json.
type ManifestSummary struct {
	Version     string   `json:"version"`
	Pages       []string `json:"pages"`       // main package pages, in declared order
	Subpackages int      `json:"subpackages"` // number of subpackages
	EntryPage   string   `json:"entryPage"`   // entryPagePath if set, else the first page
}

// humanBytes formats n for messages, like "30 MiB" or "2.4 MiB (2516582 bytes)".
func humanBytes(n int64) string {
	units := []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}}
	for _, u := range units {
		if n >= u.size {
			if n%u.size == 0 {
				return fmt.Sprintf("%d %s", n/u.size, u.name)
			}
			return fmt.Sprintf("%.1f %s (%d bytes)", float64(n)/float64(u.size), u.name, n)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
