package study

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/gomlx/compute"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
)

// Settings are what a program asks of a study run before anything is
// started: the command line fills them from its flags and the environment,
// the notebook helpers and the benchmarks from their own defaults. Setup
// turns them into a ready Config, the same way for all three.
type Settings struct {
	Data   *kay.Dataset
	Out    string
	Models []string // CNN architectures; empty: cnn.StudyModels()
	// Env is what the environment says about backends (backend.FromEnv);
	// Backend is the --backend flag ("": Env's choice, else auto).
	Env     backend.Env
	Backend string
	// Conv, when set, is a backbone backend the program started already
	// (the command line's flags start one); Setup then starts only the
	// dense one, on the same GPU when Conv runs on one.
	Conv compute.Backend
	// Weights is the backbones' weights policy, as cnn.Open takes it:
	// "auto" (or ""): the official weights when in Cache/weights, else
	// random weights seeded by the architecture and Seed.
	Weights string
	// Cache is the folder for what can be rebuilt (backbone features, the
	// official weights); "": nothing is cached and weights are random.
	Cache string
	Seed  int64 // the run's seed; 0: 1
	// Seeds is the number of training seeds of the decoder and of each
	// head; 0: DefaultSeeds(Data).
	Seeds int
	// Test is the RSM comparisons' resampling; zero: Config.Defaults'
	// (rsa.DefaultTest() seeded with Seed).
	Test        rsa.TestConfig
	Distortions []distortion.Distortion // empty: Gaussian, then box blur
	// CNN adjusts the stimulus classifiers' recipe (CNNOptions, with the
	// backbone backend's default batch) when not nil: epochs, views, batch,
	// BatchNorm mode.
	CNN      func(*stimulus.Options)
	Stages   []string  // empty: every stage
	Progress io.Writer // the stages' log lines and progress bars
	// Log receives the line saying which backend runs what (nil: none).
	Log io.Writer
}

// Setup starts the backends s asks for and returns the Config for Run: the
// backbone and dense backends, the backend note results.json records, the
// stimulus classifiers' recipe and Backbones opening each model by the
// weights policy. release finalizes the backends Setup started.
func Setup(ctx context.Context, s Settings) (cfg Config, release func(), err error) {
	var started []compute.Backend
	release = func() {
		for _, b := range started {
			b.Finalize()
		}
	}
	defer func() {
		if err != nil {
			release()
		}
	}()
	if s.Data == nil {
		return Config{}, release, fmt.Errorf("study: no dataset")
	}
	conv := s.Conv
	if conv == nil {
		b, c, err := s.Env.New(s.Backend, backend.Convolutions)
		if err != nil {
			return Config{}, release, err
		}
		started = append(started, b)
		conv = b
		s.log(backend.Describe(b, c))
	}
	dense, dc, err := s.Env.New(backend.DenseSpec(conv), backend.Dense)
	if err != nil {
		return Config{}, release, err
	}
	started = append(started, dense)
	s.log("dense networks: " + backend.Describe(dense, dc))
	if s.Seed == 0 {
		s.Seed = 1
	}
	if s.Seeds == 0 {
		s.Seeds = DefaultSeeds(s.Data)
	}
	opt := CNNOptions(s.Data, s.Seed, s.Cache, s.Progress)
	opt.Features.Batch = backend.DefaultBatch(conv)
	if s.CNN != nil {
		s.CNN(&opt)
	}
	weights := s.Weights
	if weights == "" {
		weights = "auto"
	}
	weightsDir := ""
	if s.Cache != "" {
		weightsDir = filepath.Join(s.Cache, "weights")
	}
	cfg = Config{Data: s.Data, Out: s.Out, Models: s.Models, Cache: s.Cache, Conv: conv, Dense: dense,
		BackendNote: conv.Description() + " (CNNs); " + dense.Description() + " (dense)",
		Seed:        s.Seed, Seeds: s.Seeds, Test: s.Test, Distortions: s.Distortions, CNN: &opt, Stages: s.Stages, Progress: s.Progress,
		Backbones: func(a cnn.Arch) (*cnn.Model, error) {
			return cnn.Open(ctx, conv, a, weights, s.Seed, weightsDir, s.Progress)
		}}
	return cfg, release, nil
}

func (s Settings) log(line string) {
	if s.Log != nil {
		fmt.Fprintln(s.Log, line)
	}
}
