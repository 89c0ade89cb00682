package kay

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// File names of the NMA packaging.
const (
	ImagesFile    = "kay_images.npz"
	LabelsFile    = "kay_labels.npy"
	ValLabelsFile = "kay_labels_val.npy"
)

// Levels is the depth of the label hierarchy.
const Levels = 4

// ROINames are the region names of the real dataset, indexed by roi value.
var ROINames = []string{"Other", "V1", "V2", "V3", "V3A", "V3B", "V4", "LatOcc"}

// Images is a stack of grayscale images, row-major (N,H,W).
type Images struct {
	N, H, W int
	Pix     []float32
}

// At returns image i as a slice of H*W pixels (shared, not copied).
func (im Images) At(i int) []float32 { return im.Pix[i*im.H*im.W : (i+1)*im.H*im.W] }

// Matrix is a dense row-major float64 matrix.
type Matrix struct {
	Rows, Cols int
	Data       []float64
}

// Row returns row i (shared, not copied).
func (m Matrix) Row(i int) []float64 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// Labels holds the label hierarchy of one split: Level[l][i] is the level-l
// label of image i.
type Labels struct {
	Level [Levels][]string
}

// N is the number of images labelled.
func (l Labels) N() int { return len(l.Level[0]) }

// Split is one half of the dataset (training or test).
type Split struct {
	Stimuli   Images
	Responses Matrix // (N, voxels) z-scored BOLD
	Labels    Labels
}

// Dataset is the whole Kay dataset.
type Dataset struct {
	Dir      string
	Train    Split
	Test     Split
	ROI      []int64  // region index of each voxel, into ROINames
	ROINames []string // as stored in the file
}

// Voxels is the number of voxels.
func (d *Dataset) Voxels() int { return len(d.ROI) }

// ROIVoxelCounts returns how many voxels each ROI holds, indexed like ROINames.
func (d *Dataset) ROIVoxelCounts() []int {
	counts := make([]int, len(d.ROINames))
	for _, r := range d.ROI {
		counts[r]++
	}
	return counts
}

// Areas are the visual areas that hold voxels: the names of ROINames
// after its first ("Other"), in order, without those no voxel belongs to
// (a data set cut down to some areas keeps every name). The per-area
// analyses run over these.
func (d *Dataset) Areas() []string {
	counts := d.ROIVoxelCounts()
	var out []string
	for r := 1; r < len(d.ROINames); r++ {
		if counts[r] > 0 {
			out = append(out, d.ROINames[r])
		}
	}
	return out
}

// Fingerprint identifies the dataset's files (path, size and modification
// time of each), so cached results computed from them can be recognised.
func (d *Dataset) Fingerprint() string {
	var b strings.Builder
	for _, f := range []string{ImagesFile, LabelsFile, ValLabelsFile} {
		p := filepath.Join(d.Dir, f)
		if st, err := os.Stat(p); err == nil {
			fmt.Fprintf(&b, "%s %d %d\n", p, st.Size(), st.ModTime().UnixNano())
		}
	}
	return b.String()
}
