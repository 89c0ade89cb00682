package train

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	gomlxtrain "github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/metric"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/decodingthoughts/decoding-thoughts/internal/progress"
	"github.com/decodingthoughts/decoding-thoughts/internal/tensorfree"
	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// Keep says which weights Fit returns.
type Keep string

const (
	// KeepLast keeps the weights after the final epoch, as the original study
	// does. It is the default: choosing by validation score would tune on the
	// test set the study reports.
	KeepLast Keep = "last"
	// KeepBest keeps the epoch with the highest validation accuracy (lowest
	// validation loss on ties).
	KeepBest Keep = "best"
)

// Config is a training run's recipe.
type Config struct {
	Epochs       int
	BatchSize    int
	LearningRate float64 // Adam, betas (0.9, 0.999), eps 1e-8 as torch.optim.Adam
	Seed         int64   // sampling order, view choice (initial weights and dropout: New)
	Balanced     bool    // class-balanced sampling with replacement; else a shuffle per epoch
	Keep         Keep
	Label        string    // names the run in progress output
	Progress     io.Writer // nil: silent
	// Verbose prints every epoch's line on any writer (by default only a
	// terminal gets them; logs and notebooks get the last epoch's).
	Verbose bool
}

// Validate reports settings training cannot run with: epochs below 1, a
// batch below 2 (BatchNorm needs two rows), a learning rate that is not a
// finite positive number, an unknown keep rule.
func (c Config) Validate() error {
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("epochs %d: want epochs >= 1", c.Epochs)
	case c.BatchSize < 2:
		return fmt.Errorf("batch size %d: want batch size >= 2 (BatchNorm needs two rows)", c.BatchSize)
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0):
		return fmt.Errorf("learning rate %v: want a finite number > 0", c.LearningRate)
	case c.Keep != "" && c.Keep != KeepLast && c.Keep != KeepBest:
		return fmt.Errorf("keep %q: want %q or %q", c.Keep, KeepLast, KeepBest)
	}
	return nil
}

// Epoch is one epoch's record. Train figures are averaged over the epoch's
// batches in training mode (dropout on), as torch training loops report them.
type Epoch struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"`
	TrainAcc  float64 `json:"train_accuracy"`
	ValLoss   float64 `json:"val_loss"`
	ValAcc    float64 `json:"val_accuracy"`
	Seconds   float64 `json:"seconds"`
}

// History is a run's per-epoch record and which epoch's weights were kept.
type History struct {
	Epochs    []Epoch `json:"epochs"`
	Keep      Keep    `json:"keep"`
	KeptEpoch int     `json:"kept_epoch"`
}

// Fit trains m on tr, evaluating on val after every epoch, and leaves m with
// the weights cfg.Keep chooses. A final batch of one sample is dropped, since
// BatchNorm cannot train on it (torch raises an error there).
func Fit(ctx context.Context, m *Model, tr, val Data, classes int, cfg Config) (History, error) {
	if err := cfg.Validate(); err != nil {
		return History{}, err
	}
	h := History{Keep: cfg.Keep}
	if h.Keep == "" {
		h.Keep = KeepLast
	}
	if err := tr.Check("training data", classes); err != nil {
		return h, err
	}
	if err := val.Check("validation data", classes); err != nil {
		return h, err
	}
	trainer := gomlxtrain.NewTrainer(m.Backend, m.Store,
		func(scope *model.Scope, x *Node) *Node {
			logits, _ := m.Net.Forward(scope.In(ModelScope), x)
			return logits
		},
		loss.SparseCategoricalCrossEntropyLogits,
		optimizer.Adam().LearningRate(cfg.LearningRate).Epsilon(1e-8).Done(),
		[]metric.Interface{metric.NewBaseMetric("Correct", "correct", metric.AccuracyMetricType, correctCount, nil)}, nil)
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x7a11))
	var best []npfile.Entry
	bestEpoch := Epoch{ValAcc: -1}
	for e := 1; e <= cfg.Epochs; e++ {
		ep, err := runEpoch(ctx, trainer, rng, tr, cfg, e)
		if err != nil {
			return h, err
		}
		// Backends that prefer constants (ONNX Runtime) compile non-trainable
		// variables, BatchNorm's running averages, into inference graphs as
		// constants: an evaluation graph built before this epoch would use
		// stale averages, so it is rebuilt.
		if m.Backend.Capabilities().PreferConstantsForVariables {
			m.exec = nil
		}
		out, err := m.Forward(val)
		if err != nil {
			return h, err
		}
		ep.ValLoss, ep.ValAcc = out.Loss(val.Y), out.Accuracy(val.Y)
		h.Epochs = append(h.Epochs, ep)
		report(cfg, ep)
		if h.Keep == KeepBest && better(ep, bestEpoch) {
			if best, err = nn.StateDict(m.Scope()); err != nil {
				return h, err
			}
			bestEpoch = ep
		}
	}
	h.KeptEpoch = cfg.Epochs
	if h.Keep == KeepBest {
		h.KeptEpoch = bestEpoch.Epoch
		if err := m.Load(best); err != nil {
			return h, err
		}
	}
	return h, nil
}

func better(a, b Epoch) bool {
	return a.ValAcc > b.ValAcc || (a.ValAcc == b.ValAcc && a.ValLoss < b.ValLoss)
}

// correctCount is the number of rows whose arg-max logit is the label.
func correctCount(_ *model.Scope, labels, predictions []*Node) *Node {
	logits := predictions[0]
	pred := ArgMax(logits, -1, labels[0].DType())
	hit := Equal(pred, Reshape(labels[0], pred.Shape().Dimensions...))
	return ReduceAllSum(ConvertDType(hit, dtypes.Float32))
}

func runEpoch(ctx context.Context, trainer *gomlxtrain.Trainer, rng *rand.Rand, tr Data, cfg Config, e int) (Epoch, error) {
	t0 := time.Now()
	var idx []int
	if cfg.Balanced {
		idx = BalancedSample(rng, tr.Y, tr.N)
	} else {
		idx = Shuffle(rng, tr.N)
	}
	if len(idx)%cfg.BatchSize == 1 {
		idx = idx[:len(idx)-1]
	}
	var bar *progress.Bar
	if progress.IsTerminal(cfg.Progress) {
		bar = progress.New(cfg.Progress, fmt.Sprintf("%s epoch %d/%d", cfg.Label, e, cfg.Epochs), int64(len(idx)), "samples")
	}
	var lossSum, correct float64
	for lo := 0; lo < len(idx); lo += cfg.BatchSize {
		if err := ctx.Err(); err != nil {
			return Epoch{}, err
		}
		batch := idx[lo:min(lo+cfg.BatchSize, len(idx))]
		var views []int
		if tr.views() > 1 {
			views = make([]int, len(batch))
			for k := range views {
				views[k] = rng.IntN(tr.views())
			}
		}
		labels := make([]int32, len(batch))
		for k, i := range batch {
			labels[k] = int32(tr.Y[i])
		}
		in := tensors.FromFlatDataAndDimensions(tr.gather(batch, views), len(batch), tr.D)
		lab := tensors.FromFlatDataAndDimensions(labels, len(batch), 1)
		metrics, err := trainer.TrainStep(gomlxtrain.Batch{Inputs: []*tensors.Tensor{in}, Labels: []*tensors.Tensor{lab}})
		tensorfree.Free(in, lab)
		if err != nil {
			return Epoch{}, fmt.Errorf("epoch %d: training step: %w", e, err)
		}
		lossSum += float64(tensors.ToScalar[float32](metrics[0])) * float64(len(batch))
		correct += float64(tensors.ToScalar[float32](metrics[2]))
		tensorfree.Free(metrics...)
		if bar != nil {
			bar.Add(int64(len(batch)))
		}
	}
	if bar != nil {
		bar.Done()
	}
	n := float64(len(idx))
	return Epoch{Epoch: e, TrainLoss: lossSum / n, TrainAcc: correct / n, Seconds: time.Since(t0).Seconds()}, nil
}

// report prints an epoch's line: every epoch on a terminal or with
// Verbose, else (logs, notebooks) only the last one; the whole history is
// in the run's metrics and curves.
func report(cfg Config, ep Epoch) {
	if cfg.Progress == nil || !(cfg.Verbose || ep.Epoch == cfg.Epochs || progress.IsTerminal(cfg.Progress)) {
		return
	}
	fmt.Fprintf(cfg.Progress, "%s epoch %2d/%d  train loss %.4f acc %.3f  val loss %.4f acc %.3f  (%.2fs)\n",
		cfg.Label, ep.Epoch, cfg.Epochs, ep.TrainLoss, ep.TrainAcc, ep.ValLoss, ep.ValAcc, ep.Seconds)
}
