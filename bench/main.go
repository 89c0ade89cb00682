// Command bench times the study stage by stage, on the default backends and
// with an empty feature cache, next to its PyTorch peer (bench/peer.py: the
// original's computations with Debian's torch, torchvision, numpy and scipy
// on 2 threads) on the same data in the same run, and prints the ratios.
//
//	go run ./bench [--data-dir DIR | --synthetic quick|full] [--models a,b] [--permutations N] [--bootstraps N]
//
// The peer does the study's work: its training seeds, its distinct
// augmented views and its BatchNorm adaptation (see bench/peer.py).
//
// The tables also go into docs/benchmarks.md (--docs), one section per
// dataset, each replaced by the next run on that dataset; --go-bench FILE
// adds the output of `go test -bench` as tables. That file is only ever
// written here, by `make bench`.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

func main() {
	dataDir := flag.String("data-dir", "", "dataset folder (default: the embedded default)")
	synthetic := flag.String("synthetic", "", "a simulator profile instead (quick or full; generated once, cached)")
	models := flag.String("models", strings.Join(cnn.StudyModels(), ","), "CNNs")
	perms := flag.Int("permutations", 10000, "permutations per RSM comparison")
	boots := flag.Int("bootstraps", 1000, "bootstrap samples per RSM comparison")
	docs := flag.String("docs", "docs/benchmarks.md", "Markdown file whose sections this run replaces (empty: print only)")
	goBench := flag.String("go-bench", "", "output of `go test -bench` to add to --docs as tables")
	flag.Parse()
	if *goBench != "" && *docs != "" {
		if err := writeGoBench(*docs, *goBench); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	// Each dataset has its own section in docs; the embedded default is the quick profile.
	section := "Study stages: synthetic " + cmp.Or(*synthetic, "quick")
	if d := cmp.Or(*dataDir, os.Getenv(synth.DataDirEnv)); d != "" && *synthetic == "" {
		section = "Study stages: data " + d
	}
	if *synthetic != "" {
		if *dataDir != "" {
			fmt.Fprintln(os.Stderr, "bench: --data-dir and --synthetic: give one")
			os.Exit(2)
		}
		dir, err := synth.Ensure(cachedir.Root(), *synthetic, 1, os.Stderr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		*dataDir = dir
	}
	if err := run(*dataDir, strings.Split(*models, ","), *perms, *boots, section, *docs); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run times the stages and, unless docs is empty, writes them as its section.
func run(dataDir string, models []string, perms, boots int, section, docs string) error {
	dir, err := synth.ResolveDataDir(cmp.Or(dataDir, os.Getenv(synth.DataDirEnv)), cachedir.Root(), os.Stderr)
	if err != nil {
		return err
	}
	d, err := kay.Load(dir)
	if err != nil {
		return err
	}
	// The peer first: ONNX Runtime's threads spin after use and would slow it.
	fmt.Fprintln(os.Stderr, "bench: PyTorch peer (bench/peer.py) ...")
	// $DT_PYTHON picks another interpreter (a CUDA torch: with
	// DT_PEER_DEVICE=cuda, scripts/bench-xla-cuda.sh).
	python := cmp.Or(os.Getenv("DT_PYTHON"), "/usr/bin/python3")
	// The peer does the same work: the study's training seeds, its distinct
	// augmented views and its BatchNorm adaptation.
	opt := study.CNNOptions(d, 1, "", nil)
	seeds := study.DefaultSeeds(d)
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		return err
	}
	extra := opt.Features.BackbonePasses(len(sel.Train.Index)) - len(sel.Train.Index)
	adapt := 0
	if opt.Features.BatchNorm == cnn.BNAdapt {
		adapt = 1
	}
	peerCmd := exec.Command(python, "bench/peer.py", dir, strings.Join(models, ","), strconv.Itoa(perms), strconv.Itoa(boots),
		strconv.Itoa(seeds), strconv.Itoa(extra), strconv.Itoa(adapt))
	peerCmd.Stderr = os.Stderr
	out, err := peerCmd.Output()
	if err != nil {
		return fmt.Errorf("peer: %w", err)
	}
	var peer map[string]float64
	if err := json.Unmarshal(out, &peer); err != nil {
		return fmt.Errorf("peer printed %q: %w", out, err)
	}
	// Ours with an empty feature cache, so every backbone pass is timed.
	env := backend.FromEnv(os.Getenv)
	backend.UseFastBLAS()
	tmp, err := os.MkdirTemp("", "dt-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cfg, release, err := study.Setup(context.Background(), study.Settings{Data: d, Out: tmp + "/out", Models: models, Env: env,
		Seed: 1, Seeds: seeds, Test: rsa.TestConfig{Permutations: perms, Bootstraps: boots, Level: 0.95, Seed: 1},
		Stages: []string{"fmri", "cnn", "embeddings", "rsa", "robustness"},
		Cache:  tmp}) // empty: every backbone pass is timed, and the weights are random
	if err != nil {
		return err
	}
	defer release()
	opt = *cfg.CNN
	cc, _ := backend.ChoiceOf(cfg.Conv)
	dc, _ := backend.ChoiceOf(cfg.Dense)
	res, err := study.Run(context.Background(), cfg)
	if err != nil {
		return err
	}
	var md bytes.Buffer // the same report as Markdown, for docs
	both := func(format string, args ...any) {
		fmt.Printf(format+"\n", args...)
		fmt.Fprintf(&md, format+"\n\n", args...)
	}
	both("data: %s (%d train / %d test images, %d voxels); models %v, random weights", filepath.Base(dir), res.Dataset.NTrain, res.Dataset.NTest, res.Dataset.Voxels, models)
	both("both: %d seeds; per backbone %d training views (%d augmented), BatchNorm %s", seeds, extra+len(sel.Train.Index), extra, opt.Features.BatchNorm)
	peerOn := "CPU, 2 threads"
	if dev := os.Getenv("DT_PEER_DEVICE"); dev != "" && dev != "cpu" {
		peerOn = dev + ", batch " + cmp.Or(os.Getenv("DT_PEER_BATCH"), "32")
	}
	both("ours: %s (CNNs, batch %d), %s (dense); peer: PyTorch (%s), %s", cc.Config, opt.Features.Batch, dc.Config, python, peerOn)
	fmt.Printf("%-12s %10s %10s %8s\n", "stage", "ours (s)", "peer (s)", "speedup")
	md.WriteString("| stage | ours (s) | PyTorch peer (s) | speedup |\n| --- | --- | --- | --- |\n")
	for _, s := range []string{"fmri", "cnn", "rsa", "robustness"} {
		fmt.Printf("%-12s %10.1f %10.1f %7.2fx\n", s, res.Timings[s], peer[s], peer[s]/res.Timings[s])
		fmt.Fprintf(&md, "| %s | %.1f | %.1f | %.2fx |\n", s, res.Timings[s], peer[s], peer[s]/res.Timings[s])
	}
	var comp []string
	for _, m := range models {
		c := res.Compilations[m]
		comp = append(comp, fmt.Sprintf("%s %d (%.1f s)", m, c.Count, c.Seconds))
	}
	fmt.Printf("graph compilations (backbones, over the run): %s\n", strings.Join(comp, ", "))
	fmt.Fprintf(&md, "\nGraph compilations (backbones, over the run): %s.\n", strings.Join(comp, ", "))
	if docs == "" {
		return nil
	}
	return writeSection(docs, section, md.String())
}

// writeSection replaces the section titled title in the Markdown file path
// (or appends it), stamped with the date, machine and Go version, and keeps
// the others. Sections start at "## " lines; the file is written atomically.
func writeSection(path, title, body string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	sections := map[string]string{}
	var order []string
	cur := ""
	for line := range strings.Lines(string(old)) {
		if t, ok := strings.CutPrefix(line, "## "); ok {
			cur = strings.TrimSpace(t)
			order = append(order, cur)
		}
		if cur != "" {
			sections[cur] += line
		}
	}
	if !slices.Contains(order, title) {
		order = append(order, title)
	}
	sections[title] = fmt.Sprintf("## %s\n\nLast `make bench`: %s on %s, %d cores, %s.\n\n%s\n", title,
		time.Now().Format("2006-01-02"), cpuModel(), runtime.NumCPU(), runtime.Version(), strings.TrimSpace(body))
	var out strings.Builder
	out.WriteString("# Benchmarks\n\nGenerated by `make bench` (bench/main.go); never edit by hand. Each section is replaced by the\n" +
		"next run on its dataset or benchmark and says when and where it ran. What the numbers mean: [performance.md](performance.md).\n")
	for _, t := range order {
		out.WriteString("\n" + strings.TrimRight(sections[t], "\n") + "\n")
	}
	return atomicfile.WriteBytes(path, []byte(out.String()))
}

// cpuModel is the first "model name" of /proc/cpuinfo, or GOARCH.
func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// writeGoBench turns `go test -bench` output into one table per benchmark
// (rows: its sub-benchmarks; columns: the units it reported) and writes each
// as a section of docs.
func writeGoBench(docs, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	type row struct {
		name string
		vals map[string]string // unit -> value
	}
	type table struct {
		pkg   string
		units []string
		rows  []row
	}
	tables := map[string]*table{}
	var names []string
	pkg := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 2 && fields[0] == "pkg:" {
			pkg = "./" + strings.TrimPrefix(fields[1], "github.com/decodingthoughts/decoding-thoughts/")
		}
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") || len(fields)%2 != 0 {
			continue
		}
		name := fields[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 { // the GOMAXPROCS suffix
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		top, sub, _ := strings.Cut(name, "/")
		t := tables[top]
		if t == nil {
			t = &table{pkg: pkg}
			tables[top] = t
			names = append(names, top)
		}
		vals := map[string]string{}
		for i := 2; i+1 < len(fields); i += 2 {
			vals[fields[i+1]] = fields[i]
			if !slices.Contains(t.units, fields[i+1]) {
				t.units = append(t.units, fields[i+1])
			}
		}
		t.rows = append(t.rows, row{cmp.Or(sub, "-"), vals})
	}
	if err := sc.Err(); err != nil {
		return err
	}
	for _, n := range names {
		t := tables[n]
		var md strings.Builder
		fmt.Fprintf(&md, "`go test -run '^$' -bench '^%s$' -benchtime 1x %s`\n\n| case | %s |\n|%s\n", n, t.pkg,
			strings.Join(t.units, " | "), strings.Repeat(" --- |", len(t.units)+1))
		for _, r := range t.rows {
			cells := make([]string, len(t.units))
			for i, u := range t.units {
				cells[i] = r.vals[u]
			}
			fmt.Fprintf(&md, "| %s | %s |\n", r.name, strings.Join(cells, " | "))
		}
		if err := writeSection(docs, "go test: "+n, md.String()); err != nil {
			return err
		}
	}
	return nil
}
