// Package outlock keeps two processes from writing one output folder: an
// advisory lock on DIR/.lock, held until the process releases it or exits
// (the kernel drops it then, so a killed process leaves no stale lock). The
// file names the holder, so a second process can say who it waits for.
package outlock

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
)

// File is the lock's name inside the folder.
const File = ".lock"

// Acquire locks dir (creating it), or fails at once naming the holder. The
// lock lasts until release is called or the process exits; keep release
// reachable until then (the open file it holds carries the lock).
// Temporary files older than the lock that a killed writer left under dir
// are removed. what describes the holder (e.g. the command line).
func Acquire(dir, what string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, File)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := lock(f); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		return nil, fmt.Errorf("%s is in use by another process (%s); wait for it or choose another --out",
			dir, strings.TrimSpace(string(holder)))
	}
	now := time.Now()
	_ = f.Truncate(0)
	_, _ = fmt.Fprintf(f, "pid %d, %s, since %s\n", os.Getpid(), what, now.Format(time.RFC3339))
	atomicfile.RemoveStale(dir, now)
	return func() {
		_ = f.Truncate(0)
		_ = unlock(f)
		_ = f.Close()
	}, nil
}
