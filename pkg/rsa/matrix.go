package rsa

import (
	"fmt"
	"math"
	"sort"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/decodingthoughts/decoding-thoughts/internal/linalg"
)

// Matrix is a symmetric n x n matrix over stimuli, row-major.
type Matrix struct {
	N    int
	Data []float64
	Kind string // what the entries are, e.g. "cosine similarity"
	// Labels is the class of each row's stimulus (nil: unknown). The
	// category-controlled methods (within-class, partial) need it.
	Labels []int
	// ties, when set (Memo), keeps the sorted upper triangle's tie groups
	// for every comparison of the matrix and its copies.
	ties *tieMemo
}

// tieMemo is a matrix's tie groups (tieGroups), computed once, with the
// entries they were computed from (a copy given other entries does not
// use them).
type tieMemo struct {
	once   sync.Once
	keys   []int32
	groups int
	data   *float64
	n      int
}

// Memo returns m with a memo of its sorted upper triangle, shared by its
// copies: the ranked comparisons made with it (Compare, NewResampler) sort
// it once instead of each time, which pays where one matrix meets many (a
// layer's against every area's). m's entries must not change afterwards.
func (m Matrix) Memo() Matrix {
	m.ties = &tieMemo{}
	return m
}

// tieKeys is tieGroups(m), from the memo when m has one.
func (m Matrix) tieKeys() ([]int32, int) {
	if m.ties == nil || len(m.Data) == 0 {
		return tieGroups(m)
	}
	m.ties.once.Do(func() {
		m.ties.keys, m.ties.groups = tieGroups(m)
		m.ties.data, m.ties.n = &m.Data[0], len(m.Data)
	})
	if m.ties.data != &m.Data[0] || m.ties.n != len(m.Data) {
		return tieGroups(m)
	}
	return m.ties.keys, m.ties.groups
}

// At is the entry for stimuli i and j.
func (m Matrix) At(i, j int) float64 { return m.Data[i*m.N+j] }

// Patterns are n row vectors of dimension d (embeddings, voxel patterns).
type Patterns struct {
	X    []float32
	N, D int
}

func (p Patterns) row(i int) []float32 { return p.X[i*p.D : (i+1)*p.D] }

func (p Patterns) check() error {
	if p.N < 2 || p.D < 1 || len(p.X) != p.N*p.D {
		return fmt.Errorf("rsa: %d values for %d patterns of dimension %d (need at least 2 patterns)", len(p.X), p.N, p.D)
	}
	return nil
}

// pairwise fills a symmetric matrix with f(row i, row j), diagonal included.
func pairwise(p Patterns, kind string, f func(a, b []float32) float64) (Matrix, error) {
	if err := p.check(); err != nil {
		return Matrix{}, err
	}
	m := Matrix{N: p.N, Data: make([]float64, p.N*p.N), Kind: kind}
	for i := range p.N {
		for j := i; j < p.N; j++ {
			v := f(p.row(i), p.row(j))
			m.Data[i*p.N+j], m.Data[j*p.N+i] = v, v
		}
	}
	return m, nil
}

// Cosine is the original study's representational similarity matrix:
// cos(x_i, x_j) = x_i·x_j / (|x_i| |x_j|), in float64; a zero pattern (a
// silent ReLU embedding) has similarity 0 with everything, itself included,
// where torch's cosine_similarity (with its eps) also gives 0.
func Cosine(p Patterns) (Matrix, error) {
	cos, _, err := CosineAndKernel(p)
	return cos, err
}

// CosineAndKernel is Cosine and LinearKernel of the same patterns from one
// Gram matrix (the layer-wise comparison needs both of every layer).
func CosineAndKernel(p Patterns) (cos, kern Matrix, err error) {
	if err := p.check(); err != nil {
		return Matrix{}, Matrix{}, err
	}
	g := gram(p)
	n := p.N
	c := make([]float64, n*n)
	for i := range n {
		for j := range n {
			if aa, bb := g[i*n+i], g[j*n+j]; aa != 0 && bb != 0 {
				c[i*n+j] = g[i*n+j] / math.Sqrt(aa*bb)
			}
		}
	}
	return Matrix{N: n, Data: c, Kind: "cosine similarity"}, Matrix{N: n, Data: g, Kind: "linear kernel"}, nil
}

// gram is the rows' inner products in float64 (n x n, symmetric, diagonal
// included): one matrix product (linalg.Mul: blocked and vectorised for
// large patterns), its upper triangle mirrored so that the matrix is
// exactly symmetric.
func gram(p Patterns) []float64 {
	n, d := p.N, p.D
	x := make([]float64, len(p.X))
	for i, v := range p.X {
		x[i] = float64(v)
	}
	xm := mat.NewDense(n, d, x)
	g := linalg.Mul(xm, false, xm, true).RawMatrix()
	out := make([]float64, n*n)
	for i := range n {
		for j := i; j < n; j++ {
			v := g.Data[i*g.Stride+j]
			out[i*n+j], out[j*n+i] = v, v
		}
	}
	return out
}

// CorrelationDistance is the usual RDM: 1 - Pearson r of the two patterns
// across dimensions (0 on the diagonal; 1 where a pattern is constant).
func CorrelationDistance(p Patterns) (Matrix, error) {
	return pairwise(p, "correlation distance", func(a, b []float32) float64 {
		ma, mb := mean32(a), mean32(b)
		var ab, aa, bb float64
		for k := range a {
			x, y := float64(a[k])-ma, float64(b[k])-mb
			ab += x * y
			aa += x * x
			bb += y * y
		}
		if aa == 0 || bb == 0 {
			return 1
		}
		return 1 - ab/math.Sqrt(aa*bb)
	})
}

// Euclidean is the RDM of Euclidean distances between patterns.
func Euclidean(p Patterns) (Matrix, error) {
	return pairwise(p, "Euclidean distance", func(a, b []float32) float64 {
		s := 0.0
		for k := range a {
			d := float64(a[k]) - float64(b[k])
			s += d * d
		}
		return math.Sqrt(s)
	})
}

func mean32(a []float32) float64 {
	s := 0.0
	for _, v := range a {
		s += float64(v)
	}
	return s / float64(len(a))
}

// ClassMeans averages the patterns of each class 0..classes-1 (labels per
// pattern): the original's per-class embedding. A class without patterns is
// an error.
func ClassMeans(p Patterns, labels []int, classes int) (Patterns, error) {
	if err := p.check(); err != nil {
		return Patterns{}, err
	}
	if len(labels) != p.N {
		return Patterns{}, fmt.Errorf("rsa: %d labels for %d patterns", len(labels), p.N)
	}
	sum := make([]float64, classes*p.D)
	count := make([]int, classes)
	for i, c := range labels {
		if c < 0 || c >= classes {
			return Patterns{}, fmt.Errorf("rsa: label %d of pattern %d outside 0..%d", c, i, classes-1)
		}
		count[c]++
		for k, v := range p.row(i) {
			sum[c*p.D+k] += float64(v)
		}
	}
	out := Patterns{X: make([]float32, classes*p.D), N: classes, D: p.D}
	for c := range classes {
		if count[c] == 0 {
			return Patterns{}, fmt.Errorf("rsa: class %d has no patterns", c)
		}
		for k := range p.D {
			out.X[c*p.D+k] = float32(sum[c*p.D+k] / float64(count[c]))
		}
	}
	return out, nil
}

// ClassOrder returns pattern indices grouped by class (class 0 first),
// keeping the original order within a class: the order of the heatmaps.
func ClassOrder(labels []int) []int {
	order := make([]int, len(labels))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return labels[order[a]] < labels[order[b]] })
	return order
}

// Reorder returns the matrix with stimuli in the given order.
func (m Matrix) Reorder(order []int) Matrix {
	out := Matrix{N: len(order), Data: make([]float64, len(order)*len(order)), Kind: m.Kind}
	if m.Labels != nil {
		out.Labels = make([]int, len(order))
		for a, i := range order {
			out.Labels[a] = m.Labels[i]
		}
	}
	for a, i := range order {
		for b, j := range order {
			out.Data[a*out.N+b] = m.At(i, j)
		}
	}
	return out
}

// Select is the sub-matrix of the given stimuli, in that order.
func (p Patterns) Select(idx []int) Patterns {
	out := Patterns{N: len(idx), D: p.D, X: make([]float32, 0, len(idx)*p.D)}
	for _, i := range idx {
		out.X = append(out.X, p.row(i)...)
	}
	return out
}

// UpperTriangle lists the entries above the diagonal (i < j), row by row:
// each stimulus pair once, without the trivial diagonal.
func (m Matrix) UpperTriangle() []float64 {
	out := make([]float64, 0, m.N*(m.N-1)/2)
	for i := range m.N {
		out = append(out, m.Data[i*m.N+i+1:(i+1)*m.N]...)
	}
	return out
}

// LinearKernel is the Gram matrix of the patterns, x_i·x_j in float64: the
// kernel whose centred alignment (Compare with CKA or CKADebiased) is the
// linear CKA of the patterns, ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F) with centred
// columns (Kornblith et al. 2019).
func LinearKernel(p Patterns) (Matrix, error) {
	if err := p.check(); err != nil {
		return Matrix{}, err
	}
	return Matrix{N: p.N, Data: gram(p), Kind: "linear kernel"}, nil
}
