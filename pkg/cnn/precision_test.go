package cnn

import (
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/core/tensors/images"

	"github.com/decodingthoughts/decoding-thoughts/internal/tensorfree"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
)

// BenchmarkPrecision asks whether a reduced-precision CPU path is on offer:
// the convolutions that dominate the backbones (resnet50's layer1 3x3 and
// 1x1, batch 16, 56 x 56) in float32, float16 and bfloat16 on every CPU
// backend that starts, each reporting GFLOP/s, its speed relative to ONNX
// Runtime's float32 and its largest deviation from that output (relative
// to the output's largest magnitude). A precision a backend cannot compile
// is logged as not offered. Measured 2026-11-27 on the 2-core reference CPU
// (AVX-512 with BF16 and VNNI): ONNX Runtime float32 230-240 GFLOP/s; its
// float16 graph computes in float32 (the casts are dropped: output identical
// to float32, speed the same within this machine's noise); no bfloat16
// convolution in ONNX (GoMLX refuses to build it); the pure-Go backend
// 2.2-2.6 GFLOP/s in float32, 0.9-1.1 in float16 and bfloat16. No
// reduced-precision path on offer is faster than float32, so the study
// keeps float32 (int8 would need quantized operators, which GoMLX's ONNX
// backend does not emit).
func BenchmarkPrecision(b *testing.B) {
	const batch, hw = 16, 56
	type conv struct{ cin, cout, k int }
	convs := []conv{{64, 64, 3}, {256, 64, 1}}
	rng := rand.New(rand.NewPCG(1, 2))
	data := map[conv][2][]float32{}
	for _, c := range convs {
		x := make([]float32, batch*c.cin*hw*hw)
		w := make([]float32, c.cout*c.cin*c.k*c.k)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		for i := range w {
			w[i] = float32(rng.NormFloat64() / math.Sqrt(float64(c.cin*c.k*c.k)))
		}
		data[c] = [2][]float32{x, w}
	}
	reference := map[conv][]float32{}
	refSpeed := map[conv]float64{}
	for _, spec := range []string{"onnx", "go"} {
		be, _, err := backend.FromEnv(os.Getenv).New(spec, backend.Convolutions)
		if err != nil {
			b.Logf("%s: not started: %v", spec, err)
			continue
		}
		for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float16, dtypes.BFloat16} {
			for _, c := range convs {
				// tensors are bound to the backend that first runs them
				x := tensors.FromFlatDataAndDimensions(data[c][0], batch, c.cin, hw, hw)
				w := tensors.FromFlatDataAndDimensions(data[c][1], c.cout, c.cin, c.k, c.k)
				e, err := graph.NewExec(be, func(x, w *graph.Node) *graph.Node {
					y := graph.Convolve(graph.ConvertDType(x, dt), graph.ConvertDType(w, dt)).ChannelsAxis(images.ChannelsFirst).PadSame().Done()
					return graph.ConvertDType(y, dtypes.Float32)
				})
				if err != nil {
					b.Fatal(err)
				}
				run := func() ([]float32, error) {
					out, err := e.Exec(x, w)
					if err != nil {
						return nil, err
					}
					defer tensorfree.Free(out...)
					return tensors.MustCopyFlatData[float32](out[0]), nil
				}
				got, err := run() // compiles
				if err != nil {
					msg, _, _ := strings.Cut(err.Error(), "\n")
					b.Logf("%s %s %dx%d conv: not offered: %.300s", spec, dt, c.k, c.k, msg)
					e.Finalize()
					tensorfree.Free(x, w)
					break
				}
				reps := 5
				if spec == "go" {
					reps = 1 // about 100x slower
				}
				secs := math.Inf(1) // the fastest of reps
				for range reps {
					start := time.Now()
					if _, err := run(); err != nil {
						b.Fatal(err)
					}
					secs = math.Min(secs, time.Since(start).Seconds())
				}
				e.Finalize()
				tensorfree.Free(x, w)
				gflops := 2 * float64(batch*c.cout*c.cin*c.k*c.k*hw*hw) / secs / 1e9
				if spec == "onnx" && dt == dtypes.Float32 {
					reference[c], refSpeed[c] = got, gflops
				}
				dev, same := math.NaN(), false
				if ref := reference[c]; ref != nil {
					var d, m float64
					same = true
					for i, v := range ref {
						d = math.Max(d, math.Abs(float64(got[i]-v)))
						m = math.Max(m, math.Abs(float64(v)))
						same = same && got[i] == v
					}
					dev = d / m
				}
				note := ""
				if same && dt != dtypes.Float32 {
					note = " (output identical to float32: computed in float32)"
				}
				b.Logf("%s %s %dx%d conv %d->%d: %.1f GFLOP/s, %.2fx ONNX Runtime float32, max deviation %.1e%s",
					spec, dt, c.k, c.k, c.cin, c.cout, gflops, gflops/refSpeed[c], dev, note)
			}
		}
	}
}
