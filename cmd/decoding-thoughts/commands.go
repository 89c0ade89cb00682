package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/gomlx/compute"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/internal/outlock"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/explore"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// common are the flags every command takes, and the backend they chose.
type common struct {
	backend  string
	workload backend.Workload
	compute  bool // start a backend after parsing
	b        compute.Backend
}

// flagSets records each command's flags as newFlags makes them, for the
// test that checks every numeric flag has a range; flagOutput is where
// their usage and parse errors go.
var (
	flagSets             = map[string]*flag.FlagSet{}
	flagOutput io.Writer = os.Stderr
)

func newFlags(name string, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(flagOutput)
	flagSets[name] = fs
	fs.StringVar(&c.backend, "backend", "", "compute backend: auto, onnx, go, xla, xla:cuda (default $DT_BACKEND, else auto)")
	return fs
}

// parse parses the flags, then starts the backend and prints the line every
// command starts with.
func parse(fs *flag.FlagSet, args []string, c *common) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !c.compute { // still refuse a backend that does not exist
		_, err := env.Resolve(c.backend, c.workload)
		return err
	}
	b, choice, err := env.New(c.backend, c.workload)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, backend.Describe(b, choice))
	c.b = b
	return nil
}

// parseFlags reads the command line into fs and checks every numeric flag
// against its range: the part of parse that needs no backend.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return errors.New(oneLine(didYouMean(err.Error(), fs)))
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return checkBounds(fs)
}

// oneLine escapes the control characters of a message (the flag package
// prints a flag name as it was typed, newlines included) so that it stays
// one line.
func oneLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func runBackend(_ context.Context, args []string) error {
	c := common{compute: true}
	fs := newFlags("backend", &c)
	if err := parse(fs, args, &c); err != nil {
		return err
	}
	fmt.Printf("compiled-in backends: %v\nONNX Runtime library: ", backend.Available())
	if lib, ok := env.ORT(); ok {
		fmt.Println(lib)
	} else {
		fmt.Printf("not found (expected at %s; run `make setup`)\n", lib)
	}
	return nil
}

func runSynth(_ context.Context, args []string) error {
	var c common
	fs := newFlags("synth", &c)
	profile := fs.String("profile", "quick", "tiny (240/40 images, 527 voxels: a smoke test), quick (480/60 images, 1054 voxels) or full (1750/120 images, 8428 voxels)")
	seed := fs.Uint64("seed", 1, "random seed; the same profile and seed give byte-identical files")
	null := fs.Bool("null", false, "null dataset: no category component, labels independent of the data")
	categoryOnly := fs.Bool("category-only", false, "category-only brain: no stimulus-driven component, every voxel driven by the labels alone (the inference calibration's shared-labels null)")
	nullWithinClass := fs.Bool("null-within-class", false, "within-class null brain: each image's responses (train and test, every voxel) are another image's of its level-0 class, so classes keep their responses and labels stay decodable but nothing image-specific is left (the within-class tests' null)")
	repeats := fs.Bool("repeats", false, "also write every trial ("+kay.RepeatsFile+": 2 per training image, 13 per test image) for noise ceilings; the quick profile always does")
	out := fs.String("out", "", "output folder (required)")
	if err := parse(fs, args, &c); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	cfg, err := synth.Profile(*profile, *seed)
	if err != nil {
		return err
	}
	if err := lockOut(*out); err != nil {
		return err
	}
	cfg.Null, cfg.CategoryOnly, cfg.NullWithinClass = *null, *categoryOnly, *nullWithinClass
	cfg.SaveRepeats = cfg.SaveRepeats || *repeats
	if err := cfg.Validate(); err != nil {
		return err
	}
	d, _, err := synth.Write(*out, cfg, os.Stderr)
	if err != nil {
		return err
	}
	extra := synth.TruthFile
	if cfg.SaveRepeats {
		extra += " and " + kay.RepeatsFile
	}
	fmt.Printf("wrote %s: %d train / %d test images of %dx%d, %d voxels, plus %s\n", *out,
		d.Train.Stimuli.N, d.Test.Stimuli.N, d.Train.Stimuli.H, d.Train.Stimuli.W, d.Voxels(), extra)
	return nil
}

func runDownload(ctx context.Context, args []string) error {
	var c common
	fs := newFlags("download", &c)
	out := fs.String("out", cachedir.Path("kay"), "folder for the three NMA files")
	if err := parse(fs, args, &c); err != nil {
		return err
	}
	d, err := kay.Download(ctx, *out, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Printf("Kay dataset ready in %s: %d train / %d test images, %d voxels\n", *out, d.Train.Stimuli.N, d.Test.Stimuli.N, d.Voxels())
	return nil
}

// loadData resolves and loads the dataset, reporting which one it is.
func loadData(dir string) (*kay.Dataset, error) {
	dir, err := synth.ResolveDataDir(cmp.Or(dir, os.Getenv(synth.DataDirEnv)), cachedir.Root(), os.Stderr)
	if err != nil {
		return nil, err
	}
	d, err := kay.Load(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no Kay dataset there; fetch the real one with `decoding-thoughts download --out DIR` and pass --data-dir DIR, or leave --data-dir out for the embedded simulated dataset", err)
	}
	if err != nil {
		return nil, err
	}
	kind := "real or user-supplied Kay data"
	if synth.IsSynthetic(dir) {
		kind = "synthetic Kay-format data (ground truth in " + synth.TruthFile + ")"
	}
	fmt.Fprintf(os.Stderr, "dataset: %s — %s\n", dir, kind)
	return d, nil
}

// dataCommand parses the flags of a command that reads a dataset and writes
// into --out (register adds the command's own flags), starts a backend for
// the workload if compute is set, and loads the dataset.
//
// noData, when given and true after parsing, skips loading a dataset (the
// command reads its pictures from elsewhere): the dataset returned is nil.
func dataCommand(name string, args []string, register func(fs *flag.FlagSet) (validate func() error), compute bool, w backend.Workload, noData ...func() bool) (*kay.Dataset, string, compute.Backend, error) {
	c := common{compute: compute, workload: w}
	fs := newFlags(name, &c)
	dataDir := fs.String("data-dir", "", "dataset folder (default $DT_DATA_DIR, else the embedded default)")
	out := fs.String("out", "", "output folder (required)")
	var validate func() error
	if register != nil {
		validate = register(fs)
	}
	if err := parse(fs, args, &c); err != nil {
		return nil, "", nil, err
	}
	if *out == "" {
		return nil, "", nil, errors.New("--out is required")
	}
	if validate != nil { // before the output folder is made or any work done
		if err := validate(); err != nil {
			return nil, "", nil, err
		}
	}
	if err := lockOut(lockFolder(fs, *out)); err != nil {
		return nil, "", nil, err
	}
	if len(noData) > 0 && noData[0]() {
		if *dataDir != "" {
			return nil, "", nil, errors.New("--data-dir: this command reads its pictures from elsewhere here; give one")
		}
		return nil, *out, c.b, nil
	}
	// A command with --synthetic loads only the profile asked for (the
	// default dataset is not generated on the way).
	if s := fs.Lookup("synthetic"); s != nil && s.Value.String() != "" {
		if *dataDir != "" {
			return nil, "", nil, errors.New("--data-dir and --synthetic: give one")
		}
		seed := int64(1)
		if f := fs.Lookup("seed"); f != nil {
			var err error
			if seed, err = strconv.ParseInt(f.Value.String(), 10, 64); err != nil {
				return nil, "", nil, err
			}
		}
		d, err := syntheticData(s.Value.String(), seed)
		return d, *out, c.b, err
	}
	d, err := loadData(*dataDir)
	return d, *out, c.b, err
}

func runExplore(_ context.Context, args []string) error {
	d, out, _, err := dataCommand("explore", args, nil, false, 0)
	if err != nil {
		return err
	}
	s, err := explore.Write(d, out)
	if err != nil {
		return err
	}
	fmt.Printf("explore: %d classes %v (train %v, test %v); figures and summary.json in %s\n",
		len(s.Classes), s.Classes, s.TrainCount, s.TestCount, out)
	return nil
}

func runStudy(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "merge" {
		return runMerge(ctx, args[1:])
	}
	return studyCommand(ctx, "study", args, nil)
}

// runMerge is `study merge --out DIR`: the study the tasks of `study
// --shard I/N --out DIR` ran, from their outputs (their flags, recorded in
// each task's shard.json, rebuild the configuration; --backend, when given,
// replaces theirs).
func runMerge(ctx context.Context, args []string) error {
	var c common
	fs := newFlags("study merge", &c)
	out := fs.String("out", "", "the study's output folder, holding the tasks' shards/ (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	recs, err := study.ReadShards(*out)
	if err != nil {
		return err
	}
	command := slices.Clone(recs[0].Command)
	if flagSet(fs, "backend") {
		command = append(command, "--backend="+c.backend)
	}
	return runStudyAs(ctx, "study", append(command, "--out="+*out), nil, "merge")
}

// runRSA and runRobustness run parts of the study over the outputs of
// train-fmri (--out DIR/fmri) and train-cnn (--out DIR/cnn), reopening them.
func runRSA(ctx context.Context, args []string) error {
	return studyCommand(ctx, "rsa", args, []string{"embeddings", "rsa", "roi_rsa"})
}

func runRobustness(ctx context.Context, args []string) error {
	return studyCommand(ctx, "robustness", args, []string{"embeddings", "robustness", "hypothesis"})
}

func studyCommand(ctx context.Context, name string, args []string, stages []string) error {
	return runStudyAs(ctx, name, args, stages, "")
}

// runStudyAs runs the study command as one process (mode ""), as task
// --shard I/N of a split one, or as the merge of the tasks ("merge").
func runStudyAs(ctx context.Context, name string, args []string, stages []string, mode string) error {
	var f cnnFlags
	var synthetic, shardSpec, shardOrder string
	var shard study.Shard
	var perms, boots, seeds, jobs int
	var dists []distortion.Distortion
	var command, taskArgs []string
	d, out, b, err := dataCommand(name, args, func(fs *flag.FlagSet) func() error {
		if name == "study" {
			fs.StringVar(&shardSpec, "shard", "", "run task I of N (I/N, from 0) of a study split over its models, into --out's shards/; then: study merge --out DIR")
			fs.StringVar(&shardOrder, "shard-order", "", "with --shard: the study's models in the order whose I/N split the task follows (study --jobs passes it, to give its tasks equal work); the results do not depend on it")
			fs.IntVar(&jobs, "jobs", 1, "run the models as N tasks side by side, each its own process (--shard I/N), then merge them: faster where one backbone pass leaves cores idle (ONNX Runtime on a CPU uses about one core)")
		}
		checkCNN := f.register(fs)
		fs.IntVar(&seeds, "seeds", 0, "training seeds of the decoder and of each head (0: 5 on the quick profile's size, else 3)")
		fs.StringVar(&synthetic, "synthetic", "", "run on a generated dataset instead: tiny, quick or full (seed --seed), cached")
		fs.IntVar(&perms, "permutations", 10000, "permutations of the RSM comparisons' p-values")
		fs.IntVar(&boots, "bootstraps", 1000, "bootstrap samples of the RSM comparisons' intervals")
		distSpec := fs.String("distortions", "gaussian,box", "distortion sweeps, the first primary: kinds ("+strings.Join(distortion.Names(), ", ")+"), each with its default levels or its own (gaussian=0/1/2/4)")
		return func() error {
			if err := checkCNN(); err != nil {
				return err
			}
			var err error
			if dists, err = distortion.Parse(*distSpec); err != nil {
				return fmt.Errorf("--distortions: %w", err)
			}
			if jobs > 1 && (shardSpec != "" || mode == "merge") {
				return errors.New("--jobs: a task or a merge runs in one process; give --jobs to the study itself")
			}
			if shardSpec != "" {
				if mode == "merge" {
					return errors.New("--shard: a merge runs no task")
				}
				if shard, err = study.ParseShard(shardSpec); err != nil {
					return fmt.Errorf("--shard: %w", err)
				}
				mode = "shard"
			}
			shardOrderSet := false
			fs.Visit(func(fl *flag.Flag) { shardOrderSet = shardOrderSet || fl.Name == "shard-order" })
			if shardOrderSet {
				if shardSpec == "" {
					return errors.New("--shard-order: only with --shard")
				}
				archs, err := f.archs()
				if err != nil {
					return err
				}
				names := cnnNames(archs)
				order := strings.Split(shardOrder, ",")
				if !slices.Equal(slices.Sorted(slices.Values(order)), slices.Sorted(slices.Values(names))) {
					return fmt.Errorf("--shard-order %q: want the study's models (%s), each once, in any order", shardOrder, strings.Join(names, ","))
				}
				shard.Order = order
			}
			// the flags as given, for the merge to rebuild the configuration
			fs.Visit(func(fl *flag.Flag) {
				// the merge may run on another kind of node: its backend is its own
				if fl.Name != "shard" && fl.Name != "shard-order" && fl.Name != "out" && fl.Name != "backend" && fl.Name != "jobs" {
					command = append(command, "--"+fl.Name+"="+fl.Value.String())
				}
				// and for the tasks of --jobs, with the backend asked for
				if fl.Name != "shard" && fl.Name != "shard-order" && fl.Name != "out" && fl.Name != "jobs" {
					taskArgs = append(taskArgs, "--"+fl.Name+"="+fl.Value.String())
				}
			})
			return rsa.TestConfig{Permutations: perms, Bootstraps: boots, Level: 0.95}.Validate()
		}
	}, true, backend.Convolutions)
	if err != nil {
		return err
	}
	if stages, err = keepStages(name, out, stages); err != nil {
		return err
	}
	archs, err := f.archs()
	if err != nil {
		return err
	}
	names := cnnNames(archs)
	cfg, _, err := study.Setup(ctx, study.Settings{Data: d, Out: out, Models: names, Env: env, Conv: b, Weights: f.weights,
		Cache: cachedir.Root(), Seed: f.opt.Seed, Seeds: seeds, Distortions: dists, Stages: stages,
		Test:     rsa.TestConfig{Permutations: perms, Bootstraps: boots, Level: 0.95, Seed: uint64(f.opt.Seed)},
		CNN:      f.adjust,
		Progress: os.Stderr, Log: os.Stderr})
	if err != nil {
		return err
	}
	var r *study.Results
	switch mode {
	case "shard":
		if err := study.RunShard(ctx, cfg, shard, command); err != nil {
			return err
		}
		if os.Getenv(jobsTaskEnv) != "" { // study --jobs merges them itself
			fmt.Printf("study: task %s (%s) done in %s\n", shard, strings.Join(shard.Models(cfg.Models), ", "), study.ShardDir(out, shard))
			return nil
		}
		fmt.Printf("study: task %s (%s) done in %s; when every task is: decoding-thoughts study merge --out %s\n",
			shard, strings.Join(shard.Models(cfg.Models), ", "), study.ShardDir(out, shard), out)
		return nil
	case "merge":
		r, err = study.Merge(ctx, cfg)
	case "":
		if n := min(jobs, len(cfg.Models)); n > 1 {
			if err := runTasks(ctx, taskArgs, out, cfg.Models, n); err != nil {
				return err
			}
			r, err = study.Merge(ctx, cfg)
			break
		}
		fallthrough
	default:
		r, err = study.Run(ctx, cfg)
	}
	if err != nil {
		return err
	}
	fmt.Print(r.Summary())
	if stages == nil {
		fmt.Printf("study: %s and %s in %s\n", study.ResultsFile, study.ReportFile, out)
	} else {
		fmt.Printf("%s: %s (the stages run) in %s\n", name, study.ResultsFile, out)
	}
	return nil
}

// keepStages protects a folder's results.json from a stage command (rsa,
// robustness), which writes only the stages it runs. A folder a whole study
// wrote (its report included) is refused, naming the study as its owner; a
// folder another stage command wrote keeps that command's stages: they run
// again beside this command's (finished training is reopened), so
// results.json holds both and nothing in it is stale.
func keepStages(name, out string, stages []string) ([]string, error) {
	if stages == nil {
		return nil, nil
	}
	prior, err := study.StagesIn(out)
	if err != nil {
		return nil, fmt.Errorf("--out %s: %w", out, err)
	}
	if slices.Contains(prior, "report") {
		return nil, fmt.Errorf("--out %s holds a whole study's results (its %s and %s, written by the study command): %s would replace them with its own stages; run the study command with --out %s to bring them up to date (finished stages are reopened), or give %s another --out",
			out, study.ResultsFile, study.ReportFile, name, out, name)
	}
	plan, err := study.Plan(stages)
	if err != nil {
		return nil, err
	}
	var extra []string
	for _, s := range prior {
		if !slices.Contains(plan, s) {
			extra = append(extra, s)
		}
	}
	if len(extra) > 0 {
		fmt.Fprintf(os.Stderr, "%s: %s in %s also holds %s: running them again so that it keeps them\n", name, study.ResultsFile, out, strings.Join(extra, ", "))
	}
	return append(slices.Clone(stages), extra...), nil
}

// syntheticData generates (once, cached) a simulator profile.
func syntheticData(profile string, seed int64) (*kay.Dataset, error) {
	dir, err := synth.Ensure(cachedir.Root(), profile, uint64(seed), os.Stderr)
	if err != nil {
		return nil, err
	}
	return loadData(dir)
}

// locks keeps the output folders' locks (and their open files, which the
// garbage collector would otherwise close) for the life of the process; the
// kernel releases them when it exits.
var locks = map[string]func(){}

// lockFolder is the folder a command holds: --out, or a study task's own
// folder in it (the tasks of one study run side by side).
func lockFolder(fs *flag.FlagSet, out string) string {
	if f := fs.Lookup("shard"); f != nil && f.Value.String() != "" {
		if s, err := study.ParseShard(f.Value.String()); err == nil {
			return study.ShardDir(out, s)
		}
	}
	return out
}

// lockOut takes the output folder for this process (creating it, which
// also shows it is writable) before any work: a second process on the same
// folder is refused, naming the first. A folder this process holds already
// is its own (commands run one after another in tests).
func lockOut(dir string) error {
	key, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if locks[key] != nil {
		return nil
	}
	release, err := outlock.Acquire(dir, strings.Join(os.Args, " "))
	if err == nil {
		locks[key] = release
	}
	return err
}
