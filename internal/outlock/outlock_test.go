package outlock

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSecondHolderIsRefused: a second Acquire on the same folder fails at
// once naming the holder; after release it succeeds. Temporary files a
// killed writer left are removed, others are kept.
func TestSecondHolderIsRefused(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "sub", ".results.json.tmp-123")
	_ = os.MkdirAll(filepath.Dir(stale), 0o755)
	_ = os.WriteFile(stale, []byte("half"), 0o644)
	old := time.Now().Add(-time.Hour)
	_ = os.Chtimes(stale, old, old)
	keep := filepath.Join(dir, "results.json")
	_ = os.WriteFile(keep, []byte("{}"), 0o644)

	release, err := Acquire(dir, "study --out x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file kept: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a real output was removed: %v", err)
	}
	if _, err := Acquire(dir, "another"); err == nil || !strings.Contains(err.Error(), "in use") ||
		!strings.Contains(err.Error(), "study --out x") || !strings.Contains(err.Error(), "pid") {
		t.Errorf("second holder: %v", err)
	}
	release()
	r2, err := Acquire(dir, "third")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	r2()
}
