package packages

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/debug"
	"testing"
)

// bigPackage returns a valid package of a little over n bytes: the valid files
// plus ten incompressible assets in the subpackage (outside the main package's
// limit). The number of entries does not depend on n, so neither should
// allocation.
func bigPackage(t testing.TB, n int) []byte {
	files := validFiles()
	for i := range 10 {
		files[fmt.Sprintf("sub/assets/blob%02d.bin", i)] = randomBytes(uint64(i), n/10)
	}
	return build(t, files)
}

// allocatedBy returns the bytes f allocates on the heap, on average over runs.
// The collector is off meanwhile: a collection empties the sync.Pools that
// archive/zip and regexp keep, and refilling them would add noise.
func allocatedBy(runs int, f func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

func TestValidateMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a package at the size limit")
	}
	small, large := bigPackage(t, 3<<20), bigPackage(t, int(DefaultLimits().MaxPackageBytes)-64<<10) // just under the size limit
	measure := func(data []byte) uint64 {
		var rep Report
		validate(data, DefaultLimits(), "1.0.0") // fill the pools
		n := allocatedBy(5, func() { rep = Validate(bytes.NewReader(data), int64(len(data)), "1.0.0", DefaultLimits()) })
		if !rep.Valid {
			t.Fatalf("package of %d bytes is invalid:\n%s", len(data), problemList(rep))
		}
		return n
	}
	a3, a30 := measure(small), measure(large)
	t.Logf("Validate allocated %d bytes for a %.1f MiB package, %d bytes for a %.1f MiB package",
		a3, float64(len(small))/(1<<20), a30, float64(len(large))/(1<<20))
	if a30 > 2*a3 {
		t.Errorf("allocation grows with package size: %d bytes for %d, %d bytes for %d", a3, len(small), a30, len(large))
	}
	if a30 > 1<<20 {
		t.Errorf("Validate allocated %d bytes for a %d-byte package; want under 1 MiB", a30, len(large))
	}
}
