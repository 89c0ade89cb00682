package stimulus

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/compute"

	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/metrics"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

// CrossValidated is a backbone's head accuracy measured by stratified
// K-fold cross-validation on the training images alone: one protocol that
// runs the same on any set of labelled pictures (the real stimuli's JPEG
// copies have no test split), for comparing how hard two image sets are for
// the same architecture.
type CrossValidated struct {
	Model    string              `json:"model"`
	Weights  string              `json:"weights"`
	Folds    int                 `json:"folds"`
	Images   int                 `json:"images"`
	Classes  []string            `json:"classes"`
	Accuracy encoding.Proportion `json:"accuracy"` // pooled out-of-fold predictions, Clopper-Pearson 95%
	Balanced float64             `json:"balanced_accuracy"`
	PerFold  []float64           `json:"per_fold"`
	Report   metrics.Report      `json:"report"`
}

// CrossValidate measures the head accuracy of backbone on d's training
// split (the images opt.Filter keeps; its ROIs are not used): the
// backbone's BatchNorm adapted to all of them as opt.Features says (no
// labels are used), one clean view per image, then for each of folds
// stratified folds (seeded by opt.Seed) a head trained with opt.Train on the
// others and evaluated on it. The out-of-fold predictions are pooled.
func CrossValidate(ctx context.Context, hb compute.Backend, backbone *cnn.Model, d *kay.Dataset, opt Options, folds int) (*CrossValidated, error) {
	if folds < 2 {
		return nil, fmt.Errorf("cross-validation with %d folds: want at least 2", folds)
	}
	filter := opt.Filter
	filter.ROIs = nil
	sel, err := d.Select(filter)
	if err != nil {
		return nil, err
	}
	n := len(sel.Train.Index)
	if n < 2*folds {
		return nil, fmt.Errorf("%d images for %d folds: want at least 2 per fold", n, folds)
	}
	fo := opt.Features
	fo.Views, fo.CacheDir, fo.LayersPool = 1, "", ""
	if fo.Progress == nil {
		fo.Progress = opt.Progress
	}
	if err := AdaptBackbone(ctx, backbone, d, sel, fo); err != nil {
		return nil, err
	}
	z := FitNormalizer(d.Train.Stimuli, sel.Train.Index)
	if err := z.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", d.Dir, err)
	}
	out, err := backbone.Extract(ctx, Source(d.Train.Stimuli, sel.Train.Index, 1, fo.Augment, fo.Seed, z), max(fo.Batch, 1),
		backbone.Arch.Name+" images", fo.Progress)
	if err != nil {
		return nil, err
	}
	if err := finite(backbone, out.Logits); err != nil {
		return nil, err
	}
	fold := StratifiedFolds(sel.Train.Y, folds, opt.Seed)
	pred := make([]int, n)
	res := &CrossValidated{Model: backbone.Arch.Name, Weights: backbone.Weights, Folds: folds, Images: n, Classes: sel.Classes}
	head := Head{In: cnn.Classes, Embedding: 100, Classes: len(sel.Classes)}
	for k := range folds {
		var tr, te train.Data
		var teRows []int
		for i := range n {
			row := out.Logits[i*cnn.Classes : (i+1)*cnn.Classes]
			if fold[i] == k {
				te.X, te.Y, teRows = append(te.X, row...), append(te.Y, sel.Train.Y[i]), append(teRows, i)
			} else {
				tr.X, tr.Y = append(tr.X, row...), append(tr.Y, sel.Train.Y[i])
			}
		}
		tr.N, tr.D, te.N, te.D = len(tr.Y), cnn.Classes, len(te.Y), cnn.Classes
		m, err := train.New(hb, head, opt.Seed+int64(k))
		if err != nil {
			return nil, err
		}
		tc := opt.Train
		tc.Seed, tc.Progress = opt.Seed+int64(k), nil
		if _, err := train.Fit(ctx, m, tr, te, len(sel.Classes), tc); err != nil {
			return nil, err
		}
		o, rep, err := train.Evaluate(m, te, sel.Classes)
		if err != nil {
			return nil, err
		}
		for j, p := range o.Predictions() {
			pred[teRows[j]] = p
		}
		res.PerFold = append(res.PerFold, rep.Accuracy)
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, "%s: fold %d of %d, accuracy %.3f\n", backbone.Arch.Name, k+1, folds, rep.Accuracy)
		}
	}
	if res.Report, err = metrics.Classify(sel.Train.Y, pred, sel.Classes); err != nil {
		return nil, err
	}
	correct := 0
	for i, p := range pred {
		if p == sel.Train.Y[i] {
			correct++
		}
	}
	res.Accuracy = encoding.NewProportion(correct, n, majority(sel.Train.Y, len(sel.Classes)))
	res.Balanced = metrics.BalancedAccuracy(sel.Train.Y, pred)
	return res, nil
}

// StratifiedFolds assigns each of the labelled items to one of k folds:
// each class's items are shuffled (seeded) and dealt round-robin, starting
// where the previous class stopped, so every fold gets each class's share
// and the folds' sizes differ by at most one.
func StratifiedFolds(y []int, k int, seed int64) []int {
	byClass := map[int][]int{}
	maxClass := 0
	for i, c := range y {
		byClass[c] = append(byClass[c], i)
		maxClass = max(maxClass, c)
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x5f0d5))
	fold := make([]int, len(y))
	next := 0
	for c := 0; c <= maxClass; c++ {
		items := byClass[c]
		r.Shuffle(len(items), func(a, b int) { items[a], items[b] = items[b], items[a] })
		for _, i := range items {
			fold[i] = next % k
			next++
		}
	}
	return fold
}

// majority is the accuracy of always answering the most frequent class.
func majority(y []int, classes int) float64 {
	counts := make([]int, classes)
	best := 0
	for _, c := range y {
		counts[c]++
		best = max(best, counts[c])
	}
	return float64(best) / float64(len(y))
}
