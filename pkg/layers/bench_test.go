package layers

import (
	"math/rand/v2"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// BenchmarkCompare times one model of 7 layers (widths of ResNet-50's
// default layers pooled on the 4 x 4 grid, random features) against the
// quick profile's 7 areas with 200 bootstraps: the layers stage's cost per
// model without the forward passes.
func BenchmarkCompare(b *testing.B) {
	cfg, _ := synth.Profile("quick", 1)
	d, _, err := synth.Generate(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	sel, _ := d.Select(kay.DefaultFilter())
	brain, err := NewBrain(d, sel, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	m := Model{Name: "random", NTrain: len(sel.Train.Index), NTest: len(sel.Test.Index)}
	for k, w := range []int{1024, 4096, 8192, 16384, 32768, 2048, 1000} {
		m.Layers = append(m.Layers, string(rune('a'+k)))
		m.Widths = append(m.Widths, w)
		tr, te := make([]float32, m.NTrain*w), make([]float32, m.NTest*w)
		for i := range tr {
			tr[i] = float32(rng.NormFloat64())
		}
		for i := range te {
			te[i] = float32(rng.NormFloat64())
		}
		m.Train, m.Test = append(m.Train, tr), append(m.Test, te)
	}
	for b.Loop() {
		if _, err := brain.Compare(m, Options{Bootstraps: 200, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
