package kay

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"slices"

	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// RepeatsFile optionally sits beside the NMA files with every trial of each
// image: in the experiment the training images were shown twice and the test
// images 13 times, and the NMA responses are the means. The simulator writes
// it (synth --repeats); noise ceilings need it.
const RepeatsFile = "kay_repeats.npz"

// Repeats are per-trial responses, trials x images x voxels, on the scale of
// the NMA responses (each image's mean over trials is its NMA response).
type Repeats struct {
	Trials [2]int // trials per image: training, test
	Train  []float32
	Test   []float32
}

// Trial returns trial t of image i in split s (0 training, 1 test).
func (r *Repeats) Trial(s, t, i, voxels int) []float32 {
	data, n := r.Train, len(r.Train)/(r.Trials[0]*voxels)
	if s == 1 {
		data, n = r.Test, len(r.Test)/(r.Trials[1]*voxels)
	}
	return data[(t*n+i)*voxels:][:voxels]
}

// SaveRepeats writes per-trial responses (trials x images x voxels) into dir.
func SaveRepeats(dir string, train, test []float32, trials [2]int, images [2]int, voxels int) error {
	return npfile.WriteNPZ(filepath.Join(dir, RepeatsFile),
		npfile.Entry{Key: "responses_repeats", Array: npfile.Array{Shape: []int{trials[0], images[0], voxels}, Data: train}},
		npfile.Entry{Key: "responses_test_repeats", Array: npfile.Array{Shape: []int{trials[1], images[1], voxels}, Data: test}},
	)
}

// LoadRepeats reads d's per-trial responses; it returns nil and no error
// when the folder has none. The trials must match the dataset's images and
// voxels, and their means its responses.
func (d *Dataset) LoadRepeats() (*Repeats, error) {
	path := filepath.Join(d.Dir, RepeatsFile)
	z, err := npfile.OpenNPZ(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer z.Close()
	r := &Repeats{}
	for s, key := range []string{"responses_repeats", "responses_test_repeats"} {
		split := []Split{d.Train, d.Test}[s]
		// The shape is checked from the header, before the data are inflated.
		h, err := z.Header(key)
		if err != nil {
			return nil, err
		}
		if h.Kind() != "f4" || len(h.Shape) != 3 || h.Shape[0] < 1 || h.Shape[1] != split.Responses.Rows || h.Shape[2] != split.Responses.Cols {
			return nil, fmt.Errorf("%s: key %q is %s, want float32 (trials, %d, %d)", path, key, h.Describe(), split.Responses.Rows, split.Responses.Cols)
		}
		a, err := z.Read(key)
		if err != nil {
			return nil, err
		}
		data, ok := a.Data.([]float32)
		if !ok || !slices.Equal(a.Shape, h.Shape) {
			return nil, fmt.Errorf("%s: key %q: the header read %s, the array %s: the file changed while being read", path, key, h.Describe(), a.Describe())
		}
		r.Trials[s] = a.Shape[0]
		if s == 0 {
			r.Train = data
		} else {
			r.Test = data
		}
		// The mean over trials must be the NMA response (float32 rounding aside).
		for i := range split.Responses.Rows {
			for v, want := range split.Responses.Row(i) {
				var m float64
				for t := range r.Trials[s] {
					m += float64(r.Trial(s, t, i, split.Responses.Cols)[v])
				}
				if m /= float64(r.Trials[s]); math.Abs(m-want) > 1e-4*(1+math.Abs(want)) || math.IsNaN(m) {
					return nil, fmt.Errorf("%s: key %q: the mean of image %d's trials at voxel %d is %g, but the response is %g", path, key, i, v, m, want)
				}
			}
		}
	}
	return r, nil
}
