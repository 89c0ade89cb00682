package similarity

import (
	"fmt"
	"math"
	"slices"

	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
)

// Representation is one model's (or one brain area's) patterns over the test
// images, in the test split's order, with each image's class.
type Representation struct {
	Name     string
	Patterns rsa.Patterns
	Labels   []int
}

// Matrices are a representation's similarity matrices.
type Matrices struct {
	Name   string
	Image  rsa.Matrix // cosine similarity per image pair, images in class order
	Class  rsa.Matrix // cosine similarity of the class-mean patterns
	Order  []int      // test-image index of each row of Image
	Labels []int      // class of each row of Image
}

// Build makes the matrices of r over classes classes.
func Build(r Representation, classes int) (Matrices, error) {
	order := rsa.ClassOrder(r.Labels)
	img, err := rsa.Cosine(r.Patterns.Select(order))
	if err != nil {
		return Matrices{}, fmt.Errorf("%s: %w", r.Name, err)
	}
	means, err := rsa.ClassMeans(r.Patterns, r.Labels, classes)
	if err != nil {
		return Matrices{}, fmt.Errorf("%s: %w", r.Name, err)
	}
	cls, err := rsa.Cosine(means)
	if err != nil {
		return Matrices{}, fmt.Errorf("%s: %w", r.Name, err)
	}
	labels := make([]int, len(order))
	for k, i := range order {
		labels[k] = r.Labels[i]
	}
	img.Labels = labels
	return Matrices{Name: r.Name, Image: img, Class: cls, Order: order, Labels: labels}, nil
}

// Comparison relates one model's RSMs to a reference's (the fMRI
// decoder's).
type Comparison struct {
	Model string `json:"model"`
	// Image holds every method of the rsa table on the per-image RSMs, keyed
	// by method; the tested ones carry a permutation p-value and a
	// bootstrap interval, the others their value alone. Over several
	// training seeds, each value is the mean over seed pairs.
	Image map[rsa.Method]rsa.Inference `json:"image"`
	// ClassPearsonFull is the original's measure on the 3 x 3 class-mean
	// matrices (mean over seeds): a Pearson over a handful of distinct
	// values, kept for comparison with the original, not a result (NaN,
	// null in JSON, when undefined).
	ClassPearsonFull jsonnum.Float `json:"class_pearson_full"`
}

// Get returns the comparison by method (NaN values when it was not made).
func (c Comparison) Get(m rsa.Method) rsa.Inference {
	if inf, ok := c.Image[m]; ok {
		return inf
	}
	nan := jsonnum.Float(math.NaN())
	return rsa.Inference{Method: m, Value: nan, PValue: nan, CILow: nan, CIHigh: nan, SeedSD: nan}
}

// Spearman is the raw comparison: Spearman over the upper triangles.
func (c Comparison) Spearman() rsa.Inference { return c.Get(rsa.Spearman) }

// WithinClass is the category-controlled comparison: Spearman over the
// within-class pairs.
func (c Comparison) WithinClass() rsa.Inference { return c.Get(rsa.WithinClassSpearman) }

// PearsonFull is the original study's measure.
func (c Comparison) PearsonFull() float64 { return float64(c.Get(rsa.PearsonFull).Value) }

// Untested drops the p-values and intervals (a degenerate model's numbers
// are not evidence) and, when the values themselves are rounding noise,
// the values too.
func (c *Comparison) Untested(valuesToo bool) {
	nan := jsonnum.Float(math.NaN())
	for m, inf := range c.Image {
		inf.PValue, inf.CILow, inf.CIHigh = nan, nan, nan
		if valuesToo {
			inf.Value, inf.SeedSD = nan, nan
		}
		c.Image[m] = inf
	}
	if valuesToo {
		c.ClassPearsonFull = nan
	}
}

// Compare relates m to ref (same images, same order) by every method of
// the rsa table, testing those in tested with cfg. Under stratified
// permutations of one pair of matrices a tested method whose test is
// another tested method's (rsa.MethodSpec.SameTestAs) gets its interval but
// no p-value of its own; over several seeds the statistic is a mean over
// seeds, where the two tests differ slightly, and both are reported.
func Compare(ref, m Matrices, cfg rsa.TestConfig, tested ...rsa.Method) (Comparison, error) {
	return ComparePaired([]Matrices{ref}, []Matrices{m}, cfg, tested...)
}

// ComparePaired is Compare over training seeds: refs[s] with ms[s] (see
// rsa.TestPaired).
func ComparePaired(refs, ms []Matrices, cfg rsa.TestConfig, tested ...rsa.Method) (Comparison, error) {
	if len(refs) == 0 || len(refs) != len(ms) {
		return Comparison{}, fmt.Errorf("similarity: %d reference and %d model matrices to pair", len(refs), len(ms))
	}
	name, refName := ms[0].Name, refs[0].Name
	for _, method := range tested {
		if _, err := rsa.Spec(method); err != nil {
			return Comparison{}, fmt.Errorf("%s vs %s: %w", name, refName, err)
		}
	}
	var as, bs []rsa.Matrix
	for s := range refs {
		as, bs = append(as, refs[s].Image), append(bs, ms[s].Image)
	}
	c := Comparison{Model: name, Image: map[rsa.Method]rsa.Inference{}}
	for _, method := range rsa.Methods {
		run := rsa.TestConfig{Level: cfg.Level, Seed: cfg.Seed}
		if slices.Contains(tested, method) {
			run = cfg
			// one test where two are the same: the p-value goes to the
			// other method, the interval stays
			if s, _ := rsa.Spec(method); len(refs) == 1 && cfg.Stratify && s.SameTestAs != "" && slices.Contains(tested, s.SameTestAs) {
				run.Permutations = 0
			}
		}
		inf, err := rsa.TestPaired(as, bs, method, run)
		if err != nil {
			return c, fmt.Errorf("%s vs %s: %w", name, refName, err)
		}
		c.Image[method] = inf
	}
	for s := range refs {
		v, err := rsa.Compare(refs[s].Class, ms[s].Class, rsa.PearsonFull)
		if err != nil {
			return c, fmt.Errorf("%s vs %s: %w", name, refName, err)
		}
		c.ClassPearsonFull += jsonnum.Float(v / float64(len(refs)))
	}
	return c, nil
}

// CollapseTolerance is the smallest spread (maximum minus minimum of the
// upper triangle) of an RSM that carries information: below it every image
// looks alike and any correlation with it is rounding noise (a random-weight
// MobileNetV3 gives 1 +- 4e-16).
const CollapseTolerance = 1e-6

// Collapsed reports whether m's per-image RSM is (numerically) constant,
// with its spread.
func Collapsed(m Matrices) (bool, float64) {
	up := m.Image.UpperTriangle()
	if len(up) == 0 {
		return true, 0
	}
	lo, hi := up[0], up[0]
	for _, v := range up {
		if math.IsNaN(v) {
			return true, math.NaN()
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return hi-lo < CollapseTolerance, hi - lo
}

// PooledName names the voxels of every selected area together.
const PooledName = "pooled"

// Pooled returns the raw voxel patterns of the test images over every
// voxel the selection keeps (V1 ... LatOcc by default: the fMRI decoder's
// input), named PooledName.
func Pooled(d *kay.Dataset, sel *kay.Selection) (Representation, error) {
	return Voxels(d, sel, PooledName)
}

// Voxels returns the raw voxel patterns of the test images over the voxels
// the selection keeps, named name.
func Voxels(d *kay.Dataset, sel *kay.Selection, name string) (Representation, error) {
	if len(sel.Voxels) == 0 {
		return Representation{}, fmt.Errorf("similarity: the selection keeps no voxels of %s", name)
	}
	x, n, v := sel.Rows(d.Test.Responses, sel.Test)
	return Representation{Name: name, Patterns: rsa.Patterns{X: x, N: n, D: v}, Labels: sel.Test.Y}, nil
}

// ROIs returns the raw voxel patterns of each named visual area over the
// selection's test images: the brain's own representations, beyond the
// decoder's.
func ROIs(d *kay.Dataset, sel *kay.Selection, names []string) ([]Representation, error) {
	var out []Representation
	for _, name := range names {
		vox, err := d.ROIVoxels(name)
		if err != nil {
			return nil, err
		}
		roiSel := *sel
		roiSel.Voxels = vox
		r, err := Voxels(d, &roiSel, name)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Table is a rows x cols grid of comparisons (ROIs by models).
type Table struct {
	Rows   []string    `json:"rows"`
	Cols   []string    `json:"cols"`
	Values [][]float64 `json:"values"`
	Method rsa.Method  `json:"method"`
}

// CrossTable compares every row representation's image RSM with every
// column's by method (Spearman by default in the study).
func CrossTable(rows, cols []Matrices, method rsa.Method) (Table, error) {
	t := Table{Method: method}
	for _, c := range cols {
		t.Cols = append(t.Cols, c.Name)
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, r.Name)
		vals := make([]float64, len(cols))
		for j, c := range cols {
			v, err := rsa.Compare(r.Image, c.Image, method)
			if err != nil {
				return t, err
			}
			vals[j] = v
		}
		t.Values = append(t.Values, vals)
	}
	return t, nil
}

// ROIInference is one method's test of an area against a model, with its
// p-value adjusted by Benjamini-Hochberg across the table (NaN, null in
// JSON, when not tested).
type ROIInference struct {
	rsa.Inference
	PBH jsonnum.Float `json:"p_bh"`
}

// ROICell is one area against one model by each of rsa's methods for the
// per-area table (rsa.ROIMethods: the raw and the within-class Spearman),
// keyed by method: each tested with stratified permutations (so the class
// structure both may carry is part of the null), with a bootstrap interval
// and its adjusted p-value.
type ROICell map[rsa.Method]ROIInference

// Get returns the cell's inference by method (NaN values when it was not
// made).
func (c ROICell) Get(m rsa.Method) ROIInference {
	if inf, ok := c[m]; ok {
		return inf
	}
	nan := jsonnum.Float(math.NaN())
	return ROIInference{Inference: rsa.Inference{Method: m, Value: nan, PValue: nan, CILow: nan, CIHigh: nan, SeedSD: nan}, PBH: nan}
}

// ROITable tests every area (one matrix each) against every model (one
// matrix per training seed: the statistic is the mean over seeds) by every
// method of rsa.ROIMethods with cfg, stratified, and adjusts each method's
// p-values across the whole table (Benjamini-Hochberg). cells[r][m] is area
// r against model m.
func ROITable(rois []Matrices, models [][]Matrices, cfg rsa.TestConfig) ([][]ROICell, error) {
	cfg.Stratify = true
	methods := rsa.ROIMethods()
	cells := make([][]ROICell, len(rois))
	for r, roi := range rois {
		for _, seeds := range models {
			var as, bs []rsa.Matrix
			for _, m := range seeds {
				as, bs = append(as, roi.Image), append(bs, m.Image)
			}
			c := make(ROICell, len(methods))
			for _, s := range methods {
				inf, err := rsa.TestPaired(as, bs, s.Method, cfg)
				if err != nil {
					return nil, fmt.Errorf("%s vs %s: %w", roi.Name, seeds[0].Name, err)
				}
				c[s.Method] = ROIInference{Inference: inf}
			}
			cells[r] = append(cells[r], c)
		}
	}
	for _, s := range methods {
		var p []float64
		for r := range cells {
			for _, c := range cells[r] {
				p = append(p, float64(c[s.Method].PValue))
			}
		}
		adj := stats.BenjaminiHochberg(p)
		k := 0
		for r := range cells {
			for _, c := range cells[r] {
				inf := c[s.Method]
				inf.PBH = jsonnum.Float(adj[k])
				c[s.Method] = inf
				k++
			}
		}
	}
	return cells, nil
}
