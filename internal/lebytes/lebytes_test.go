package lebytes

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

// TestOfIsTheLittleEndianEncoding: the view equals encoding/binary's
// little-endian encoding of the same slice, element by element, for every
// supported type; writes through it change the slice; others are refused.
func TestOfIsTheLittleEndianEncoding(t *testing.T) {
	if !little {
		t.Skip("big-endian host: Of always declines")
	}
	for _, data := range []any{[]float32{1.5, -2, float32(math.Inf(1)), 3e-39}, []float64{math.Pi, -0.0, 1e300},
		[]int64{-1, 1 << 40, 7}, []int32{-5, 1 << 30}, []float32{}} {
		got, ok := Of(data)
		var want bytes.Buffer
		if err := binary.Write(&want, binary.LittleEndian, data); err != nil {
			t.Fatal(err)
		}
		if !ok || !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%T %v: %x, want %x", data, data, got, want.Bytes())
		}
	}
	d := []float32{0, 0}
	b, _ := Of(d)
	binary.LittleEndian.PutUint32(b[4:], math.Float32bits(2.5))
	if d[1] != 2.5 {
		t.Errorf("a write through the view: %v", d)
	}
	if _, ok := Of([]uint16{1}); ok {
		t.Error("[]uint16 accepted")
	}
}
