package synth

import (
	"encoding/json"
	"fmt"
	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

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
	Config       Config
	Voxels       []Voxel
	TrainContent []string // level-0 class that drew each training image
	TestContent  []string
	Frequencies  []float64
}

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
	var drives [2][]float64
	var paths [2][]path
	for s, counts := range []map[string]int{cfg.TrainCounts, cfg.TestCounts} {
		r := rand.New(rand.NewPCG(cfg.Seed, uint64(100+s)))
		content := classList(counts, r)
		labelled := content
		if cfg.Null {
			// Labels independent of everything the data holds.
			labelled = slices.Clone(content)
			r.Shuffle(len(labelled), func(i, j int) { labelled[i], labelled[j] = labelled[j], labelled[i] })
		}
		split, drive, ps := simulate(cfg, truth.Voxels, s, content, labelled, bar)
		splits[s], drives[s], paths[s] = split, drive, ps
		if s == 0 {
			truth.TrainContent = content
		} else {
			truth.TestContent = content
		}
	}
	respond(cfg, truth.Voxels, splits, drives, paths)
	d.Train, d.Test = *splits[0], *splits[1]
	return d, truth, nil
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// simulate draws the pictures and labels of one split and each voxel's
// noise-free energy drive (images x voxels).
func simulate(cfg Config, vox []Voxel, split int, content, labelled []string, bar *progress.Bar) (*kay.Split, []float64, []path) {
	n, px := len(content), cfg.Size*cfg.Size
	sp := &kay.Split{Stimuli: kay.Images{N: n, H: cfg.Size, W: cfg.Size, Pix: make([]float32, n*px)}}
	for l := range kay.Levels {
		sp.Labels.Level[l] = make([]string, n)
	}
	drive := make([]float64, n*len(vox))
	paths := make([]path, n)
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
			f := newFFT2(cfg.Size)
			for i := range next {
				r := imageRNG(cfg.Seed, split, i)
				lp := drawPath(labelled[i], r)
				cp := lp
				if content[i] != labelled[i] {
					cp = drawPath(content[i], r)
				}
				img := picture(cfg.Size, content[i], style(cfg.Seed, cp, r), r, f)
				copy(sp.Stimuli.Pix[i*px:], img)
				for l := range kay.Levels {
					sp.Labels.Level[l][i] = lp.names[l]
				}
				paths[i] = lp
				pyr.energy(img, energy)
				poolRF(energy, pyr.channels(), h, pooled)
				row := drive[i*len(vox):]
				for v := range vox {
					row[v] = vox[v].drive(pooled)
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
	return sp, drive, paths
}

// respond turns drives into z-scored BOLD responses: standardised energy
// drive plus the category component, plus noise at each voxel's SNR.
func respond(cfg Config, vox []Voxel, splits [2]*kay.Split, drives [2][]float64, paths [2][]path) {
	nv := len(vox)
	n := [2]int{splits[0].Stimuli.N, splits[1].Stimuli.N}
	// Energy drive standardised over training images, test with the same transform.
	mu, sd := columnStats(drives[0], n[0], nv)
	cat := [2][]float64{}
	for s := range 2 {
		cat[s] = make([]float64, n[s]*nv)
		for i := range n[s] {
			c0 := indexOf(Level0Classes, paths[s][i].names[0])
			c1 := indexOf(level1Names, paths[s][i].names[1])
			for v := range vox {
				cat[s][i*nv+v] = vox[v].CatWeights[c0] + vox[v].SubWeights[c1]
			}
		}
	}
	cmu, csd := columnStats(cat[0], n[0], nv)
	for s := range 2 {
		resp := make([]float64, n[s]*nv)
		for i := range n[s] {
			r := rand.New(rand.NewPCG(cfg.Seed^0x5eed, uint64(s)<<32|uint64(i)))
			for v, vx := range vox {
				k := i*nv + v
				sig := vx.Stimulus * (drives[s][k] - mu[v]) / sd[v]
				if vx.Category != 0 {
					sig += vx.Category * (cat[s][k] - cmu[v]) / csd[v]
				}
				noise := math.Sqrt((vx.Stimulus*vx.Stimulus + vx.Category*vx.Category) / vx.SNR)
				resp[k] = sig + noise*r.NormFloat64()
			}
		}
		zscore(resp, n[s], nv)
		splits[s].Responses = kay.Matrix{Rows: n[s], Cols: nv, Data: resp}
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

func zscore(m []float64, rows, cols int) {
	mu, sd := columnStats(m, rows, cols)
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
		e("category_weight", col(func(v Voxel) float64 { return v.Category })),
		e("snr", col(func(v Voxel) float64 { return v.SNR })),
		e("level0_weights", mat(func(v Voxel) []float64 { return v.CatWeights }, len(Level0Classes))),
		e("level1_weights", mat(func(v Voxel) []float64 { return v.SubWeights }, len(level1Names))),
		e("level0_classes", npfile.Array{Shape: []int{len(Level0Classes)}, Data: Level0Classes}),
		e("level1_classes", npfile.Array{Shape: []int{len(level1Names)}, Data: level1Names}),
		e("train_content_class", npfile.Array{Shape: []int{len(t.TrainContent)}, Data: t.TrainContent}),
		e("test_content_class", npfile.Array{Shape: []int{len(t.TestContent)}, Data: t.TestContent}),
		e("frequencies_cpi", npfile.Array{Shape: []int{len(t.Frequencies)}, Data: t.Frequencies}),
		e("config_json", npfile.Array{Shape: []int{1}, Data: []string{string(cfg)}}),
	)
}

// Version changes whenever the generator's output changes, so cached
// datasets from older generators are not reused.
const Version = "v1"

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
