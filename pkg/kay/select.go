package kay

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// DefaultIgnore is the original study's ignore list: level-0 classes too rare
// (or too unlike the rest) to classify.
var DefaultIgnore = map[int][]string{0: {"person", "fungus", "fruit", "plant", "entity"}}

// DefaultROIs are the visual areas the decoder reads: V1..LatOcc (not Other).
var DefaultROIs = []int{1, 2, 3, 4, 5, 6, 7}

// Filter says which images, classes and voxels a model sees.
type Filter struct {
	Level  int              `json:"level"`  // label level whose classes are the targets (0 = coarse)
	Ignore map[int][]string `json:"ignore"` // level -> class names whose images are dropped
	ROIs   []int            `json:"rois"`   // roi values whose voxels are kept; nil keeps all
}

// DefaultFilter is the original study's: level-0 classes, the default ignore
// list, ROIs 1..7.
func DefaultFilter() Filter {
	return Filter{Level: 0, Ignore: DefaultIgnore, ROIs: DefaultROIs}
}

// Selection is the result of applying a Filter to a dataset.
type Selection struct {
	Filter  Filter
	Classes []string // sorted class names; a class's index is its position
	Train   Subset
	Test    Subset
	Voxels  []int // kept voxel indices, ascending
}

// Subset is the kept part of one split.
type Subset struct {
	Index []int // image indices into the split, ascending
	Y     []int // class index of each kept image
}

// Select applies f. Classes are those left in the training split after the
// ignore list, in sorted order (animal=0, artifact=1, geological formation=2
// for the default filter); test images of classes unseen in training are an
// error, since nothing could predict them.
func (d *Dataset) Select(f Filter) (*Selection, error) {
	if f.Level < 0 || f.Level >= Levels {
		return nil, fmt.Errorf("label level %d out of range 0..%d", f.Level, Levels-1)
	}
	for lev := range f.Ignore {
		if lev < 0 || lev >= Levels {
			return nil, fmt.Errorf("ignore list names label level %d, want 0..%d", lev, Levels-1)
		}
	}
	s := &Selection{Filter: f}
	// A dataset of images and labels alone (no voxels) selects no voxels
	// when none are asked for.
	if len(d.ROI) > 0 || f.ROIs != nil {
		voxels, err := d.VoxelsOf(f.ROIs)
		if err != nil {
			return nil, err
		}
		s.Voxels = voxels
	}
	var err error
	trainIdx := keep(d.Train.Labels, f.Ignore)
	s.Classes = uniqueSorted(d.Train.Labels.Level[f.Level], trainIdx)
	if len(s.Classes) < 2 {
		return nil, fmt.Errorf("level %d: %d class(es) left after the ignore list, need at least 2", f.Level, len(s.Classes))
	}
	if s.Train, err = subset(d.Train.Labels, f, trainIdx, s.Classes, "train"); err != nil {
		return nil, err
	}
	if s.Test, err = subset(d.Test.Labels, f, keep(d.Test.Labels, f.Ignore), s.Classes, "test"); err != nil {
		return nil, err
	}
	return s, nil
}

// VoxelsOf returns the indices of the voxels whose roi value is in rois, in
// ascending order (nil rois: all voxels).
func (d *Dataset) VoxelsOf(rois []int) ([]int, error) {
	for _, r := range rois {
		if r < 0 || r >= len(d.ROINames) {
			return nil, fmt.Errorf("ROI %d out of range 0..%d (%v)", r, len(d.ROINames)-1, d.ROINames)
		}
	}
	var out []int
	for v, r := range d.ROI {
		if rois == nil || slices.Contains(rois, int(r)) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		if rois == nil {
			return nil, fmt.Errorf("%s: no voxels", d.Dir)
		}
		var names []string
		for _, r := range rois {
			names = append(names, d.ROINames[r])
		}
		return nil, fmt.Errorf("%s: no voxel of %s (key \"roi\" holds no value %v)", d.Dir, strings.Join(names, ", "), rois)
	}
	return out, nil
}

// ROIVoxels returns the indices of a named region's voxels ("V1", ...).
func (d *Dataset) ROIVoxels(name string) ([]int, error) {
	r, err := d.ROIIndex(name)
	if err != nil {
		return nil, err
	}
	return d.VoxelsOf([]int{r})
}

// ROIIndex returns the roi value of a region name such as "V1".
func (d *Dataset) ROIIndex(name string) (int, error) {
	i := slices.Index(d.ROINames, name)
	if i < 0 {
		return 0, fmt.Errorf("unknown ROI %q, have %v", name, d.ROINames)
	}
	return i, nil
}

func keep(l Labels, ignore map[int][]string) []int {
	var idx []int
outer:
	for i := range l.N() {
		for lev, names := range ignore {
			if slices.Contains(names, l.Level[lev][i]) {
				continue outer
			}
		}
		idx = append(idx, i)
	}
	return idx
}

func uniqueSorted(names []string, idx []int) []string {
	set := map[string]bool{}
	for _, i := range idx {
		set[names[i]] = true
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func subset(l Labels, f Filter, idx []int, classes []string, split string) (Subset, error) {
	s := Subset{Index: idx, Y: make([]int, len(idx))}
	for k, i := range idx {
		c, ok := slices.BinarySearch(classes, l.Level[f.Level][i])
		if !ok {
			return Subset{}, fmt.Errorf("%s image %d has level-%d class %q, absent from training", split, i, f.Level, l.Level[f.Level][i])
		}
		s.Y[k] = c
	}
	return s, nil
}

// ClassCounts counts the images of each class in a subset.
func (s *Selection) ClassCounts(sub Subset) []int {
	counts := make([]int, len(s.Classes))
	for _, y := range sub.Y {
		counts[y]++
	}
	return counts
}

// Rows gathers the selected voxels of the selected images of a split into a
// new (len(sub.Index), len(s.Voxels)) matrix, as float32 for the models.
func (s *Selection) Rows(m Matrix, sub Subset) ([]float32, int, int) {
	out := make([]float32, len(sub.Index)*len(s.Voxels))
	for k, i := range sub.Index {
		row := m.Row(i)
		dst := out[k*len(s.Voxels):]
		for j, v := range s.Voxels {
			dst[j] = float32(row[v])
		}
	}
	return out, len(sub.Index), len(s.Voxels)
}

// Counts tallies how many images carry each label of one level.
func (l Labels) Counts(level int) map[string]int {
	c := map[string]int{}
	for _, n := range l.Level[level] {
		c[n]++
	}
	return c
}

// Table lists the class map: index, name, training and test counts.
func (s *Selection) Table() string {
	var b strings.Builder
	tr, te := s.ClassCounts(s.Train), s.ClassCounts(s.Test)
	fmt.Fprintf(&b, "%-5s %-22s %6s %5s\n", "class", "name", "train", "test")
	for c, name := range s.Classes {
		fmt.Fprintf(&b, "%-5d %-22s %6d %5d\n", c, name, tr[c], te[c])
	}
	fmt.Fprintf(&b, "%-5s %-22s %6d %5d\n", "", "total", len(s.Train.Y), len(s.Test.Y))
	return b.String()
}
