package similarity

import (
	"fmt"
	"math"
	"slices"

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
	return Matrices{Name: r.Name, Image: img, Class: cls, Order: order, Labels: labels}, nil
}

// Comparison relates one model's RSMs to a reference's (the fMRI
// decoder's).
type Comparison struct {
	Model string `json:"model"`
	// Image holds every method of the rsa table on the per-image RSMs, keyed
	// by method; the tested ones carry a permutation p-value and a
	// bootstrap interval, the others their value alone.
	Image map[rsa.Method]rsa.Inference `json:"image"`
	// ClassPearsonFull is the original's measure on the class-mean matrices.
	ClassPearsonFull float64 `json:"class_pearson_full"`
}

// Get returns the comparison by method (NaN values when it was not made).
func (c Comparison) Get(m rsa.Method) rsa.Inference {
	if inf, ok := c.Image[m]; ok {
		return inf
	}
	return rsa.Inference{Method: m, Value: math.NaN(), PValue: math.NaN(), CILow: math.NaN(), CIHigh: math.NaN()}
}

// Spearman is the study's tested comparison: Spearman over the upper
// triangles.
func (c Comparison) Spearman() rsa.Inference { return c.Get(rsa.Spearman) }

// PearsonFull is the original study's measure.
func (c Comparison) PearsonFull() float64 { return c.Get(rsa.PearsonFull).Value }

// Compare relates m to ref (same images, same order) by every method of
// the rsa table, testing those in tested with cfg.
func Compare(ref, m Matrices, cfg rsa.TestConfig, tested ...rsa.Method) (Comparison, error) {
	for _, method := range tested {
		if _, err := rsa.Spec(method); err != nil {
			return Comparison{}, fmt.Errorf("%s vs %s: %w", m.Name, ref.Name, err)
		}
	}
	c := Comparison{Model: m.Name, Image: map[rsa.Method]rsa.Inference{}}
	for _, method := range rsa.Methods {
		run := rsa.TestConfig{Level: cfg.Level}
		if slices.Contains(tested, method) {
			run = cfg
		}
		inf, err := rsa.Test(ref.Image, m.Image, method, run)
		if err != nil {
			return c, fmt.Errorf("%s vs %s: %w", m.Name, ref.Name, err)
		}
		c.Image[method] = inf
	}
	var err error
	if c.ClassPearsonFull, err = rsa.Compare(ref.Class, m.Class, rsa.PearsonFull); err != nil {
		return c, fmt.Errorf("%s vs %s: %w", m.Name, ref.Name, err)
	}
	return c, nil
}

// ROIs returns the raw voxel patterns of each named visual area over the
// selection's test images: the brain's own representations, beyond the
// decoder's.
func ROIs(d *kay.Dataset, sel *kay.Selection, names []string) ([]Representation, error) {
	var out []Representation
	for _, name := range names {
		r, err := d.ROIIndex(name)
		if err != nil {
			return nil, err
		}
		vox, err := d.VoxelsOf([]int{r})
		if err != nil {
			return nil, err
		}
		roiSel := *sel
		roiSel.Voxels = vox
		x, n, v := roiSel.Rows(d.Test.Responses, sel.Test)
		out = append(out, Representation{Name: name, Patterns: rsa.Patterns{X: x, N: n, D: v}, Labels: sel.Test.Y})
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
