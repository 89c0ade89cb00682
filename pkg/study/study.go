package study

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/internal/peakmem"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/explore"
	"github.com/decodingthoughts/decoding-thoughts/pkg/hypothesis"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/layers"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/similarity"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// Config is a study run.
type Config struct {
	Data   *kay.Dataset
	Out    string
	Models []string // CNN architectures; empty: cnn.StudyModels()
	// Cache is the folder for what can be rebuilt: backbone features
	// (Cache/features) and, for the default Backbones, the official weights
	// (Cache/weights). Empty: features are not cached and weights are random.
	Cache string
	// Backbones opens each model's backbone (the weights policy); nil: the
	// official weights when in Cache/weights, else random weights seeded by
	// the architecture and Seed (cnn.Open's "auto"). Each call must open a
	// new model with the same weights: the study closes a backbone when a
	// stage is done with it and calls Backbones again for the next stage
	// that runs it.
	Backbones   func(a cnn.Arch) (*cnn.Model, error)
	Conv, Dense compute.Backend // backends for the backbones and for the small trained networks
	BackendNote string          // what the backends are, for results.json
	Seed        int64
	// Seeds is the number of training seeds of the decoder and of each
	// head (Seed, Seed+1, ...); every quantity is reported as mean and s.d.
	// over them. 0: 3.
	Seeds int
	Test  rsa.TestConfig // permutations and bootstrap of the RSM comparisons
	// ROITest is the per-area table's resampling (always stratified); zero:
	// 1,000 permutations and 200 bootstrap samples (a 7 x 5 table over every
	// seed: p down to 0.001 is enough for its Benjamini-Hochberg control).
	ROITest     rsa.TestConfig
	Distortions []distortion.Distortion // the first is the primary one (accuracy drop, hypothesis)
	// CNN is the stimulus classifiers' recipe; nil: CNNOptions.
	CNN *stimulus.Options
	// Stages limits the run to these stages and the ones they need (see
	// StageNames); empty runs them all. Training stages reopen what is
	// already trained.
	Stages []string
	// LayerFeatures has the cnn stage compute and cache the layers stage's
	// layer features in its backbone pass even when the layers stage does
	// not run: a task of a split study (RunShard), whose merge runs it.
	LayerFeatures bool
	// task marks a task of a split study (RunShard): it runs its Stages
	// alone, without the stages they need in a study (ShardStages).
	task     bool
	Progress io.Writer
}

// Defaults fills unset fields: the study's architectures (cnn.StudyModels), seed 1, 3
// training seeds, 10,000 permutations and 1,000 bootstrap samples (the
// area table 1,000 and 200), Gaussian then box blur.
func (c *Config) Defaults() {
	if c.Seeds == 0 {
		c.Seeds = 3
	}
	if c.ROITest.Permutations == 0 && c.ROITest.Bootstraps == 0 {
		c.ROITest = rsa.TestConfig{Permutations: 1000, Bootstraps: 200, Level: 0.95, Seed: uint64(c.Seed) + 7}
	}
	if len(c.Models) == 0 {
		c.Models = cnn.StudyModels()
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Test.Permutations == 0 && c.Test.Bootstraps == 0 {
		c.Test = rsa.DefaultTest()
		c.Test.Seed = uint64(c.Seed)
	}
	if len(c.Distortions) == 0 {
		c.Distortions = []distortion.Distortion{distortion.Gaussian(), distortion.Box()}
	}
}

// DefaultSeeds is the number of training seeds for d: 5 on a dataset of the
// quick profile's size (at most 600 training images; a decoder and a head
// cost a few seconds each there), 3 on the full size (the real data).
func DefaultSeeds(d *kay.Dataset) int {
	if d.Train.Stimuli.N <= 600 {
		return 5
	}
	return 3
}

// validate refuses, before any work, settings a stage would fail on late.
func (c *Config) validate() error {
	if err := c.Test.Validate(); err != nil {
		return err
	}
	if err := c.ROITest.Validate(); err != nil {
		return fmt.Errorf("area table: %w", err)
	}
	if c.Seeds < 1 {
		return fmt.Errorf("seeds %d: want at least 1", c.Seeds)
	}
	if _, err := cnn.Lookup(strings.Join(c.Models, ",")); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	for _, d := range c.Distortions {
		if err := d.Validate(); err != nil {
			return err
		}
	}
	if c.CNN != nil {
		if c.CNN.Features.Batch < 1 {
			return fmt.Errorf("backbone batch %d: want at least 1", c.CNN.Features.Batch)
		}
		if err := c.CNN.Train.Validate(); err != nil {
			return fmt.Errorf("CNN heads: %w", err)
		}
	}
	return nil
}

// brain is the brain side of the comparisons: the fMRI decoder of every
// training seed and its matrices.
type brain struct {
	runs []*decoder.Result     // per seed; runs[0] is the first seed's
	rsms []similarity.Matrices // per seed
	// voxels is the voxels' own matrices: the test images' patterns over
	// every voxel the decoder reads (V1 ... LatOcc), the brain side that
	// no training shaped.
	voxels similarity.Matrices
	// areas is each visual area's own matrices (V1 ... LatOcc, in the
	// data set's order): the test patterns of its voxels that are reliable
	// on the training images.
	areas []similarity.Matrices
}

// first is the first seed's decoder.
func (b *brain) first() *decoder.Result { return b.runs[0] }

// record is one CNN as the study carries it through its stages: its
// architecture, its backbone while a stage runs it, its heads and matrices
// per training seed, and its results.
type record struct {
	arch     cnn.Arch
	net      *cnn.Model       // open backbone; nil while closed (see open and done)
	compiles cnn.Compilations // of the instances already closed
	heads    []*stimulus.Result
	rsms     []similarity.Matrices
	res      CNNResult
}

func (m *record) name() string { return m.arch.Name }

// state carries what the stages produce to the later ones: one record per
// model, the brain side, and the sections of the results that belong to
// the whole run.
type state struct {
	cfg    Config
	plan   []string         // the stages this run executes
	cnnOpt stimulus.Options // the recipe the cnn stage used; robustness computes features the same way
	fmri   brain
	models []*record // in cfg.Models' order
	rois   []similarity.Matrices
	res    *Results
}

// results is the run's results: the stages' sections, with each model's
// own results from its record.
func (st *state) results() *Results {
	for _, m := range st.models {
		st.res.CNN[m.name()] = m.res
	}
	return st.res
}

// tested lists the models that are not degenerate, in the study's order.
func (st *state) tested() []*record {
	var out []*record
	for _, m := range st.models {
		if !m.res.Degenerate {
			out = append(out, m)
		}
	}
	return out
}

// seedDir is where seed k's run of a trained stage lives: the stage's own
// folder for the first seed, seeds/<seed> inside it for the others.
func seedDir(dir string, k int, seed int64) string {
	if k == 0 {
		return dir
	}
	return filepath.Join(dir, "seeds", fmt.Sprint(seed))
}

// stage is one step of the study: what it needs run before it, its work,
// and what the report shows of it. A new stage is a file with its
// functions and one entry in stages.
type stage struct {
	name  string
	needs []string
	run   func(*state, context.Context) error
	// figures are the figures the report draws from the stage's results
	// into figures/ (nil: none).
	figures func(*state) []plots.Spec
	// sections are the stage's parts of the report, in order (nil: none);
	// the report numbers them in running order.
	sections func(*state) []section
	// showsAll marks the report: it needs every stage that shows something.
	showsAll bool
}

// stages is the study's graph, in running order (every stage after those
// it needs). The report needs every stage that shows something in it. It
// is filled by init because the report's work reads it.
var stages []stage

func init() {
	stages = []stage{
		{name: "explore", run: (*state).explore, sections: exploreSections},
		{name: "encoding", run: (*state).encoding, sections: encodingSections},
		{name: "brain_robustness", needs: []string{"encoding"}, run: (*state).brainRobustness, figures: brainRobustnessFigures, sections: brainRobustnessSections},
		{name: "fmri", run: (*state).trainFMRI, sections: fmriSections},
		{name: "cnn", run: (*state).trainCNNs, sections: cnnSections},
		{name: "embeddings", needs: []string{"fmri", "cnn"}, run: (*state).embeddings},
		{name: "rsa", needs: []string{"encoding", "fmri", "cnn"}, run: (*state).rsa, figures: rsaFigures, sections: rsaSections},
		{name: "roi_rsa", needs: []string{"rsa"}, run: (*state).roiRSA, figures: roiFigures, sections: roiSections},
		{name: "robustness", needs: []string{"rsa"}, run: (*state).robustness, figures: robustnessFigures, sections: robustnessSections},
		// after robustness, whose pass caches the distorted test images'
		// layers for the layers stage's in-silico curves
		{name: "layers", needs: []string{"cnn"}, run: (*state).layers, sections: layersSections},
		{name: "hypothesis", needs: []string{"rsa", "robustness"}, run: (*state).hypothesis, figures: hypothesisFigures, sections: hypothesisSections},
		{name: "report", run: (*state).report, showsAll: true},
	}
}

// planned are the stages of the run's plan, in running order.
func (st *state) planned() []stage {
	var out []stage
	for _, s := range stages {
		if slices.Contains(st.plan, s.name) {
			out = append(out, s)
		}
	}
	return out
}

// deps are the stages s needs: its own list, and for the report every
// stage that shows something in it.
func (s stage) deps() []string {
	if !s.showsAll {
		return s.needs
	}
	var out []string
	for _, o := range stages {
		if o.figures != nil || o.sections != nil {
			out = append(out, o.name)
		}
	}
	return out
}

// StageNames lists the study's stages in running order.
func StageNames() []string {
	var names []string
	for _, s := range stages {
		names = append(names, s.name)
	}
	return names
}

// Plan returns the stages to run for the requested ones (empty: all): each
// with every stage it needs, directly or not, in running order. An unknown
// name is an error.
func Plan(requested []string) ([]string, error) {
	if len(requested) == 0 {
		return StageNames(), nil
	}
	byName := map[string]stage{}
	for _, s := range stages {
		byName[s.name] = s
	}
	want := map[string]bool{}
	var add func(name string) error
	add = func(name string) error {
		s, ok := byName[name]
		if !ok {
			return fmt.Errorf("unknown stage %q (want some of %s)", name, strings.Join(StageNames(), ", "))
		}
		if want[name] {
			return nil
		}
		want[name] = true
		for _, n := range s.deps() {
			if err := add(n); err != nil {
				return err
			}
		}
		return nil
	}
	for _, name := range requested {
		if err := add(name); err != nil {
			return nil, err
		}
	}
	var plan []string
	for _, s := range stages {
		if want[s.name] {
			plan = append(plan, s.name)
		}
	}
	return plan, nil
}

// Run executes the planned stages into cfg.Out and returns the results (also
// in results.json).
func Run(ctx context.Context, cfg Config) (*Results, error) {
	cfg.Defaults()
	plan, err := Plan(cfg.Stages)
	if err != nil {
		return nil, err
	}
	if cfg.task {
		// a task runs its stages alone (ShardStages), in running order
		plan = slices.DeleteFunc(plan, func(s string) bool { return !slices.Contains(cfg.Stages, s) })
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, err
	}
	archs, err := cnn.Lookup(strings.Join(cfg.Models, ","))
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	st := &state{cfg: cfg, res: &Results{CNN: map[string]CNNResult{}, Timings: map[string]float64{},
		Weights: map[string]string{}, Seed: cfg.Seed, Models: cfg.Models, Seeds: cfg.Seeds}}
	for _, a := range archs {
		st.models = append(st.models, &record{arch: a})
	}
	if err := st.describe(); err != nil {
		return nil, err
	}
	st.plan = plan
	for i, name := range plan {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s := stages[slices.IndexFunc(stages, func(s stage) bool { return s.name == name })]
		st.logf("stage %d/%d: %s", i+1, len(plan), name)
		t0 := time.Now()
		peakmem.Reset()
		if err := s.run(st, ctx); err != nil {
			return nil, fmt.Errorf("stage %s: %w", name, err)
		}
		st.res.Timings[name] = time.Since(t0).Seconds()
		// What the stage freed goes back to the system: the Go heap's
		// garbage (collected now, not when the next stage's allocations
		// trigger it) and the released graphs' native memory. Two
		// collections: the pure-Go backend keeps freed buffers in sync.Pools,
		// which the first moves to their victim caches and the second frees
		// (after fmri's three decoders: 1.7 GB resident with one, measured).
		runtime.GC()
		debug.FreeOSMemory()
		peakmem.Trim()
		if peak, ok := peakmem.Peak(); ok {
			if st.res.PeakMemoryMB == nil {
				st.res.PeakMemoryMB = map[string]float64{}
			}
			st.res.PeakMemoryMB[name] = math.Round(float64(peak) / (1 << 20))
			st.logf("stage %s: done in %.1f s, peak memory %.2f GB", name, st.res.Timings[name], float64(peak)/(1<<30))
		} else {
			st.logf("stage %s: done in %.1f s", name, st.res.Timings[name])
		}
	}
	if slices.Contains(plan, "cnn") {
		st.res.Compilations = map[string]cnn.Compilations{}
		var parts []string
		for _, m := range st.models {
			c := m.compiles
			if m.net != nil {
				c = c.Plus(m.net.Compilations())
			}
			st.res.Compilations[m.name()] = c
			parts = append(parts, fmt.Sprintf("%s %d (%.1f s)", m.name(), c.Count, c.Seconds))
		}
		st.logf("graph compilations per backbone: %s", strings.Join(parts, ", "))
	}
	return st.results(), writeJSON(st.dir(ResultsFile), st.results())
}

func (st *state) logf(format string, args ...any) {
	if st.cfg.Progress != nil {
		fmt.Fprintf(st.cfg.Progress, format+"\n", args...)
	}
}

func (st *state) dir(parts ...string) string {
	return filepath.Join(append([]string{st.cfg.Out}, parts...)...)
}

// encoding fits Kay et al.'s Gabor encoding model to every voxel and
// identifies the test images (pkg/encoding), into encoding/.
func (st *state) encoding(context.Context) error {
	r, err := encoding.Run(st.cfg.Data, encoding.DefaultOptions(), st.cfg.Progress)
	if err != nil {
		return err
	}
	st.res.Encoding = r
	return r.Write(st.dir("encoding"))
}

// layersPool is the layers stage's pooling of intermediate layers.
const layersPool = cnn.PoolGrid4

// layers compares every layer of each CNN (its default layers, pooled on a
// 4 x 4 grid) and the reference models (the Gabor pyramid, raw pixels) with
// every visual area (pkg/layers), into layers/.
func (st *state) layers(ctx context.Context) error {
	byArch := map[string]*record{}
	var archs []cnn.Arch
	for _, m := range st.models {
		byArch[m.name()] = m
		archs = append(archs, m.arch)
	}
	open := func(a cnn.Arch) (*cnn.Model, func(), error) {
		m := byArch[a.Name]
		net, err := st.open(ctx, m)
		if err != nil {
			return nil, nil, err
		}
		return net, func() { st.done(m) }, nil
	}
	fopt := st.cnnOpt.Features
	fopt.Progress = st.cfg.Progress
	opt := layers.Options{Bootstraps: min(100, max(st.cfg.Test.Bootstraps, 20)), Permutations: st.cfg.Test.Permutations, Seed: uint64(st.cfg.Seed)}
	if st.res.Encoding != nil { // its Gabor features, not computed twice
		opt.Gabor = st.res.Encoding.Gabor
	}
	if opt.Permutations == 0 {
		opt.Permutations = -1 // none asked for
	}
	// the best layers' in-silico curves under the primary distortion, from
	// the distorted test images' layers the robustness stage cached
	if len(st.cfg.Distortions) > 0 {
		sel, err := st.cfg.Data.Select(kay.DefaultFilter())
		if err != nil {
			return err
		}
		is := &layers.InSilico{Distortion: st.cfg.Distortions[0]}
		if is.Options, err = st.inSilicoOptions(sel); err != nil {
			return err
		}
		opt.InSilico = is
	}
	tab, sum, err := layers.Run(ctx, st.cfg.Data, archs, open, layersPool, fopt, opt, st.cfg.Progress)
	if err != nil {
		return err
	}
	st.res.Layers, st.res.LayersSummary = tab, sum
	return layers.Write(st.dir("layers"), tab, sum)
}

func (st *state) explore(context.Context) error {
	if _, err := explore.Write(st.cfg.Data, st.dir("explore")); err != nil {
		return err
	}
	return nil
}

// describe fills the dataset and software sections of the results.
func (st *state) describe() error {
	d := st.cfg.Data
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		return err
	}
	name := "Kay et al. (2008), NMA packaging"
	if synth.IsSynthetic(d.Dir) {
		name = "synthetic Kay-format data (embedded simulator)"
	}
	st.res.Dataset = DatasetInfo{Name: name, Dir: d.Dir, Synthetic: synth.IsSynthetic(d.Dir), NTrain: len(sel.Train.Y),
		NTest: len(sel.Test.Y), Classes: sel.Classes, Voxels: len(sel.Voxels)}
	st.res.Versions = versions(st.cfg.BackendNote)
	return nil
}

func (st *state) trainFMRI(ctx context.Context) error {
	st.fmri.runs = nil
	var acc []float64
	var preds [][]int
	for k := range st.cfg.Seeds {
		opt := decoder.DefaultOptions()
		opt.Seed, opt.Progress = st.cfg.Seed+int64(k), st.cfg.Progress
		r, err := FMRI(ctx, st.cfg.Dense, st.cfg.Data, opt, seedDir(st.dir(decoder.Name), k, opt.Seed))
		if err != nil {
			return err
		}
		st.fmri.runs = append(st.fmri.runs, r)
		acc = append(acc, r.Report.Accuracy)
		preds = append(preds, r.Test.Predictions())
		st.logf("fMRI decoder, seed %d: test accuracy %.3f, macro F1 %.3f", opt.Seed, r.Report.Accuracy, r.Report.Macro.F1)
	}
	first := st.fmri.first()
	st.res.FMRI = FMRIResult{TestAccuracy: stats.Mean(acc), TestAccuracySD: jsonnum.Float(stats.SD(acc)), MacroF1: first.Report.Macro.F1,
		BalancedAccuracy: hypothesis.BalancedAccuracy(first.Sel.Test.Y, preds, st.cfg.Test.Bootstraps, st.cfg.Test.Level, st.cfg.Test.Seed)}
	chance := 1 / float64(len(first.Meta.Classes))
	if ba := st.res.FMRI.BalancedAccuracy; !(float64(ba.Low) > chance) {
		st.res.FMRI.AtChance = true
		st.res.FMRI.Reason = fmt.Sprintf("the decoder's balanced test accuracy %.3f [%.3f, %.3f] includes chance (%.3f): no comparison with it is tested",
			ba.Value, ba.Low, ba.High, chance)
		st.logf("fMRI decoder: %s", st.res.FMRI.Reason)
	}
	return nil
}

// CNNOptions is the stimulus classifiers' recipe the study uses: the
// original's, with the views adapted to the dataset (stimulus.ForDataset),
// features cached in cache/features (not cached when cache is empty), and
// seed for the head, sampling and augmentation.
func CNNOptions(d *kay.Dataset, seed int64, cache string, progress io.Writer) stimulus.Options {
	opt := stimulus.DefaultOptions().ForDataset(d)
	opt.Seed, opt.Progress = seed, progress
	opt.Features.Seed = seed
	if cache != "" {
		opt.Features.CacheDir = filepath.Join(cache, "features")
	}
	return opt
}

// backbone opens a model's backbone by cfg.Backbones, or by default.
func (st *state) backbone(ctx context.Context, a cnn.Arch, log bool) (*cnn.Model, error) {
	var m *cnn.Model
	var err error
	if st.cfg.Backbones != nil {
		m, err = st.cfg.Backbones(a)
	} else {
		weightsDir := ""
		if st.cfg.Cache != "" {
			weightsDir = filepath.Join(st.cfg.Cache, "weights")
		}
		m, err = cnn.Open(ctx, st.cfg.Conv, a, "auto", st.cfg.Seed, weightsDir, st.cfg.Progress)
	}
	if err == nil && log {
		st.logf("%s", m.About())
	}
	return m, err
}

// open returns m's backbone for a stage that runs it: the open one, or,
// once done closed it, the same backbone opened again (its weights as
// before; its adapted BatchNorm statistics from the features cache, by the
// stage's stimulus.AdaptBackbone).
func (st *state) open(ctx context.Context, m *record) (*cnn.Model, error) {
	if m.net != nil {
		return m.net, nil
	}
	net, err := st.backbone(ctx, m.arch, false)
	if err != nil {
		return nil, err
	}
	m.net = net
	return net, nil
}

// done is called when a stage no longer needs m's backbone. It is closed,
// weights included (five backbones held open from the cnn stage to the
// robustness stage kept about 4 GB of native memory at the real data's
// size), when the adapted BatchNorm statistics it would need again are
// cached; otherwise only its compiled graphs are released.
func (st *state) done(m *record) {
	if m.net == nil {
		return
	}
	if strings.HasPrefix(m.net.BatchNorm, cnn.BNAdapt) && st.cnnOpt.Features.CacheDir == "" {
		m.net.Release()
		return
	}
	m.compiles = m.compiles.Plus(m.net.Compilations())
	m.net.Close()
	m.net = nil
}

// keepsLayerFeatures says whether the backbone passes keep the layers
// stage's layer features: it runs, or a merge will (Config.LayerFeatures).
func (st *state) keepsLayerFeatures() bool {
	return slices.Contains(st.plan, "layers") || st.cfg.LayerFeatures
}

func (st *state) trainCNNs(ctx context.Context) error {
	opt := CNNOptions(st.cfg.Data, st.cfg.Seed, st.cfg.Cache, st.cfg.Progress)
	if st.cfg.CNN != nil {
		opt = *st.cfg.CNN
	}
	st.cnnOpt = opt
	if st.keepsLayerFeatures() {
		// The layers stage's layers come from the features' own pass.
		opt.Features.LayersPool = layersPool
	}
	for _, m := range st.models {
		name := m.name()
		net, err := st.backbone(ctx, m.arch, true)
		if err != nil {
			return err
		}
		m.net = net
		// The heads' seeds differ; the backbone features (and their
		// augmentation views) are the same, computed once and cached.
		m.heads = nil
		var acc []float64
		for k := range st.cfg.Seeds {
			o := opt
			o.Seed = opt.Seed + int64(k)
			r, err := CNN(ctx, st.cfg.Dense, net, st.cfg.Data, o, seedDir(st.dir("cnn", name), k, o.Seed))
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			m.heads = append(m.heads, r)
			acc = append(acc, r.Report.Accuracy)
		}
		st.done(m)
		st.res.Weights[name] = net.Weights
		m.res = CNNResult{TestAccuracy: stats.Mean(acc), TestAccuracySD: jsonnum.Float(stats.SD(acc)), MacroF1: m.heads[0].Report.Macro.F1,
			Weights: net.Weights, Pretrained: net.Pretrained(), BatchNorm: net.BatchNorm, Architecture: m.arch.TorchName()}
		st.logf("%s (%s): test accuracy %.3f (s.d. %.3f over %d seeds)", name, net.Weights, stats.Mean(acc), stats.SD(acc), len(acc))
	}
	return nil
}

func versions(backendNote string) map[string]string {
	v := map[string]string{"go": runtime.Version(), "backend": backendNote}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			switch dep.Path {
			case "github.com/gomlx/gomlx":
				v["gomlx"] = dep.Version
			case "github.com/gomlx/compute-onnx":
				v["compute-onnx"] = dep.Version
			}
		}
	}
	return v
}

// writeJSON writes v as indented JSON, atomically.
func writeJSON(path string, v any) error {
	js, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, append(js, '\n'))
}
