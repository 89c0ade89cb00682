package atomicfile

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// writerEnv makes the test binary a writer process: it writes its content
// to the path in it 200 times, as a cache entry is written (WriteBytes).
const writerEnv = "DT_ATOMICFILE_WRITER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(writerEnv); spec != "" {
		var path string
		var id int
		if _, err := fmt.Sscanf(spec, "%d %s", &id, &path); err != nil {
			os.Exit(3)
		}
		for range 200 {
			if err := WriteBytes(path, content(id)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(4)
			}
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// content is writer id's version of the entry: 64 KiB of one byte.
func content(id int) []byte { return bytes.Repeat([]byte{byte('a' + id)}, 64<<10) }

// TestConcurrentWritersOfOneEntry: processes that share a cache folder
// (tasks of one study on several nodes) may write the same entry at the
// same time. Four processes each replace one file 200 times while this one
// reads it: every read sees one writer's complete content, never a mix or
// a truncated file, and no temporary file is left.
func TestConcurrentWritersOfOneEntry(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "entry.npz")
	if err := WriteBytes(path, content(0)); err != nil {
		t.Fatal(err)
	}
	var cmds []*exec.Cmd
	for id := 1; id <= 4; id++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), writerEnv+"="+strconv.Itoa(id)+" "+path)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	done := make(chan error, len(cmds))
	for _, c := range cmds {
		go func() { done <- c.Wait() }()
	}
	reads, finished := 0, 0
	deadline := time.After(60 * time.Second)
	for finished < len(cmds) {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("writer: %v", err)
			}
			finished++
		case <-deadline:
			t.Fatal("writers did not finish in 60 s")
		default:
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read %d: %v", reads, err)
			}
			if len(b) != 64<<10 || !bytes.Equal(b, bytes.Repeat(b[:1], len(b))) {
				t.Fatalf("read %d: %d bytes, not one writer's complete entry", reads, len(b))
			}
			reads++
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("left in the folder: %v", names)
	}
	t.Logf("%d reads during 800 concurrent replacements", reads)
}
