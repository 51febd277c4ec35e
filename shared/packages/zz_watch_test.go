package packages

import (
	"bytes"
	"os"
	"testing"
	"time"
)

func FuzzWatch(f *testing.F) {
	valid := build(f, validFiles())
	f.Add(valid)
	f.Add(build(f, with(map[string][]byte{"../x": []byte("x"), "assets/zeros.bin": make([]byte, 64<<10)})))
	f.Add(patchHeaders(f, valid, "assets/logo.svg", setFlag(0x1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		tm := time.AfterFunc(2*time.Second, func() {
			os.WriteFile("/tmp/slow.zip", data, 0o644)
			panic("slow input saved")
		})
		defer tm.Stop()
		Validate(bytes.NewReader(data), int64(len(data)), "", DefaultLimits())
	})
}
