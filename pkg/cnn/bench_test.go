package cnn

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
)

// BenchmarkInference measures eval-mode images per second of each
// architecture at batch 32, 3x128x128, on the default backend for
// convolutions, next to the PyTorch peer (Debian's torch, 2 threads) measured
// in the same run, and reports the ratio ours/peer (the target is >= 0.9).
// The peers run first: ONNX Runtime's threads keep spinning for a while
// after each call and would slow a process started next to them.
func BenchmarkInference(b *testing.B) { benchModels(b, StudyModels(), 3) }

// BenchmarkZoo is BenchmarkInference over every registry architecture (35;
// 2 timed batches each): the zoo's speed next to PyTorch's, same run.
func BenchmarkZoo(b *testing.B) {
	var names []string
	for _, a := range registry {
		names = append(names, a.Name)
	}
	benchModels(b, names, 2)
}

func benchModels(b *testing.B, names []string, iters int) {
	const batch = 32
	pyref.Require(b, "torch", "torchvision")
	peers := map[string]float64{}
	for _, name := range names {
		out := pyref.RunFile(b, "testdata/torchvision_bench.py", name, strconv.Itoa(batch), strconv.Itoa(iters), "2")
		peer, err := strconv.ParseFloat(strings.TrimSpace(out), 64)
		if err != nil {
			b.Fatalf("peer printed %q", out)
		}
		peers[name] = peer
	}
	be, c, err := backend.FromEnv(os.Getenv).New("", backend.Convolutions)
	if err != nil {
		b.Fatal(err)
	}
	b.Log(backend.Describe(be, c))
	x := make([]float32, batch*3*128*128)
	for i := range x {
		x[i] = float32(i%251) / 251
	}
	for _, name := range names {
		b.Run(name, func(b *testing.B) {
			a, _ := Get(name)
			m, err := NewRandom(be, a, 1)
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := m.Forward(x, batch, 128, 128); err != nil { // compile and warm up
				b.Fatal(err)
			}
			t0 := time.Now()
			for range iters {
				if _, _, err := m.Forward(x, batch, 128, 128); err != nil {
					b.Fatal(err)
				}
			}
			ours := float64(batch*iters) / time.Since(t0).Seconds()
			peer := peers[name]
			b.ReportMetric(ours, "img/s")
			b.ReportMetric(peer, "torch_img/s")
			b.ReportMetric(ours/peer, "ratio_vs_torch")
			b.Logf("%s: %.1f img/s, torch %.1f img/s: %.2fx", name, ours, peer, ours/peer)
			m.Close()
		})
	}
}
