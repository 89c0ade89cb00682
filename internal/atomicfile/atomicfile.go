package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// pending holds the temporary files and folders being written, so that an
// interrupted process can remove them before it exits (RemovePending).
var pending sync.Map

// Write creates path by calling fill with a writer to a temporary file in the
// same folder. The file appears at path only if fill and the sync succeed; on
// any error the temporary file is removed and path is left untouched.
func Write(path string, fill func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+TempMark+"*")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	pending.Store(tmp.Name(), true)
	defer pending.Delete(tmp.Name())
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = fill(tmp); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// WriteBytes writes data to path atomically (see Write).
func WriteBytes(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// TempMark is in the name of every temporary file or folder this package
// makes: ".NAME.tmp-RANDOM".
const TempMark = ".tmp-"

// TempDir makes a temporary folder ".NAME.tmp-RANDOM" in dir for something
// that appears as dir/NAME by a rename once complete; done forgets it (call
// it after the rename or the removal).
func TempDir(dir, name string) (path string, done func(), err error) {
	path, err = os.MkdirTemp(dir, "."+name+TempMark+"*")
	if err != nil {
		return "", nil, err
	}
	pending.Store(path, true)
	return path, func() { pending.Delete(path) }, nil
}

// RemovePending removes every temporary file and folder still being
// written: for a process about to exit on a signal, whose deferred clean-ups
// will not run.
func RemovePending() {
	pending.Range(func(k, _ any) bool {
		_ = os.RemoveAll(k.(string))
		pending.Delete(k)
		return true
	})
}

// RemoveStale removes, under root, the temporary files and folders this
// package makes that are older than before: left by a process that was
// killed (SIGKILL) while writing. Call it only while holding root's lock
// (package outlock), so that no live writer's file is touched.
func RemoveStale(root string, before time.Time) (removed []string) {
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := d.Name()
		if !strings.HasPrefix(name, ".") || !strings.Contains(name, TempMark) {
			return nil
		}
		if info, err := d.Info(); err == nil && info.ModTime().Before(before) {
			if os.RemoveAll(p) == nil {
				removed = append(removed, p)
			}
		}
		if d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	})
	return removed
}
