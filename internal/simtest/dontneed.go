package simtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// RerunUnderDontNeed runs test (a test function's name in the calling
// package) again in a process of its own under GODEBUG=madvdontneed=1 when
// this one keeps freed memory resident (madvdontneed=0, as make test sets:
// the Go heap's freed pages then stay in the resident size until the kernel
// wants them), and reports whether it did: a test that measures memory
// going back to the system then returns, its verdict the rerun's.
func RerunUnderDontNeed(t *testing.T, test string) bool {
	t.Helper()
	if !strings.Contains(os.Getenv("GODEBUG"), "madvdontneed=0") {
		return false
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.v")
	if testing.Short() {
		cmd.Args = append(cmd.Args, "-test.short")
	}
	cmd.Env = append(os.Environ(), "GODEBUG=madvdontneed=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+test) {
		t.Fatalf("%s under GODEBUG=madvdontneed=1: %v\n%s", test, err, out)
	}
	return true
}
