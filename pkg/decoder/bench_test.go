package decoder

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

// BenchmarkEpoch times one training epoch of the original recipe at the real
// data's size (1593 images x 8428 voxels, batch 128, balanced sampling) on
// every backend that runs here, and the PyTorch peer (Debian's torch, 2
// threads) on the same shape in the same run; it reports each and the ratio
// peer/ours (above 1: faster than PyTorch).
func BenchmarkEpoch(b *testing.B) {
	const n, voxels, epochs = 1593, 8428, 3
	data := randomData(9, n, voxels)
	pyref.Require(b, "torch")
	out := pyref.RunFile(b, "testdata/torch_decoder.py", "bench", strconv.Itoa(n), strconv.Itoa(voxels), strconv.Itoa(epochs), "2")
	peer, err := strconv.ParseFloat(strings.TrimSpace(out), 64)
	if err != nil {
		b.Fatalf("torch peer printed %q", out)
	}
	b.Logf("torch 1.13 (2 threads): %.3f s/epoch", peer)
	for _, spec := range backend.FromEnv(os.Getenv).Local() {
		b.Run(spec, func(b *testing.B) {
			be, _, err := backend.FromEnv(os.Getenv).New(spec, backend.Dense)
			if err != nil {
				b.Fatal(err)
			}
			m, err := train.New(be, Default(voxels, 3), 1)
			if err != nil {
				b.Fatal(err)
			}
			tc := DefaultOptions().Train
			tc.Epochs = 1
			ctx := context.Background()
			if _, err := train.Fit(ctx, m, data, data, 3, tc); err != nil { // warm-up: compiles the graphs
				b.Fatal(err)
			}
			tc.Epochs = epochs
			var perEpoch float64
			for range b.N {
				h, err := train.Fit(ctx, m, data, data, 3, tc)
				if err != nil {
					b.Fatal(err)
				}
				for _, e := range h.Epochs {
					perEpoch += e.Seconds / epochs / float64(b.N)
				}
			}
			b.ReportMetric(perEpoch, "s/epoch")
			b.ReportMetric(peer, "torch_s/epoch")
			b.ReportMetric(peer/perEpoch, "speedup_vs_torch")
			b.Logf("%s: %.3f s/epoch, torch %.3f: %.2fx", spec, perEpoch, peer, peer/perEpoch)
		})
	}
}
