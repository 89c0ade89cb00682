package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
)

// taskCommand is the process that runs one task of study --jobs: this
// program again (tests replace it).
var taskCommand = func(ctx context.Context, args []string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("--jobs: finding this program to run its tasks: %w", err)
	}
	return exec.CommandContext(ctx, exe, args...), nil
}

// runTasks runs the study's models as n tasks side by side (study --shard
// i/n with the study's flags args, into out's shards/), each its own
// process, their output lines prefixed with the task's name; the first to
// fail stops the others. The caller merges them (study.Merge).
func runTasks(parent context.Context, args []string, out string, models []string, n int) error {
	// The merge takes one split's tasks: another split's, left by an
	// earlier run with another N, go first (their heads are retrained in
	// seconds, their backbones' outputs stay in the cache).
	stale, _ := filepath.Glob(filepath.Join(out, "shards", "*-of-*"))
	for _, dir := range stale {
		var i, m int
		if _, err := fmt.Sscanf(filepath.Base(dir), "%d-of-%d", &i, &m); err == nil && m != n {
			fmt.Fprintf(os.Stderr, "study: removing %s, a task of a split in %d (this run splits in %d)\n", dir, m, n)
			if err := os.RemoveAll(dir); err != nil {
				return fmt.Errorf("--jobs %d: %w", n, err)
			}
		}
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var mu sync.Mutex // whole lines, one task's at a time
	var first error   // the first task to fail
	var once sync.Once
	var wg sync.WaitGroup
	for i := range n {
		s := study.Shard{Index: i, Count: n}
		cmd, err := taskCommand(ctx, append([]string{"study", "--shard=" + s.String(), "--out=" + out}, args...))
		if err != nil {
			return err
		}
		// an interrupt reaches the tasks as one: each stops as the study does
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 30 * time.Second
		prefix := fmt.Sprintf("[task %s] ", s)
		stdout, stderr := &prefixed{dst: os.Stdout, prefix: prefix, mu: &mu}, &prefixed{dst: os.Stderr, prefix: prefix, mu: &mu}
		cmd.Stdout, cmd.Stderr = stdout, stderr
		fmt.Fprintf(os.Stderr, "study: task %s runs %s\n", s, strings.Join(s.Models(models), ", "))
		wg.Go(func() {
			err := cmd.Run()
			stdout.flush()
			stderr.flush()
			if err != nil {
				once.Do(func() { first = fmt.Errorf("task %s (%s) failed: %w", s, strings.Join(s.Models(models), ", "), err) })
				cancel() // the others stop
			}
		})
	}
	wg.Wait()
	if err := parent.Err(); err != nil {
		return err
	}
	if first != nil {
		return fmt.Errorf("study --jobs %d: %w (its output above, its lines marked with it); run the study again to go on from where it stopped", n, first)
	}
	return nil
}

// prefixed writes whole lines to dst, each after prefix ('\r', a progress
// bar's redraw, ends a line too).
type prefixed struct {
	dst    io.Writer
	prefix string
	mu     *sync.Mutex
	buf    []byte
}

func (p *prefixed) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		k := bytes.IndexAny(p.buf, "\n\r")
		if k < 0 {
			return len(b), nil
		}
		if k > 0 {
			p.line(p.buf[:k])
		}
		p.buf = p.buf[k+1:]
	}
}

func (p *prefixed) line(l []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.dst, "%s%s\n", p.prefix, l)
}

func (p *prefixed) flush() {
	if len(p.buf) > 0 {
		p.line(p.buf)
		p.buf = nil
	}
}
