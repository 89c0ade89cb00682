// Package tensorfree releases GoMLX tensors' backend buffers at once.
// GoMLX tensors (v0.28) have no finalizer: on a native backend (ONNX
// Runtime, XLA) a buffer not freed this way stays allocated for the life of
// the process (one backbone's full-size layer activations alone were about
// 550 MB). The pure-Go backend's buffers are Go memory either way.
package tensorfree

import "github.com/gomlx/gomlx/core/tensors"

// Free releases the tensors' buffers (nil ones and those already freed are
// skipped); the tensors are unusable afterwards.
func Free(ts ...*tensors.Tensor) {
	for _, t := range ts {
		if t != nil {
			_ = t.FinalizeAll()
		}
	}
}
