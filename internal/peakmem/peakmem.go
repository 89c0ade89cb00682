// Package peakmem reads and resets the process's peak resident memory
// (Linux: VmHWM in /proc/self/status, reset by writing 5 to
// /proc/self/clear_refs), so that each stage of a run can report its own
// peak.
package peakmem

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// Reset starts a new peak at the current resident size; false where the
// system does not allow it (the peak then covers the process so far).
func Reset() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// Peak is the peak resident memory in bytes since the process started or
// the last Reset; false where the system does not report it.
func Peak() (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, false
			}
			return kb << 10, true
		}
	}
	return 0, false
}
