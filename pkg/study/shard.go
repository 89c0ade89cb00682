package study

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
)

// Shard is task Index (0-based) of Count of a study split over its models:
// model k belongs to task k mod Count, so every model is in exactly one.
// Order, when set, is the study's models in another order that the split
// follows instead (study --jobs balances its tasks' costs so); the results
// do not depend on it.
type Shard struct {
	Index, Count int
	Order        []string
}

// ParseShard reads "I/N" (0 <= I < N).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n || n > 100000 {
		return Shard{}, fmt.Errorf("shard %q: want I/N with 0 <= I < N (task I of N, counted from 0)", s)
	}
	return Shard{Index: i, Count: n}, nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Models are the task's models of the study's list: model k of all, or
// of Order when it is set (a reordering of all), where k mod Count is
// Index.
func (s Shard) Models(all []string) []string {
	if s.Order != nil {
		all = s.Order
	}
	var out []string
	for k, m := range all {
		if k%s.Count == s.Index {
			out = append(out, m)
		}
	}
	return out
}

// ShardDir is the task's folder in the study's output folder.
func ShardDir(out string, s Shard) string {
	return filepath.Join(out, "shards", fmt.Sprintf("%d-of-%d", s.Index, s.Count))
}

// ShardFile, in a task's folder, says that the task finished and with what.
const ShardFile = "shard.json"

// ShardStages are the stages a task runs: the work of each of its models
// (BatchNorm adaptation, backbone features with the layer features of the
// layers stage, the heads of every seed, the distortion sweeps) and, in
// task 0 only, the decoder, which the merge adopts. Every backbone pass's
// output lands in the shared cache, from which the merge reads it back
// instead of recomputing it. A task runs these alone, not the stages they
// need in a study (the encoding model, the RSA, whose comparisons the merge
// makes across every model): the distortion sweep's accuracies need only
// the heads. The layers stage itself (ridge fits and resampling over every
// model's cached layer features, and of the distorted test images' layers
// the robustness sweep cached) runs in the merge only, which compares the
// models; a plan without the robustness stage leaves the distorted images'
// layers to the merge's backbone passes.
var ShardStages = []string{"fmri", "cnn", "robustness"}

// ShardRecord is a finished task's ShardFile.
type ShardRecord struct {
	Index  int      `json:"index"`
	Count  int      `json:"count"`
	Models []string `json:"models"` // the task's
	// Config is the digest of the study's configuration (ConfigDigest):
	// the merge refuses a task whose digest differs from the others'.
	Config string `json:"config"`
	// Command is what the program that ran the task records to rebuild the
	// configuration for the merge (the command line's study flags).
	Command []string `json:"command,omitempty"`
}

// ConfigDigest is the digest of what the study's results depend on: the
// dataset's files, every model of the study, the seeds, the resampling,
// the distortions and the heads' recipe (not the backends, the output
// folder or the stages).
func ConfigDigest(cfg Config) string {
	c := cfg
	c.Defaults()
	var dists []string
	for _, d := range c.Distortions {
		dists = append(dists, fmt.Sprintf("%s=%v", d.Name, d.Levels))
	}
	recipe := ""
	if c.CNN != nil {
		o := *c.CNN
		o.Progress, o.Train.Progress, o.Features.Progress = nil, nil, nil
		// where the cache is and how many images a backbone call takes (128
		// on a GPU, 32 on a CPU) do not change the results: tasks on GPU
		// nodes and a merge on a CPU node describe one study
		o.Features.CacheDir, o.Features.Batch = "", 0
		b, _ := json.Marshal(o)
		recipe = string(b)
	}
	return cachedir.Key("study-v1", c.Data.Fingerprint(), c.Models, c.Seed, c.Seeds, c.Test, c.ROITest, dists, recipe)
}

// RunShard runs task s of the study cfg describes: the task's models
// through the ShardStages the study's plan has, into ShardDir(cfg.Out, s),
// then records it
// (ShardFile, with command). Tasks run as separate processes, on one
// machine or many, sharing cfg.Cache.
func RunShard(ctx context.Context, cfg Config, s Shard, command []string) error {
	cfg.Defaults()
	digest := ConfigDigest(cfg)
	task := cfg
	task.Models = s.Models(cfg.Models)
	task.Out = ShardDir(cfg.Out, s)
	plan, err := Plan(cfg.Stages)
	if err != nil {
		return err
	}
	task.Stages = nil
	for _, name := range ShardStages {
		if slices.Contains(plan, name) && (name != "fmri" || s.Index == 0) {
			task.Stages = append(task.Stages, name)
		}
	}
	task.LayerFeatures = slices.Contains(plan, "layers")
	task.task = true
	if len(task.Models) == 0 {
		return fmt.Errorf("shard %s: %s for %d tasks: task %d has none (use at most %s)", s, count(len(cfg.Models), "model"), s.Count, s.Index, count(len(cfg.Models), "task"))
	}
	_ = os.Remove(filepath.Join(task.Out, ShardFile)) // a rerun is unfinished until it ends
	if _, err := Run(ctx, task); err != nil {
		return err
	}
	rec := ShardRecord{Index: s.Index, Count: s.Count, Models: task.Models, Config: digest, Command: command}
	return writeJSON(filepath.Join(task.Out, ShardFile), rec)
}

// ReadShards reads the records of the tasks in out (every task of one
// split), checking that all of them finished, that they describe one
// configuration and that together they hold each model once. The error
// names the missing or inconsistent tasks.
func ReadShards(out string) ([]ShardRecord, error) {
	dirs, err := filepath.Glob(filepath.Join(out, "shards", "*-of-*"))
	if err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("%s: no tasks (shards/I-of-N): run study --shard I/N --out %s first", out, out)
	}
	counts := map[int]bool{}
	for _, d := range dirs {
		var i, n int
		if _, err := fmt.Sscanf(filepath.Base(d), "%d-of-%d", &i, &n); err == nil {
			counts[n] = true
		}
	}
	if len(counts) != 1 {
		var ns []string
		for n := range counts {
			ns = append(ns, strconv.Itoa(n))
		}
		sort.Strings(ns)
		return nil, fmt.Errorf("%s: tasks of different splits (N = %s): remove the folders of the split not wanted", filepath.Join(out, "shards"), strings.Join(ns, ", "))
	}
	var n int
	for k := range counts {
		n = k
	}
	var recs []ShardRecord
	var missing []string
	for i := range n {
		path := filepath.Join(ShardDir(out, Shard{Index: i, Count: n}), ShardFile)
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, fmt.Sprintf("%d/%d", i, n))
			continue
		}
		if err != nil {
			return nil, err
		}
		var r ShardRecord
		if err := json.Unmarshal(b, &r); err != nil || r.Index != i || r.Count != n || r.Config == "" {
			return nil, fmt.Errorf("%s: not the record of task %d/%d (%v): run that task again", path, i, n, err)
		}
		recs = append(recs, r)
	}
	if len(missing) > 0 {
		if len(missing) > 1 {
			return nil, fmt.Errorf("%s: tasks %s not finished (no %s): run them (again), then merge", out, strings.Join(missing, ", "), ShardFile)
		}
		return nil, fmt.Errorf("%s: task %s not finished (no %s): run it (again), then merge", out, missing[0], ShardFile)
	}
	for _, r := range recs[1:] {
		if r.Config != recs[0].Config {
			diff := ""
			if a, b := onlyIn(r.Command, recs[0].Command), onlyIn(recs[0].Command, r.Command); len(a)+len(b) > 0 {
				diff = fmt.Sprintf("; its flags %v where task 0/%d had %v", a, n, b)
			}
			return nil, fmt.Errorf("%s: task %d/%d ran another configuration than task 0/%d (digest %.12s, not %.12s%s): run it again with the same flags",
				out, r.Index, n, n, r.Config, recs[0].Config, diff)
		}
	}
	return recs, nil
}

// Merge runs the study cfg describes in cfg.Out from its tasks' outputs:
// it checks the tasks (ReadShards) against cfg's configuration, takes each
// task's trained heads and the decoder into the study's folder, and runs
// the study (every stage, or cfg.Stages): what the tasks trained is
// reopened and what their backbones computed is read from the shared
// cache, so the merge's results.json is the single-process run's.
func Merge(ctx context.Context, cfg Config) (*Results, error) {
	cfg.Defaults()
	recs, err := ReadShards(cfg.Out)
	if err != nil {
		return nil, err
	}
	if d := ConfigDigest(cfg); recs[0].Config != d {
		return nil, fmt.Errorf("%s: the tasks ran another configuration (digest %.12s, this merge %.12s)", cfg.Out, recs[0].Config, d)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Models...)
	}
	if want := slices.Clone(cfg.Models); !sameSet(got, want) {
		var held []string
		for _, r := range recs {
			held = append(held, fmt.Sprintf("task %d/%d (%s) holds %v", r.Index, r.Count, ShardDir(cfg.Out, Shard{Index: r.Index, Count: r.Count}), r.Models))
		}
		return nil, fmt.Errorf("%s: the tasks hold models %v, the study %v (%s): tasks split in different orders (--shard-order) or of another model list; run every task with the study's models and one --shard-order (study --jobs does), then merge",
			cfg.Out, got, want, strings.Join(held, "; "))
	}
	for _, r := range recs {
		src := ShardDir(cfg.Out, Shard{Index: r.Index, Count: r.Count})
		for _, m := range r.Models {
			if err := adopt(filepath.Join(src, "cnn", m), filepath.Join(cfg.Out, "cnn", m)); err != nil {
				return nil, err
			}
		}
	}
	if err := adopt(filepath.Join(ShardDir(cfg.Out, Shard{Index: 0, Count: recs[0].Count}), decoder.Name), filepath.Join(cfg.Out, decoder.Name)); err != nil {
		return nil, err
	}
	return Run(ctx, cfg)
}

// onlyIn lists the entries of a that b lacks.
func onlyIn(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// adopt copies a task's trained stage folder into the study's (through a
// temporary folder renamed into place), unless the study's already holds
// a run of the same inputs.
func adopt(src, dst string) error {
	key, err := os.ReadFile(filepath.Join(src, keyFile))
	if err != nil {
		return fmt.Errorf("%s: the task did not finish this stage: %w", src, err)
	}
	if have, err := os.ReadFile(filepath.Join(dst, keyFile)); err == nil && string(have) == string(key) {
		return nil
	}
	tmp := dst + ".tmp-merge"
	_ = os.RemoveAll(tmp)
	if err := os.CopyFS(tmp, os.DirFS(src)); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}
