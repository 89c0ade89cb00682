package peakmem

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/simtest"
)

// TestPeakFollowsAnAllocation: touching 256 MiB raises the peak by about
// that much; after a reset and the memory's release, the peak is lower.
// Run where freed memory goes back with MADV_FREE (GODEBUG=madvdontneed=0,
// as make test sets), whose pages stay resident until the kernel wants
// them, the test runs itself again with the default MADV_DONTNEED.
func TestPeakFollowsAnAllocation(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("VmHWM is Linux's")
	}
	if simtest.RerunUnderDontNeed(t, "TestPeakFollowsAnAllocation") {
		return
	}
	before, ok := Peak()
	if !ok {
		t.Fatal("no VmHWM in /proc/self/status")
	}
	buf := make([]byte, 256<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	after, _ := Peak()
	if after-before < 200<<20 {
		t.Errorf("peak %d -> %d bytes after touching 256 MiB", before, after)
	}
	runtime.KeepAlive(buf)
	buf = nil
	runtime.GC()
	debug.FreeOSMemory()
	if !Reset() {
		t.Skip("clear_refs not writable here")
	}
	if reset, _ := Peak(); reset >= after {
		t.Errorf("peak after the memory's release and a reset %d, before %d", reset, after)
	}
}
