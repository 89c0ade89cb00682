package layers

import (
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// smallAllKept is a small simulated dataset (32-pixel images) of only the
// classes the default selection keeps, so that the selection is every
// image: the encoding analysis (every image) and the layer-wise comparison
// (the selection) see the same features and voxels. With repeats, it is
// written and loaded (kay_repeats.npz beside it).
func smallAllKept(t *testing.T, repeats bool) (*kay.Dataset, *kay.Selection) {
	t.Helper()
	cfg, _ := synth.Profile("quick", 5)
	cfg.Size = 32
	cfg.TrainCounts = map[string]int{"animal": 30, "artifact": 30, "geological formation": 20}
	cfg.TestCounts = map[string]int{"animal": 10, "artifact": 10, "geological formation": 6}
	cfg = cfg.Clean(0.5)
	cfg.SaveRepeats = repeats
	var d *kay.Dataset
	var err error
	if repeats {
		dir := t.TempDir()
		if _, _, err = synth.Write(dir, cfg, nil); err == nil {
			d, err = kay.Load(dir)
		}
	} else {
		d, _, err = synth.Generate(cfg, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		t.Fatal(err)
	}
	if len(sel.Train.Index) != d.Train.Stimuli.N || len(sel.Test.Index) != d.Test.Stimuli.N {
		t.Fatalf("selection %d/%d of %d/%d images: want all", len(sel.Train.Index), len(sel.Test.Index), d.Train.Stimuli.N, d.Test.Stimuli.N)
	}
	return d, sel
}

// TestEncodeAndLayersAgree is the one encoding code path: on the same
// images, the Gabor features and the same voxels, the encoding analysis's
// score of an area over its reliable voxels (encoding.Run,
// ROIAccuracy.Reliable) and the layer-wise comparison's encoding score of
// the Gabor model (Run's reference model) are the same number, to the last
// bit, with the voxels' reliability measured from the repeats and, without
// them, from the Gabor model's split-half prediction; and the two agree on
// the reliable voxels' count and noise ceiling.
func TestEncodeAndLayersAgree(t *testing.T) {
	for _, repeats := range []bool{true, false} {
		d, sel := smallAllKept(t, repeats)
		var rep *kay.Repeats
		if repeats {
			var err error
			if rep, err = d.LoadRepeats(); err != nil || rep == nil {
				t.Fatalf("repeats: %v %v", rep, err)
			}
		}
		enc, err := encoding.Run(d, encoding.DefaultOptions(), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := newBrain(d, sel, nil, rep, enc.Gabor, encoding.DefaultOptions().Ridge.Seed)
		if err != nil {
			t.Fatal(err)
		}
		g, err := GaborModelOf(d, enc.Gabor, sel)
		if err != nil {
			t.Fatal(err)
		}
		tab, sum, err := Analyze(b, []Model{g}, "none", Options{Bootstraps: 10, Permutations: -1, Seed: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sum.ReliabilityMethod != enc.ReliabilityMethod {
			t.Errorf("repeats %v: reliability by %q in layers, %q in encoding", repeats, sum.ReliabilityMethod, enc.ReliabilityMethod)
		}
		for _, a := range enc.ROIs {
			got, c := tab["gabor"]["gwp"][a.ROI].Get(Encoding).Value, sum.Ceilings[a.ROI]
			t.Logf("repeats %-5v %-6s encode %.6f, layers %.6f (%d of %d voxels reliable, ceiling %.3f)", repeats, a.ROI, float64(a.Reliable), float64(got),
				a.ReliableVoxels, a.Voxels, float64(c.Encoding))
			if got != a.Reliable {
				t.Errorf("repeats %v: %s: layers' Gabor encoding score %v, the encoding analysis's %v", repeats, a.ROI, got, a.Reliable)
			}
			if c.Reliable != a.ReliableVoxels || c.Voxels != a.Voxels || c.Fallback != a.Fallback {
				t.Errorf("repeats %v: %s: layers' voxels %+v, encoding's %d of %d (fallback %v)", repeats, a.ROI, c, a.ReliableVoxels, a.Voxels, a.Fallback)
			}
			if repeats && c.Encoding != a.ReliableCeiling {
				t.Errorf("repeats %v: %s: noise ceiling %v in layers, %v in encoding", repeats, a.ROI, c.Encoding, a.ReliableCeiling)
			}
			if lo, hi := float64(c.RDMLower), float64(c.RDMUpper); repeats != (lo <= hi && hi <= 1) {
				t.Errorf("repeats %v: %s: rdm ceiling [%v, %v]: want lower <= upper <= 1 with repeats, none without", repeats, a.ROI, lo, hi)
			}
			// the best rsa layer per trial, on the ceiling's scale: no model
			// passes the upper bound there (the ranked trials' sum is the best)
			pt := sum.Best["gabor"][MeasureName(rsa.Spearman)][a.ROI].PerTrial
			switch {
			case !repeats && pt != nil:
				t.Errorf("no repeats: %s: a per-trial score %v", a.ROI, *pt)
			case repeats && (pt == nil || !(float64(*pt) <= float64(c.RDMUpper)+1e-9)):
				t.Errorf("repeats: %s: per-trial score %v, want one at most the upper bound %v", a.ROI, pt, float64(c.RDMUpper))
			}
		}
		// the ceilings drawn beside the best layers
		if _, err := plots.RenderAll(BestFigure(sum, Encoding), BestFigure(sum, MeasureName(rsa.Spearman))); err != nil {
			t.Errorf("repeats %v: best-layer figures: %v", repeats, err)
		}
	}
}
