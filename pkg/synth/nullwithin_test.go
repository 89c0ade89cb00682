package synth_test

import (
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// TestNullWithinClass: on the tiny profile (made clean, so that the
// planted stimulus structure stands above the noise), NullWithinClass
// leaves the images and labels as they are and, in each split, gives each
// class the same set of responses as the unpermuted dataset of the same
// seed (rows equal as a multiset, hence the same class-mean patterns), each
// image's trials moving with its response; but the responses no longer
// belong to their images: the within-class Spearman between the test
// images' Gabor-energy RSM (what drives the simulated voxels) and the
// voxel-pattern RSM falls from clearly positive to about 0. The truth
// file's configuration records it, and Validate refuses it with Null or
// CategoryOnly.
func TestNullWithinClass(t *testing.T) {
	cfg, _ := synth.Profile("tiny", 2)
	cfg = cfg.Clean(1)
	plain, plainTruth, err := synth.Generate(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.NullWithinClass = true
	dir := t.TempDir()
	null, nullTruth, err := synth.Write(dir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for s, sp := range []struct {
		name        string
		plain, null kay.Split
	}{{"train", plain.Train, null.Train}, {"test", plain.Test, null.Test}} {
		if !slices.Equal(sp.plain.Stimuli.Pix, sp.null.Stimuli.Pix) || !slices.Equal(sp.plain.Labels.Level[0], sp.null.Labels.Level[0]) {
			t.Fatalf("%s: images or labels changed", sp.name)
		}
		checkPermutedWithinClass(t, sp.name, sp.plain, sp.null, plainTruth.Repeats[s], nullTruth.Repeats[s])
	}

	// the test images' Gabor-energy RSM against the voxel-pattern RSM,
	// within classes
	imgs := make([][]float32, plain.Test.Stimuli.N)
	for i := range imgs {
		imgs[i] = plain.Test.Stimuli.At(i)
	}
	var gabor rsa.Patterns
	for _, e := range synth.GaborEnergy(imgs, plain.Test.Stimuli.H) {
		gabor.X = append(gabor.X, e...)
		gabor.N, gabor.D = gabor.N+1, len(e)
	}
	mg, err := rsa.CorrelationDistance(gabor)
	if err != nil {
		t.Fatal(err)
	}
	mg.Labels = classIndex(plain.Test.Labels.Level[0])
	within := func(sp kay.Split) float64 {
		p := rsa.Patterns{N: sp.Responses.Rows, D: sp.Responses.Cols}
		for _, v := range sp.Responses.Data {
			p.X = append(p.X, float32(v))
		}
		mb, err := rsa.CorrelationDistance(p)
		if err != nil {
			t.Fatal(err)
		}
		rho, err := rsa.Compare(mg, mb, rsa.WithinClassSpearman)
		if err != nil {
			t.Fatal(err)
		}
		return rho
	}
	wPlain, wNull := within(plain.Test), within(null.Test)
	t.Logf("test images: within-class Spearman of the Gabor-energy RSM with the voxel RSM: %.3f, with the within-class null's %.3f", wPlain, wNull)
	if wPlain < 0.3 || math.Abs(wNull) > 0.15 {
		t.Errorf("within-class Spearman with the Gabor-energy RSM: %.3f unpermuted (want > 0.3), %.3f permuted within classes (want about 0, |.| < 0.15)", wPlain, wNull)
	}

	z, err := npfile.OpenNPZ(filepath.Join(dir, synth.TruthFile))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	js, err := z.Read("config_json")
	if err != nil {
		t.Fatal(err)
	}
	if s := js.Data.([]string)[0]; !strings.Contains(s, `"NullWithinClass":true`) {
		t.Errorf("truth file's configuration %s does not record the within-class null", s)
	}
	for _, bad := range []func(*synth.Config){func(c *synth.Config) { c.Null = true }, func(c *synth.Config) { c.CategoryOnly = true }} {
		c := cfg
		bad(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "null-within-class together") {
			t.Errorf("null-within-class with null %v, category-only %v: %v", c.Null, c.CategoryOnly, err)
		}
	}
}

// checkPermutedWithinClass asserts that null's responses are plain's moved
// within classes: every response of null is plain's response of an image
// of the same class, each used once, the trials moved with it (trials:
// repeats x images x voxels), the class means equal, and most images of
// classes with more than one image given another image's response.
func checkPermutedWithinClass(t *testing.T, name string, plain, null kay.Split, plainTrials, nullTrials []float32) {
	t.Helper()
	n, nv := plain.Responses.Rows, plain.Responses.Cols
	labels := plain.Labels.Level[0]
	byRow := map[string][]int{} // class and exact response -> plain's images
	key := func(c string, row []float64) string {
		var b strings.Builder
		b.WriteString(c)
		for _, v := range row {
			b.WriteString(":")
			b.WriteString(strconv.FormatFloat(v, 'x', -1, 64))
		}
		return b.String()
	}
	for i := range n {
		k := key(labels[i], plain.Responses.Row(i))
		byRow[k] = append(byRow[k], i)
	}
	moved, movable := 0, 0
	size := map[string]int{}
	for _, c := range labels {
		size[c]++
	}
	reps := len(plainTrials) / (n * nv)
	for i := range n {
		k := key(labels[i], null.Responses.Row(i))
		src := byRow[k]
		if len(src) == 0 {
			t.Fatalf("%s: image %d's response is no response of its class (%s) in the unpermuted dataset", name, i, labels[i])
		}
		j := src[0]
		byRow[k] = src[1:]
		if size[labels[i]] > 1 {
			movable++
			if j != i {
				moved++
			}
		}
		for r := range reps {
			a := plainTrials[(r*n+j)*nv:][:nv]
			b := nullTrials[(r*n+i)*nv:][:nv]
			if !slices.Equal(a, b) {
				t.Fatalf("%s: image %d's trial %d is not the trial of the image whose response it got (%d)", name, i, r, j)
			}
		}
	}
	if len(plainTrials) != len(nullTrials) {
		t.Errorf("%s: %d trial values unpermuted, %d permuted", name, len(plainTrials), len(nullTrials))
	}
	for c := range size {
		mp, mn := classMean(plain, c), classMean(null, c)
		for v := range mp {
			if math.Abs(mp[v]-mn[v]) > 1e-9 {
				t.Fatalf("%s: class %s's mean pattern changed at voxel %d: %v, %v", name, c, v, mp[v], mn[v])
			}
		}
	}
	t.Logf("%s: %d of %d images in classes of 2 or more got another image's response", name, moved, movable)
	if moved < movable*3/4 {
		t.Errorf("%s: only %d of %d images got another image's response", name, moved, movable)
	}
}

func classMean(sp kay.Split, c string) []float64 {
	out := make([]float64, sp.Responses.Cols)
	k := 0
	for i, l := range sp.Labels.Level[0] {
		if l != c {
			continue
		}
		k++
		for v, x := range sp.Responses.Row(i) {
			out[v] += x
		}
	}
	for v := range out {
		out[v] /= float64(k)
	}
	return out
}

// classIndex numbers the classes in order of first appearance.
func classIndex(labels []string) []int {
	id := map[string]int{}
	out := make([]int, len(labels))
	for i, c := range labels {
		if _, ok := id[c]; !ok {
			id[c] = len(id)
		}
		out[i] = id[c]
	}
	return out
}
