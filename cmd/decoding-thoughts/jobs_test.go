package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
)

// TestRunTasks: study --jobs runs each task as its own process with the
// study's flags and its --shard, prefixes every line of theirs (a progress
// bar's '\r' redraws too) with the task, and when one fails stops the others
// (here: one that would sleep 30 s) and names the failed one.
func TestRunTasks(t *testing.T) {
	dir := t.TempDir()
	saved := taskCommand
	defer func() { taskCommand = saved }()
	var got [][]string
	script := func(body string) func(ctx context.Context, exe string, args []string) *exec.Cmd {
		return func(ctx context.Context, exe string, args []string) *exec.Cmd {
			got = append(got, args)
			return exec.CommandContext(ctx, "sh", "-c", body, "task", strings.Join(args, " "))
		}
	}
	// stdout and stderr of the tasks: captured through a pipe as os.Stderr
	capture := func(f func()) string {
		r, w, _ := os.Pipe()
		oldOut, oldErr := os.Stdout, os.Stderr
		os.Stdout, os.Stderr = w, w
		done := make(chan string)
		go func() {
			var b strings.Builder
			buf := make([]byte, 4096)
			for {
				n, err := r.Read(buf)
				b.Write(buf[:n])
				if err != nil {
					break
				}
			}
			done <- b.String()
		}()
		f()
		os.Stdout, os.Stderr = oldOut, oldErr
		w.Close()
		return <-done
	}
	models := []string{"a", "b", "c"}
	// this split's task folder and a look-alike of another's do not stop it
	for _, f := range []string{"shards/1-of-2/shard.json", "shards/2-of-3.bak/shard.json"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	out := capture(func() {
		taskCommand = script(`echo "args: $1"; printf 'bar 50%%\rbar 100%%\n' >&2; printf 'no newline'`)
		err = runTasks(context.Background(), []string{"--seed=2"}, dir, models, 2)
	})
	if err != nil {
		t.Fatalf("runTasks: %v\n%s", err, out)
	}
	for _, want := range []string{
		"study: task 0/2 runs a, c\n", "study: task 1/2 runs b\n",
		"[task 0/2] args: study --shard=0/2 --shard-order=a,b,c --out=" + dir + " --seed=2\n",
		"[task 1/2] args: study --shard=1/2 --shard-order=a,b,c --out=" + dir + " --seed=2\n",
		"[task 1/2] bar 50%\n", "[task 1/2] bar 100%\n", "[task 0/2] no newline\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Task 1 fails at once: task 0, asleep, is stopped.
	t0 := time.Now()
	out = capture(func() {
		taskCommand = script(`case "$1" in *shard=1/2*) echo broken >&2; exit 3;; *) exec sleep 30;; esac`)
		err = runTasks(context.Background(), nil, filepath.Join(dir, "x"), models, 2)
	})
	if err == nil || !strings.Contains(err.Error(), "task 1/2 (b) failed: exit status 3") {
		t.Errorf("a failed task: error %v", err)
	}
	if took := time.Since(t0); took > 10*time.Second {
		t.Errorf("the other task was not stopped: %v", took)
	}
	if !strings.Contains(out, "[task 1/2] broken\n") {
		t.Errorf("the failed task's output is missing:\n%s", out)
	}
	// Another split's task folder, which may be running or unmerged, is
	// left alone and named.
	if err := os.MkdirAll(filepath.Join(dir, "shards", "2-of-3"), 0o755); err != nil {
		t.Fatal(err)
	}
	_ = capture(func() { err = runTasks(context.Background(), nil, dir, models, 2) })
	if err == nil || !strings.Contains(err.Error(), "2-of-3") {
		t.Errorf("another split's tasks: error %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "shards", "2-of-3")); err != nil {
		t.Errorf("another split's task folder went: %v", err)
	}
	if env := taskEnv([]string{"A=1", "DT_CPUPROFILE=/tmp/p.prof"}, 1); len(env) != 3 || env[1] != "DT_CPUPROFILE=/tmp/p.prof.task1" || env[2] != jobsTaskEnv+"=1" {
		t.Errorf("task 1's environment %q", env)
	}
	// An interrupt of the study is its error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = capture(func() {
		taskCommand = script(`exec sleep 30`)
		err = runTasks(ctx, nil, filepath.Join(dir, "y"), models, 2)
	})
	if err != context.Canceled {
		t.Errorf("interrupted: error %v, want context.Canceled", err)
	}
}

// TestJobsFlag: --jobs beside --shard, or 0, is refused before any work.
func TestJobsFlag(t *testing.T) {
	for _, args := range [][]string{
		{"--jobs", "2", "--shard", "0/2"},
		{"--jobs", "0"},
	} {
		err := runStudyAs(context.Background(), "study", append(args, "--out", t.TempDir()), nil, "")
		if err == nil || !strings.Contains(err.Error(), "--jobs") {
			t.Errorf("%v: error %v, want one naming --jobs", args, err)
		}
	}
	// refused before any work: nothing written in --out
	for _, args := range [][]string{
		{"--shard-order", "vgg11_bn"},
		{"--shard", "0/2", "--models", "resnet18,alexnet", "--shard-order", "resnet18,vgg11_bn"},
		{"--shard", "0/2", "--models", "resnet18,alexnet", "--shard-order", "resnet18"},
		{"--shard", "0/2", "--models", "resnet18,alexnet", "--shard-order", ""},
		{"--shard", "0/2", "--models", "resnet18,alexnet", "--shard-order", "resnet18,resnet18"},
	} {
		out := filepath.Join(t.TempDir(), "out")
		err := runStudyAs(context.Background(), "study", append(args, "--out", out), nil, "")
		if err == nil || !strings.Contains(err.Error(), "--shard-order") {
			t.Errorf("%v: error %v, want one naming --shard-order", args, err)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: refused, but %s was made", args, out)
		}
	}
}

// TestTaskOrderBalancesCost: the study's five models split into two tasks
// of about equal work (cnn.Arch.Cost: vgg11_bn the dearest; loads 14.5 and
// 14.4 where the given order's split has 18.1), as the k mod n split of the
// order reads them; seven resnets into three tasks too, where the best
// possible largest load is wide_resnet101_2's with the cheapest model,
// resnet18 (a task of two or three models holds it). Every model once; the
// first tasks take the extra model.
func TestTaskOrderBalancesCost(t *testing.T) {
	load := func(names []string) (sum float64) {
		for _, n := range names {
			a, _ := cnn.Get(n)
			sum += a.Cost()
		}
		return sum
	}
	for _, c := range []struct {
		models []string
		n      int
		want   [][]string // the tasks' models, as sets
	}{
		{cnn.StudyModels(), 2, [][]string{{"mobilenet_v3_large", "resnet50", "resnext50_32x4d"}, {"densenet121", "vgg11_bn"}}},
		{[]string{"resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "wide_resnet50_2", "wide_resnet101_2"}, 3,
			[][]string{{"resnet152", "resnet34", "resnet50"}, {"resnet18", "wide_resnet101_2"}, {"resnet101", "wide_resnet50_2"}}},
	} {
		order := taskOrder(c.models, c.n)
		if !slices.Equal(slices.Sorted(slices.Values(order)), slices.Sorted(slices.Values(c.models))) {
			t.Fatalf("order %v of %v", order, c.models)
		}
		var loads []float64
		for i := range c.n {
			got := study.Shard{Index: i, Count: c.n, Order: order}.Models(c.models)
			loads = append(loads, load(got))
			if !slices.Equal(slices.Sorted(slices.Values(got)), c.want[i]) {
				t.Errorf("%d tasks: task %d runs %v, want %v (order %v)", c.n, i, got, c.want[i], order)
			}
		}
		plain := 0.0 // the split of the given order
		for i := range c.n {
			plain = max(plain, load(study.Shard{Index: i, Count: c.n}.Models(c.models)))
		}
		t.Logf("%d tasks: loads %.1f, the largest %.1f where the given order's is %.1f", c.n, loads, slices.Max(loads), plain)
		if !(slices.Max(loads) < plain) {
			t.Errorf("%d tasks: largest load %.1f, not below the given order's %.1f", c.n, slices.Max(loads), plain)
		}
	}
}
