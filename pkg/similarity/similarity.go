// Package similarity is the study's representational comparison: each
// model's test-set embedding becomes cosine similarity matrices (per image,
// images grouped by class, and per class), which are compared with the fMRI
// decoder's — the original's full-matrix Pearson, and the upper-triangle
// Pearson, Spearman (with permutation p-value and bootstrap interval) and
// Kendall tau-a — and with the raw voxel patterns of each visual area.
package similarity

import (
	"fmt"

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

// Comparison relates one model's image RSM to a reference's (the fMRI
// decoder's).
type Comparison struct {
	Model            string        `json:"model"`
	PearsonFull      float64       `json:"pearson_full"`       // the original's: whole matrices, diagonal included
	ClassPearsonFull float64       `json:"class_pearson_full"` // the same on the class matrices
	Pearson          float64       `json:"pearson"`            // upper triangle
	Spearman         rsa.Inference `json:"spearman"`           // upper triangle, with p-value and interval
	KendallA         float64       `json:"kendall_a"`          // upper triangle
}

// Compare relates m to ref (same images, same order).
func Compare(ref, m Matrices, cfg rsa.TestConfig) (Comparison, error) {
	c := Comparison{Model: m.Name}
	var err error
	for _, x := range []struct {
		dst    *float64
		a, b   rsa.Matrix
		method rsa.Method
	}{
		{&c.PearsonFull, ref.Image, m.Image, rsa.PearsonFull},
		{&c.ClassPearsonFull, ref.Class, m.Class, rsa.PearsonFull},
		{&c.Pearson, ref.Image, m.Image, rsa.Pearson},
		{&c.KendallA, ref.Image, m.Image, rsa.KendallTauA},
	} {
		if *x.dst, err = rsa.Compare(x.a, x.b, x.method); err != nil {
			return c, fmt.Errorf("%s vs %s: %w", m.Name, ref.Name, err)
		}
	}
	c.Spearman, err = rsa.Test(ref.Image, m.Image, rsa.Spearman, cfg)
	return c, err
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
