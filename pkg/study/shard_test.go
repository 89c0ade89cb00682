package study

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
)

// TestShardsMergeAsOneRun: a study split into two tasks (run one after the
// other here, as separate processes would: each with its own folder, one
// shared cache) and merged gives the single-process run's results.json,
// timings and compilation counts aside. The merge refuses a missing task,
// naming it, and a task of another configuration.
func TestShardsMergeAsOneRun(t *testing.T) {
	d := simulated(t, "tiny", 1)
	conv, dense := backends(t)
	cache := t.TempDir()
	// -short: the decoder, the heads and the RSA of two models, one seed;
	// make test-long: three models, two seeds, through the hypothesis
	models, seeds, stages := []string{"tiny_a", "tiny_b", "tiny_c"}, 2, []string{"hypothesis", "layers"}
	if testing.Short() {
		models, seeds, stages = models[:2], 1, []string{"rsa", "layers"}
	}
	config := func(out string) Config {
		return Config{Data: d, Out: out, Models: models, Conv: conv, Dense: dense, Seed: 3, Cache: cache, Seeds: seeds,
			Test:    rsa.TestConfig{Permutations: 100, Bootstraps: 50, Level: 0.95, Seed: 2},
			ROITest: rsa.TestConfig{Permutations: 50, Bootstraps: 20, Level: 0.95, Seed: 3},
			Stages:  stages}
	}
	ctx := context.Background()
	split := t.TempDir()
	if _, err := Merge(ctx, config(split)); err == nil || !strings.Contains(err.Error(), "no tasks") {
		t.Errorf("merge without tasks: %v", err)
	}
	// the split follows an order of the models other than the study's
	// (study --jobs balances its tasks so): the results do not change
	order := slices.Clone(models)
	slices.Reverse(order)
	if err := RunShard(ctx, config(split), Shard{Index: 1, Count: 2, Order: order}, []string{"--seed=2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(ctx, config(split)); err == nil || !strings.Contains(err.Error(), "task 0/2 not finished") {
		t.Errorf("merge with task 0/2 missing: %v", err)
	}
	other := config(split)
	other.Seeds = seeds + 1
	if err := RunShard(ctx, config(split), Shard{Index: 0, Count: 2, Order: order}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(ctx, other); err == nil || !strings.Contains(err.Error(), "another configuration") {
		t.Errorf("merge of another configuration: %v", err)
	}
	rec, _ := ReadShards(split)
	if len(rec) != 2 || !slices.Equal(rec[0].Models, Shard{Index: 0, Count: 2, Order: order}.Models(models)) ||
		!slices.Equal(rec[1].Models, Shard{Index: 1, Count: 2, Order: order}.Models(models)) || rec[0].Models[0] != order[0] || rec[1].Command[0] != "--seed=2" {
		t.Errorf("task records %+v", rec)
	}
	merged, err := Merge(ctx, config(split))
	if err != nil {
		t.Fatal(err)
	}
	single, err := Run(ctx, config(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Results{merged, single} {
		r.Timings, r.PeakMemoryMB, r.Compilations = nil, nil, nil
	}
	a, _ := json.Marshal(merged)
	b, _ := json.Marshal(single)
	if string(a) != string(b) {
		t.Errorf("merged and single-process results differ:\n%s\n%s", a, b)
	}
	if _, err := os.Stat(filepath.Join(split, "cnn", Shard{Index: 1, Count: 2, Order: order}.Models(models)[0], keyFile)); err != nil {
		t.Errorf("the merge did not take task 1's heads: %v", err)
	}
	// The layers stage ran in the merge only, from the layer features the
	// tasks' backbone passes cached.
	if _, err := os.Stat(filepath.Join(ShardDir(split, Shard{Index: 0, Count: 2}), "layers")); err == nil {
		t.Error("task 0/2 ran the layers stage, which the merge runs again")
	}
	if merged.LayersSummary == nil || len(merged.Layers) == 0 {
		t.Error("the merge has no layers results")
	}
	// A task runs its models' stages alone (not the encoding model or the
	// RSA, which the merge runs across every model) and the decoder in
	// task 0 only, which the merge adopts.
	plan, err := Plan(stages)
	if err != nil {
		t.Fatal(err)
	}
	swept := slices.Contains(plan, "robustness")
	for i := range 2 {
		task, err := Load(ShardDir(split, Shard{Index: i, Count: 2}))
		if err != nil {
			t.Fatal(err)
		}
		var ran []string
		for stage := range task.Timings {
			ran = append(ran, stage)
		}
		slices.Sort(ran)
		want := []string{"cnn"}
		if i == 0 {
			want = append(want, "fmri")
		}
		if swept {
			want = append(want, "robustness")
		}
		if !slices.Equal(ran, want) {
			t.Errorf("task %d ran %v, want %v", i, ran, want)
		}
		for name, c := range task.CNN {
			if swept && len(c.Primary.BalancedAccuracy) == 0 || c.RSMCorrFMRIDistorted != nil {
				t.Errorf("task %d's %s: accuracy %v along the primary distortion, RSM correlations %v (want accuracies, no comparisons)", i, name, c.Primary.BalancedAccuracy, c.RSMCorrFMRIDistorted)
			}
		}
	}
	if c := merged.CNN[models[0]]; swept && len(c.RSMCorrFMRIDistorted) == 0 {
		t.Errorf("the merge's %s has no RSM correlations under the distortion", models[0])
	}
}

// TestReadShardsNamesTheDifference: tasks of one split run with other
// flags are refused with the flags that differ.
func TestReadShardsNamesTheDifference(t *testing.T) {
	out := t.TempDir()
	for i, rec := range []ShardRecord{
		{Index: 0, Count: 2, Models: []string{"a"}, Config: "aaaa", Command: []string{"--models=a,b", "--epochs=30"}},
		{Index: 1, Count: 2, Models: []string{"b"}, Config: "bbbb", Command: []string{"--models=a,b", "--epochs=5"}},
	} {
		dir := ShardDir(out, Shard{Index: i, Count: 2})
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := writeJSON(filepath.Join(dir, ShardFile), rec); err != nil {
			t.Fatal(err)
		}
	}
	_, err := ReadShards(out)
	if err == nil || !strings.Contains(err.Error(), "task 1/2 ran another configuration") || !strings.Contains(err.Error(), "its flags [--epochs=5] where task 0/2 had [--epochs=30]") {
		t.Errorf("tasks of other flags: %v", err)
	}
}
