package synth

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"

	"github.com/decodingthoughts/decoding-thoughts/internal/parallel"
	"github.com/decodingthoughts/decoding-thoughts/internal/progress"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// TruthFile holds the planted parameters beside the dataset.
const TruthFile = "synth_truth.npz"

// IsSynthetic reports whether dir holds a complete simulated dataset: the
// truth file is written last, so its presence also marks a finished one.
func IsSynthetic(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, TruthFile))
	return err == nil
}

// Truth is everything the simulator planted.
type Truth struct {
	Config Config
	Voxels []Voxel
	// Train and Test are each image's painted content: its style (shape and
	// texture parameters) and visible coverage, from which the category
	// component is computed.
	Train, Test []Content
	Frequencies []float64
	// DriveStats standardise each voxel's drives as the generator did: the
	// mean and s.d. over the training images of the energy drive, then of
	// the luminance drive (Signal reuses them instead of recomputing every
	// training image's pyramid).
	DriveStats [4][]float64 `json:"-"`
	// Repeats holds every trial of each split (repeats x images x voxels,
	// on the scale of the z-scored responses, whose mean they are), when
	// Config.SaveRepeats.
	Repeats [2][]float32 `json:"-"`
}

// Content is what an image's painter drew: the level-0 class, the style
// vector and the fraction of the image the content covers after occlusion.
type Content struct {
	Class    string
	Style    [styleDims]float64
	Coverage float64
}

// salience is how strongly an image's content drives category-selective
// voxels: its square-root visible coverage, saturating at 15% of the image.
func (c Content) salience() float64 { return math.Min(1, math.Sqrt(c.Coverage/0.15)) }

// Generate simulates a dataset. progressOut receives a bar (nil: none).
func Generate(cfg Config, progressOut io.Writer) (*kay.Dataset, *Truth, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	freqs := Frequencies(cfg.Size)
	truth := &Truth{Config: cfg, Frequencies: freqs, Voxels: drawVoxels(cfg, freqs)}
	d := &kay.Dataset{ROINames: slices.Clone(kay.ROINames)}
	for _, v := range truth.Voxels {
		d.ROI = append(d.ROI, int64(v.ROI))
	}
	nTrain, nTest := total(cfg.TrainCounts), total(cfg.TestCounts)
	bar := progress.New(progressOut, "simulate "+cfg.Profile, int64(nTrain+nTest), "img")
	defer bar.Done()
	var splits [2]*kay.Split
	var drives, lums [2][]float64
	var contents [2][]Content
	for s, counts := range []map[string]int{cfg.TrainCounts, cfg.TestCounts} {
		r := rand.New(rand.NewPCG(cfg.Seed, uint64(100+s)))
		content := classList(counts, r)
		labelled := content
		if cfg.Null {
			// Labels independent of everything the data holds.
			labelled = slices.Clone(content)
			r.Shuffle(len(labelled), func(i, j int) { labelled[i], labelled[j] = labelled[j], labelled[i] })
		}
		split, drive, lum, cs := simulate(cfg, truth.Voxels, s, content, labelled, bar)
		splits[s], drives[s], lums[s], contents[s] = split, drive, lum, cs
	}
	truth.Train, truth.Test = contents[0], contents[1]
	nv := len(truth.Voxels)
	truth.DriveStats[0], truth.DriveStats[1] = columnStats(drives[0], splits[0].Stimuli.N, nv)
	truth.DriveStats[2], truth.DriveStats[3] = columnStats(lums[0], splits[0].Stimuli.N, nv)
	truth.Repeats = respond(cfg, truth.Voxels, splits, drives, lums, contents)
	if cfg.NullWithinClass {
		for s, sp := range splits {
			permuteWithinClass(sp, truth.Repeats[s], rand.New(rand.NewPCG(cfg.Seed, uint64(200+s))))
		}
	}
	d.Train, d.Test = *splits[0], *splits[1]
	return d, truth, nil
}

// permuteWithinClass gives each image of the split the response (and,
// when trials is not nil, the trials) of a random image of its level-0
// class, every voxel together: a random permutation within each class,
// the classes drawn in order of first appearance.
func permuteWithinClass(sp *kay.Split, trials []float32, r *rand.Rand) {
	n, nv := sp.Responses.Rows, sp.Responses.Cols
	var classes []string
	members := map[string][]int{}
	for i, c := range sp.Labels.Level[0] {
		if _, ok := members[c]; !ok {
			classes = append(classes, c)
		}
		members[c] = append(members[c], i)
	}
	src := make([]int, n)
	for _, c := range classes {
		idx := members[c]
		for k, q := range r.Perm(len(idx)) {
			src[idx[k]] = idx[q]
		}
	}
	moveRows(sp.Responses.Data, src, nv)
	for t := 0; t < len(trials)/(n*nv); t++ {
		moveRows(trials[t*n*nv:(t+1)*n*nv], src, nv)
	}
}

// moveRows makes row i of the row-major rows (width nv) the former row
// src[i].
func moveRows[T float32 | float64](rows []T, src []int, nv int) {
	old := slices.Clone(rows)
	for i, j := range src {
		copy(rows[i*nv:(i+1)*nv], old[j*nv:(j+1)*nv])
	}
}

func classesOf(cs []Content) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Class
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// simulate draws the pictures and labels of one split and each voxel's
// noise-free energy and luminance drives (images x voxels) and painted content.
func simulate(cfg Config, vox []Voxel, split int, content, labelled []string, bar *progress.Bar) (*kay.Split, []float64, []float64, []Content) {
	n, px := len(content), cfg.Size*cfg.Size
	sp := &kay.Split{Stimuli: kay.Images{N: n, H: cfg.Size, W: cfg.Size, Pix: make([]float32, n*px)}}
	for l := range kay.Levels {
		sp.Labels.Level[l] = make([]string, n)
	}
	drive, lum := make([]float64, n*len(vox)), make([]float64, n*len(vox))
	contents := make([]Content, n)
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pyr := newPyramid(cfg.Size)
			energy := make([]float64, pyr.channels()*Grid*Grid)
			h := make([]float64, len(RFSizes)*Grid*Grid)
			pooled := make([]float64, pyr.channels()*len(RFSizes)*Grid*Grid)
			mean, pooledMean := make([]float64, Grid*Grid), make([]float64, len(RFSizes)*Grid*Grid)
			f := newFFT2(cfg.Size)
			for i := range next {
				r := imageRNG(cfg.Seed, split, i)
				lp := drawPath(labelled[i], r)
				cp := lp
				if content[i] != labelled[i] {
					cp = drawPath(content[i], r)
				}
				st := style(cfg.Seed, cp, r)
				img, cover := picture(cfg.Size, content[i], st, cfg.Look, r, f)
				copy(sp.Stimuli.Pix[i*px:], img)
				for l := range kay.Levels {
					sp.Labels.Level[l][i] = lp.names[l]
				}
				contents[i] = Content{Class: content[i], Style: st, Coverage: cover}
				pyr.energy(img, energy)
				poolRF(energy, pyr.channels(), h, pooled)
				blockMean(img, cfg.Size, mean)
				poolRF(mean, 1, h, pooledMean)
				row, lrow := drive[i*len(vox):], lum[i*len(vox):]
				for v := range vox {
					row[v] = vox[v].drive(pooled)
					lrow[v] = vox[v].luminance(pooledMean)
				}
				bar.Add(1)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return sp, drive, lum, contents
}

// blockMean averages an n x n image over Grid x Grid cells.
func blockMean(img []float32, n int, out []float64) {
	b := n / Grid
	clear(out)
	for y := range n {
		for x := range n {
			out[(y/b)*Grid+x/b] += float64(img[y*n+x]) / float64(b*b)
		}
	}
}

// noiseMix is a voxel's noise: its s.d. and the weights of the independent,
// brain-wide and smooth parts (each of unit variance).
type noiseMix struct{ sd, own, shared, smooth float64 }

func noiseOf(cfg Config, vx Voxel) noiseMix {
	roi := cfg.ROIs[vx.ROI-1]
	return noiseMix{sd: math.Sqrt((vx.Stimulus*vx.Stimulus + vx.Category*vx.Category) / vx.SNR),
		own: math.Sqrt(1 - roi.Shared - roi.Smooth), shared: math.Sqrt(roi.Shared) * vx.Shared, smooth: math.Sqrt(roi.Smooth)}
}

// trialSD is the s.d. of one trial's noise.
func (m noiseMix) trialSD() float64 {
	return m.sd * math.Sqrt(m.own*m.own+m.shared*m.shared+m.smooth*m.smooth)
}

// respond turns drives into z-scored BOLD responses. Each trial is the
// standardised energy drive plus the category component (computed from the
// painted content), plus noise at the voxel's per-trial SNR made of an
// independent part, a part shared by the whole brain and a part smooth over
// each ROI's retinotopic map; a response is the mean of the split's trials,
// z-scored over its images. It returns the trials when cfg.SaveRepeats.
func respond(cfg Config, vox []Voxel, splits [2]*kay.Split, drives, lums [2][]float64, contents [2][]Content) [2][]float32 {
	nv := len(vox)
	n := [2]int{splits[0].Stimuli.N, splits[1].Stimuli.N}
	// Drives standardised over training images, test with the same transform.
	mu, sd := columnStats(drives[0], n[0], nv)
	lmu, lsd := columnStats(lums[0], n[0], nv)
	cat := [2][]float64{}
	for s := range 2 {
		cat[s] = make([]float64, n[s]*nv)
		for i, c := range contents[s] {
			for v := range vox {
				cat[s][i*nv+v] = vox[v].categoryDrive(c, cfg.CategoryOnly)
			}
		}
	}
	cmu, csd := columnStats(cat[0], n[0], nv)
	field := newSmoothField(vox, len(cfg.ROIs))
	mix := make([]noiseMix, nv)
	for v, vx := range vox {
		mix[v] = noiseOf(cfg, vx)
	}
	var trials [2][]float32
	for s := range 2 {
		reps := cfg.Repeats[s]
		resp := make([]float64, n[s]*nv)
		if cfg.SaveRepeats {
			trials[s] = make([]float32, reps*n[s]*nv)
		}
		parallel.For(n[s], func(i int) {
			r := rand.New(rand.NewPCG(cfg.Seed^0x5eed, uint64(s)<<32|uint64(i)))
			sig := make([]float64, nv)
			for v, vx := range vox {
				k := i*nv + v
				sig[v] = vx.Stimulus*(drives[s][k]-mu[v])/sd[v] + vx.Luminance*(lums[s][k]-lmu[v])/lsd[v]
				if vx.Category != 0 {
					sig[v] += vx.Category * (cat[s][k] - cmu[v]) / csd[v]
				}
			}
			smooth := make([]float64, nv)
			for t := range reps {
				shared := r.NormFloat64()
				field.draw(r, smooth)
				for v, m := range mix {
					e := m.own*r.NormFloat64() + m.shared*shared + m.smooth*smooth[v]
					x := sig[v] + m.sd*e
					resp[i*nv+v] += x / float64(reps)
					if trials[s] != nil {
						trials[s][(t*n[s]+i)*nv+v] = float32(x)
					}
				}
			}
		})
		mu, sd := columnStats(resp, n[s], nv)
		zscoreWith(resp, n[s], nv, mu, sd)
		if trials[s] != nil {
			for t := range reps {
				for i := range n[s] {
					row := trials[s][(t*n[s]+i)*nv:][:nv]
					for v := range row {
						row[v] = float32((float64(row[v]) - mu[v]) / sd[v])
					}
				}
			}
		}
		splits[s].Responses = kay.Matrix{Rows: n[s], Cols: nv, Data: resp}
	}
	return trials
}

// categoryDrive is a voxel's noise-free category response to an image: its
// weight for the painted level-0 class (times classShare) plus its weights
// on the content's shape and texture parameters, scaled by the content's
// salience; a category-only brain keeps the class weight alone.
func (v *Voxel) categoryDrive(c Content, classOnly bool) float64 {
	k := indexOf(Level0Classes, c.Class)
	if classOnly {
		return v.CatWeights[k]
	}
	acc := classShare * v.CatWeights[k]
	for d, x := range c.Style {
		acc += 2 * (x - 0.5) * v.StyleWeights[k*styleDims+d]
	}
	return c.salience() * acc
}

// classShare scales the class part of the category drive against its
// graded part: the style part's variance (6 parameters, each 2(s-0.5) with
// s about uniform) is about 2, the class part's classShare^2 = 0.25, so most
// of a category-selective voxel's response varies within a class.
const classShare = 0.5

// smoothField draws, per trial and ROI, a random low-frequency field over
// the voxels' receptive-field positions (the retinotopic map): a sum of
// fieldTerms planar waves of at most 2 cycles per image, unit variance.
type smoothField struct {
	rois  int
	basis [][fieldTerms]float64 // per voxel: the cosine and sine terms
	roi   []int
}

const fieldTerms = 8

func newSmoothField(vox []Voxel, rois int) *smoothField {
	f := &smoothField{rois: rois, basis: make([][fieldTerms]float64, len(vox)), roi: make([]int, len(vox))}
	waves := [fieldTerms / 2][2]float64{{1, 0}, {0, 1}, {1, 1}, {2, -1}}
	for v, vx := range vox {
		f.roi[v] = vx.ROI - 1
		for k, w := range waves {
			ph := 2 * math.Pi * (w[0]*vx.X + w[1]*vx.Y)
			f.basis[v][2*k], f.basis[v][2*k+1] = math.Cos(ph), math.Sin(ph)
		}
	}
	return f
}

func (f *smoothField) draw(r *rand.Rand, out []float64) {
	coef := make([]float64, f.rois*fieldTerms)
	for i := range coef {
		coef[i] = r.NormFloat64() / math.Sqrt(fieldTerms/2)
	}
	for v, b := range f.basis {
		c := coef[f.roi[v]*fieldTerms:][:fieldTerms]
		var acc float64
		for k := range b {
			acc += c[k] * b[k]
		}
		out[v] = acc
	}
}

// columnStats returns each column's mean and s.d. (1 where the s.d. is 0).
func columnStats(m []float64, rows, cols int) ([]float64, []float64) {
	mu, sd := make([]float64, cols), make([]float64, cols)
	for i := range rows {
		for j, x := range m[i*cols : (i+1)*cols] {
			mu[j] += x
		}
	}
	for j := range mu {
		mu[j] /= float64(rows)
	}
	for i := range rows {
		for j, x := range m[i*cols : (i+1)*cols] {
			sd[j] += (x - mu[j]) * (x - mu[j])
		}
	}
	for j := range sd {
		sd[j] = math.Sqrt(sd[j] / float64(rows))
		if sd[j] == 0 {
			sd[j] = 1
		}
	}
	return mu, sd
}

func zscoreWith(m []float64, rows, cols int, mu, sd []float64) {
	for i := range rows {
		row := m[i*cols : (i+1)*cols]
		for j := range row {
			row[j] = (row[j] - mu[j]) / sd[j]
		}
	}
}

// Write generates cfg and writes the NMA files plus synth_truth.npz into dir.
func Write(dir string, cfg Config, progressOut io.Writer) (*kay.Dataset, *Truth, error) {
	d, t, err := Generate(cfg, progressOut)
	if err != nil {
		return nil, nil, err
	}
	if err := kay.Save(dir, d); err != nil {
		return nil, nil, err
	}
	if cfg.SaveRepeats {
		err := kay.SaveRepeats(dir, t.Repeats[0], t.Repeats[1], cfg.Repeats, [2]int{d.Train.Stimuli.N, d.Test.Stimuli.N}, d.Voxels())
		if err != nil {
			return nil, nil, err
		}
	}
	if err := t.save(filepath.Join(dir, TruthFile)); err != nil {
		return nil, nil, err
	}
	d.Dir = dir
	return d, t, nil
}

func (t *Truth) save(path string) error {
	nv := len(t.Voxels)
	col := func(f func(v Voxel) float64) npfile.Array {
		out := make([]float64, nv)
		for i, v := range t.Voxels {
			out[i] = f(v)
		}
		return npfile.Array{Shape: []int{nv}, Data: out}
	}
	mat := func(f func(v Voxel) []float64, k int) npfile.Array {
		out := make([]float64, 0, nv*k)
		for _, v := range t.Voxels {
			out = append(out, f(v)...)
		}
		return npfile.Array{Shape: []int{nv, k}, Data: out}
	}
	cfg, err := json.Marshal(t.Config)
	if err != nil {
		return err
	}
	sizes := make([]float64, nv)
	for i, v := range t.Voxels {
		sizes[i] = RFSizes[v.SizeIdx]
	}
	e := func(k string, a npfile.Array) npfile.Entry { return npfile.Entry{Key: k, Array: a} }
	return npfile.WriteNPZ(path,
		e("rf_x", col(func(v Voxel) float64 { return v.X })),
		e("rf_y", col(func(v Voxel) float64 { return v.Y })),
		e("rf_sigma", npfile.Array{Shape: []int{nv}, Data: sizes}),
		e("sf_pref_log2_cpi", col(func(v Voxel) float64 { return v.SFPref })),
		e("sf_bandwidth_octaves", col(func(v Voxel) float64 { return v.SFBand })),
		e("ori_pref_rad", col(func(v Voxel) float64 { return v.OriPref })),
		e("ori_kappa", col(func(v Voxel) float64 { return v.OriKappa })),
		e("stimulus_weight", col(func(v Voxel) float64 { return v.Stimulus })),
		e("luminance_weight", col(func(v Voxel) float64 { return v.Luminance })),
		e("category_weight", col(func(v Voxel) float64 { return v.Category })),
		e("snr_per_trial", col(func(v Voxel) float64 { return v.SNR })),
		e("level0_weights", mat(func(v Voxel) []float64 { return v.CatWeights }, len(Level0Classes))),
		e("style_weights", mat(func(v Voxel) []float64 { return v.StyleWeights }, len(Level0Classes)*styleDims)),
		e("shared_noise_loading", col(func(v Voxel) float64 { return v.Shared })),
		e("level0_classes", npfile.Array{Shape: []int{len(Level0Classes)}, Data: Level0Classes}),
		e("train_style", styles(t.Train)), e("test_style", styles(t.Test)),
		e("train_coverage", coverages(t.Train)), e("test_coverage", coverages(t.Test)),
		e("train_content_class", npfile.Array{Shape: []int{len(t.Train)}, Data: classesOf(t.Train)}),
		e("test_content_class", npfile.Array{Shape: []int{len(t.Test)}, Data: classesOf(t.Test)}),
		e("frequencies_cpi", npfile.Array{Shape: []int{len(t.Frequencies)}, Data: t.Frequencies}),
		e(driveStatKeys[0], npfile.Array{Shape: []int{nv}, Data: t.DriveStats[0]}),
		e(driveStatKeys[1], npfile.Array{Shape: []int{nv}, Data: t.DriveStats[1]}),
		e(driveStatKeys[2], npfile.Array{Shape: []int{nv}, Data: t.DriveStats[2]}),
		e(driveStatKeys[3], npfile.Array{Shape: []int{nv}, Data: t.DriveStats[3]}),
		e("config_json", npfile.Array{Shape: []int{1}, Data: []string{string(cfg)}}),
	)
}

// driveStatKeys name Truth.DriveStats in the TruthFile.
var driveStatKeys = [4]string{"train_drive_mean", "train_drive_sd", "train_luminance_mean", "train_luminance_sd"}

func styles(cs []Content) npfile.Array {
	out := make([]float64, 0, len(cs)*styleDims)
	for _, c := range cs {
		out = append(out, c.Style[:]...)
	}
	return npfile.Array{Shape: []int{len(cs), styleDims}, Data: out}
}

func coverages(cs []Content) npfile.Array {
	out := make([]float64, len(cs))
	for i, c := range cs {
		out[i] = c.Coverage
	}
	return npfile.Array{Shape: []int{len(cs)}, Data: out}
}

// Version changes whenever the generator's output changes, so cached
// datasets from older generators are not reused.
const Version = "v5"

// DataDirEnv names a dataset folder for the CLI and notebooks.
const DataDirEnv = "DT_DATA_DIR"

// EnsureDefault returns the folder of the embedded default dataset (the quick
// profile, seed 1), generating it under cacheRoot on first use.
func EnsureDefault(cacheRoot string, progressOut io.Writer) (string, error) {
	return Ensure(cacheRoot, "quick", 1, progressOut)
}

// Ensure returns the folder of a profile's dataset for seed under
// cacheRoot/synth, generating it on first use: into a temporary folder
// renamed into place, so an interrupted generation leaves nothing that
// looks finished.
func Ensure(cacheRoot, profile string, seed uint64, progressOut io.Writer) (string, error) {
	dir := filepath.Join(cacheRoot, "synth", fmt.Sprintf("%s-seed%d-%s", profile, seed, Version))
	if IsSynthetic(dir) {
		return dir, nil
	}
	cfg, err := Profile(profile, seed)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	tmp, done, err := atomicfile.TempDir(filepath.Dir(dir), filepath.Base(dir))
	if err != nil {
		return "", err
	}
	defer done()
	defer os.RemoveAll(tmp)
	if progressOut != nil {
		fmt.Fprintf(progressOut, "generating the synthetic %s profile (seed %d) into %s\n", profile, seed, dir)
	}
	if _, _, err := Write(tmp, cfg, progressOut); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if IsSynthetic(dir) {
			return dir, nil // another process made it first
		}
		return "", err
	}
	return dir, nil
}

// ResolveDataDir picks the dataset folder: dir if given, else the embedded
// default (generated on first use). The CLI and the notebooks pass
// $DT_DATA_DIR (DataDirEnv) as dir when it is set.
func ResolveDataDir(dir, cacheRoot string, progressOut io.Writer) (string, error) {
	if dir != "" {
		return dir, nil
	}
	return EnsureDefault(cacheRoot, progressOut)
}
