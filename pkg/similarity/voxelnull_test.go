package similarity

import (
	"io"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// TestVoxelBrainSideCalibration calibrates the study's voxels brain side
// (rsm_corr_voxels: the test patterns of the decoder's voxels that are
// reliable on the training images, the encoding stage's selection, against
// a model's RSM, every permutation stratified by class as the study tests)
// on simulated subjects against the Gabor-energy model of the same images.
//
// Nulls, 24 subjects each, at most 4 rejections at 5% (P(X >= 5) = 0.008
// for Binomial(24, 0.05)), for the within-class and partial tests:
//   - null within classes (--null-within-class): each class keeps its
//     responses, shuffled among its images with their trials, so the
//     voxels stay reliable and the class structure stays, while nothing
//     within a class belongs to its image;
//   - category-only: every voxel carries only its class's signal, so the
//     reliable voxels are class-driven and nothing within a class is
//     image-driven.
//
// --null is not a null of this side: it removes the category component and
// the labels' link to the data, but the voxels still respond to their
// images, so an image model's RSM is truly related to theirs (measured:
// every test rejects in 24 of 24 subjects). It is the decoder side's null.
//
// Power: the same subjects unshuffled (the planted simulator, whose early
// areas see local image energy) reject within classes in at least 20 of 24.
// Every subject is made clean (per-trial SNR 0.3): the shuffled responses
// then carry the most image structure, the hard case for the nulls.
func TestVoxelBrainSideCalibration(t *testing.T) {
	if testing.Short() {
		t.Skip("72 simulated subjects through the encoding stage: about 4.5 minutes on 2 cores")
	}
	const subjects = 24
	cases := []struct {
		name  string
		set   func(*synth.Config)
		tests []rsa.Method
		null  bool
	}{
		{"null within classes", func(c *synth.Config) { c.NullWithinClass = true }, []rsa.Method{rsa.WithinClassSpearman, rsa.PartialSpearmanCategory}, true},
		{"category-only", func(c *synth.Config) { c.CategoryOnly = true }, []rsa.Method{rsa.WithinClassSpearman, rsa.PartialSpearmanCategory}, true},
		{"planted", func(*synth.Config) {}, []rsa.Method{rsa.WithinClassSpearman}, false},
	}
	for _, c := range cases {
		rejected := map[rsa.Method]int{}
		for s := range subjects {
			sim, _ := synth.Profile("quick", uint64(300+s))
			sim.Size = 64 // faster; neither the nulls nor the planted energy depend on it
			sim = sim.Clean(0.3)
			c.set(&sim)
			d, _, err := synth.Write(t.TempDir(), sim, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d, err = kay.Load(d.Dir); err != nil { // as the study reads it: the trial file too
				t.Fatal(err)
			}
			sel, err := d.Select(kay.DefaultFilter())
			if err != nil {
				t.Fatal(err)
			}
			enc, err := encoding.Run(d, encoding.DefaultOptions(), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			vox, _ := enc.Reliability.ReliableOf(sel.Voxels, encoding.MinReliable)
			reliable := *sel
			reliable.Voxels = vox
			pooled, err := Pooled(d, &reliable)
			if err != nil {
				t.Fatal(err)
			}
			brain, err := Build(pooled, len(sel.Classes))
			if err != nil {
				t.Fatal(err)
			}
			model, err := Build(gaborModel(d, sel), len(sel.Classes))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range c.tests {
				inf, err := rsa.Test(brain.Image, model.Image, m, rsa.TestConfig{Permutations: 399, Seed: uint64(11 + s), Stratify: true})
				if err != nil {
					t.Fatal(err)
				}
				if inf.PValue < 0.05 {
					rejected[m]++
				}
			}
		}
		t.Logf("%s: rejections at 5%% of %d subjects: %v", c.name, subjects, rejected)
		for _, m := range c.tests {
			if c.null && rejected[m] > 4 {
				t.Errorf("%s: %s rejected %d of %d, want at most 4 (nominal 5%%)", c.name, m, rejected[m], subjects)
			}
			if !c.null && rejected[m] < 20 {
				t.Errorf("%s: %s rejected %d of %d, want at least 20: the planted image structure is not found", c.name, m, rejected[m], subjects)
			}
		}
	}
}
