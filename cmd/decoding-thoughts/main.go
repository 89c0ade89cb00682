// Command decoding-thoughts runs the study's stages from the command line:
//
//	decoding-thoughts synth    --profile quick|full|tiny --seed N [--null|--category-only|--null-within-class] --out DIR
//	decoding-thoughts download --out DIR
//	decoding-thoughts explore  [--data-dir DIR] --out DIR
//	decoding-thoughts train-fmri [--data-dir DIR] --out DIR [--epochs N --lr X --seed N --keep last|best --rois V1,...]
//	decoding-thoughts weights  [--models a,b]   (download the ImageNet checkpoints into the cache)
//	decoding-thoughts features --model NAME --weights FILE|download|random --images X.npy --out F.npz
//	decoding-thoughts train-cnn [--data-dir DIR] --out DIR [--models a,b --weights auto|download|random|DIR --epochs N --views N]
//	decoding-thoughts rsa        [--data-dir DIR] --out DIR   (reopens DIR/fmri and DIR/cnn/<model>)
//	decoding-thoughts robustness [--data-dir DIR] --out DIR
//	decoding-thoughts study    [--data-dir DIR | --synthetic quick|full|tiny] [--weights ...] [--models ...] [--jobs N] --out DIR
//	decoding-thoughts study    --shard I/N [the same flags] --out DIR   (task I of N; on Slurm: scripts/slurm/submit.sh)
//	decoding-thoughts study    merge --out DIR                          (the study, from the tasks' outputs)
//	decoding-thoughts head-cv  [--data-dir DIR | --synthetic P | --stimuli-tar T.tar --labels L.npy] [--models ... --weights random --folds 5] --out DIR
//	decoding-thoughts power    --out DIR [--models 5,10,20,35,50 --effects 0,0.2,0.3,0.5]
//	decoding-thoughts backend
//
// Without --data-dir (or $DT_DATA_DIR) the embedded default dataset is used:
// the synthetic quick profile, generated into the cache on first use.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

// env is what the environment says about backends, read once.
var env = backend.FromEnv(os.Getenv)

var commands = map[string]command{
	"synth":      {"generate a synthetic Kay-format dataset with ground truth", runSynth},
	"download":   {"download the real Kay dataset from OSF (resumable, verified)", runDownload},
	"explore":    {"dataset summary and the exploratory figures (notebook 01)", runExplore},
	"study":      {"run every stage on a dataset, into one folder (--shard I/N: one task of a split study; study merge: the rest)", runStudy},
	"features":   {"a CNN's logits and penultimate features for any (N,3,H,W) images", runFeatures},
	"train-cnn":  {"train the stimulus classifiers' heads on frozen CNNs (notebook 02)", runTrainCNN},
	"rsa":        {"RSA of the trained models (train-fmri/train-cnn outputs in --out)", runRSA},
	"robustness": {"blur sweeps and the hypothesis test over the trained models in --out", runRobustness},
	"weights":    {"download the official ImageNet weights of the CNNs into the cache (verified)", runWeights},
	"train-fmri": {"train the fMRI decoder (notebook 03): checkpoint, metrics, embeddings, figures", runTrainFMRI},
	"encode":     {"Kay et al. 2008: Gabor encoding model per voxel and identification of the test images", runEncode},
	"layers":     {"every layer of each CNN (and the Gabor and pixel references) against every visual area: RSA, CKA, encoding", runLayers},
	"backend":    {"show which compute backend would run the models", runBackend},
	"power":      {"power of the cross-model regression by simulation: how many models the question needs", runPower},
	"models":     {"list the model registry: parameters, feature width, cached weights (--models all|study|resnet*|...)", runModels},
}

// commandNames lists the commands, sorted.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func usage() {
	fmt.Fprintf(os.Stderr, "usage: decoding-thoughts <command> [flags]\n\ncommands:\n")
	for _, n := range commandNames() {
		fmt.Fprintf(os.Stderr, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(os.Stderr, "\nrun 'decoding-thoughts <command> -h' for its flags\n")
}

// memoryLimit is the Go heap's soft limit unless GOMEMLIMIT sets one: the
// collector runs more often as the heap nears it (ONNX Runtime's and the
// backends' native memory are outside it).
const memoryLimit = 3 << 30

func main() {
	if len(os.Args) < 2 || strings.HasPrefix(os.Args[1], "-") || os.Args[1] == "help" {
		usage()
		os.Exit(2)
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		// sorted: a tie goes to the first name, always the same
		if s := closest(os.Args[1], commandNames()); s != "" {
			fmt.Fprintf(os.Stderr, "decoding-thoughts: unknown command %q: did you mean %q?\n", os.Args[1], s)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "decoding-thoughts: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	tuneMemory()
	if os.Getenv("GOMEMLIMIT") == "" {
		// The collector's default lets the heap grow to twice what is live
		// before it runs: at the full size that doubled the peak (13 GB).
		debug.SetMemoryLimit(memoryLimit)
	}
	backend.UseFastBLAS()
	ctx := interruptible(os.Args[1])
	t0 := time.Now()
	if path := os.Getenv("DT_CPUPROFILE"); path != "" { // for developers: a pprof CPU profile of the command
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	if err := cmd.run(ctx, os.Args[2:]); err != nil {
		if err == flag.ErrHelp {
			os.Exit(0)
		}
		if ctx.Err() != nil {
			interrupted(os.Args[1])
		}
		fmt.Fprintf(os.Stderr, "decoding-thoughts %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "decoding-thoughts %s: done in %.1fs\n", os.Args[1], time.Since(t0).Seconds())
}

// interruptible returns a context cancelled by SIGINT or SIGTERM. Work that
// checks it stops at once; whatever does not (a long computation, a forward
// pass) is cut off a second later, or at a second signal: temporary files
// are removed and the process exits with 130.
func interruptible(name string) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "decoding-thoughts %s: %v received, stopping\n", name, s)
		cancel()
		select {
		case <-sigs:
		case <-time.After(time.Second):
		}
		if done := tasksDone.Load(); done != nil { // study --jobs: its tasks stop first
			select {
			case <-*done:
			case <-sigs:
			case <-time.After(15 * time.Second):
			}
		}
		interrupted(name)
	}()
	return ctx
}

// interrupted removes the temporary files being written and exits with 130
// (128 + SIGINT), as shells expect of an interrupted command.
func interrupted(name string) {
	atomicfile.RemovePending()
	fmt.Fprintf(os.Stderr, "decoding-thoughts %s: interrupted; finished outputs are kept and a rerun resumes\n", name)
	os.Exit(130)
}
