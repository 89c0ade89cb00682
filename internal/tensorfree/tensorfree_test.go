package tensorfree

import (
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

// TestFree: a freed tensor is invalid; nil tensors and a second Free are
// no-ops (deferred frees may meet both).
func TestFree(t *testing.T) {
	a := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3}, 3)
	b := tensors.FromFlatDataAndDimensions([]float32{4}, 1)
	Free(a, nil, b)
	if a.Ok() || b.Ok() {
		t.Fatalf("after Free: a valid %v, b valid %v; want both freed", a.Ok(), b.Ok())
	}
	Free(a, b)
}
