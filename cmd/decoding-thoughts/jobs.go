package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
)

// taskCommand is the process that runs one task of study --jobs: exe
// (this program) again; tests replace it.
var taskCommand = func(ctx context.Context, exe string, args []string) *exec.Cmd {
	return exec.CommandContext(ctx, exe, args...)
}

// taskName matches a task's folder in shards/ (ShardDir).
var taskName = regexp.MustCompile(`^([0-9]+)-of-([0-9]+)$`)

// otherSplits are the task folders in out/shards of a split in other than n
// tasks, which the merge would refuse beside this run's.
func otherSplits(out string, n int) []string {
	entries, _ := os.ReadDir(filepath.Join(out, "shards"))
	var dirs []string
	for _, e := range entries {
		if m := taskName.FindStringSubmatch(e.Name()); m != nil && e.IsDir() && m[2] != strconv.Itoa(n) {
			dirs = append(dirs, filepath.Join(out, "shards", e.Name()))
		}
	}
	return dirs
}

// tasksDone, while runTasks runs, is closed when it returns: an interrupt
// waits for the tasks it stopped before the program exits.
var tasksDone atomic.Pointer[chan struct{}]

// runTasks runs the study's models as n tasks side by side (study --shard
// i/n with the study's flags args, into out's shards/), each its own
// process in its own process group, their output lines prefixed with the
// task's name; the first to fail stops the others, an interrupt stops all
// (one SIGINT each, forwarded). The caller merges them (study.Merge).
func runTasks(parent context.Context, args []string, out string, models []string, n int) error {
	// Another split's tasks (an earlier run with another N, or Slurm's)
	// are not this run's to remove: they may be running or unmerged.
	if dirs := otherSplits(out, n); len(dirs) > 0 {
		return fmt.Errorf("--jobs %d: %s holds tasks of another split (%s): run with that --jobs, merge them (study merge --out %s), or remove %s",
			n, out, strings.Join(dirs, ", "), out, filepath.Join(out, "shards"))
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("--jobs: finding this program to run its tasks: %w", err)
	}
	done := make(chan struct{})
	tasksDone.Store(&done)
	defer func() { tasksDone.Store(nil); close(done) }()
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var mu sync.Mutex // whole lines, one task's at a time
	var first error   // the first task to fail
	var once sync.Once
	var wg sync.WaitGroup
	order := taskOrder(models, n)
	for i := range n {
		s := study.Shard{Index: i, Count: n, Order: order}
		cmd := taskCommand(ctx, exe, append([]string{"study", "--shard=" + s.String(), "--shard-order=" + strings.Join(order, ","), "--out=" + out}, args...))
		// Its own process group, so that a terminal's Ctrl-C reaches it once,
		// through Cancel (each task stops as the study does), and a signal
		// if this process dies first.
		cmd.SysProcAttr = taskAttr()
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 10 * time.Second
		cmd.Env = taskEnv(os.Environ(), i)
		prefix := fmt.Sprintf("[task %s] ", s)
		stdout, stderr := &prefixed{dst: os.Stdout, prefix: prefix, mu: &mu}, &prefixed{dst: os.Stderr, prefix: prefix, mu: &mu}
		cmd.Stdout, cmd.Stderr = stdout, stderr
		names := strings.Join(s.Models(models), ", ")
		fmt.Fprintf(os.Stderr, "study: task %s runs %s\n", s, names)
		wg.Go(func() {
			err := cmd.Run()
			stdout.flush()
			stderr.flush()
			if err != nil {
				once.Do(func() { first = fmt.Errorf("task %s (%s) failed: %w", s, names, err) })
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

// jobsTaskEnv marks a task that study --jobs started (and merges).
const jobsTaskEnv = "DT_STUDY_JOBS_TASK"

// taskEnv is the environment of task i: marked as study --jobs's, and a
// CPU profile asked for (DT_CPUPROFILE) goes to a file of its own.
func taskEnv(env []string, i int) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "DT_CPUPROFILE="); ok && v != "" {
			kv = fmt.Sprintf("DT_CPUPROFILE=%s.task%d", v, i)
		}
		out = append(out, kv)
	}
	return append(out, jobsTaskEnv+"=1")
}

// taskOrder orders the models so that the study's split into n tasks
// (model k to task k mod n: study.Shard.Order) gives tasks of about equal
// work by cnn.Arch.Cost: the dearest model first, each to the least loaded
// task that may still take one (the split's sizes: len mod n tasks take one
// more than the others), those tasks then numbered first.
func taskOrder(models []string, n int) []string {
	type task struct {
		names []string
		load  float64
	}
	cost := func(name string) float64 {
		if a, err := cnn.Get(name); err == nil {
			return a.Cost()
		}
		return cnn.Arch{}.Cost()
	}
	byCost := slices.Clone(models)
	slices.SortStableFunc(byCost, func(a, b string) int { return cmp.Compare(cost(b), cost(a)) })
	small, big := len(models)/n, len(models)%n
	tasks := make([]task, n)
	for _, m := range byCost {
		best := -1
		for i, t := range tasks {
			if k := len(t.names); (k < small || k == small && big > 0) && (best < 0 || t.load < tasks[best].load) {
				best = i
			}
		}
		if len(tasks[best].names) == small {
			big--
		}
		tasks[best].names, tasks[best].load = append(tasks[best].names, m), tasks[best].load+cost(m)
	}
	slices.SortStableFunc(tasks, func(a, b task) int { return cmp.Compare(len(b.names), len(a.names)) })
	var order []string
	for k := 0; len(order) < len(models); k++ {
		for _, t := range tasks {
			if k < len(t.names) {
				order = append(order, t.names[k])
			}
		}
	}
	return order
}
