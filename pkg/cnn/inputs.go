package cnn

import (
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/decodingthoughts/decoding-thoughts/internal/tensorfree"
)

// inputPool holds a model's graph inputs for reuse: a tensor is made once
// per shape and refilled for every call. On a backend with shared buffers
// (ONNX Runtime and the pure-Go backend on the CPU) a graph reads the
// tensor's memory as written here, so a call costs one copy of its input
// instead of two (into a fresh Go slice, then into a fresh backend buffer)
// and touches no new pages. Fresh memory is what cost: for ResNet-50's
// BatchNorm adaptation on 438 images at 128x128 the copies and the kernel's
// page faults behind them took 21 s of 50 s.
type inputPool struct {
	mu   sync.Mutex
	free map[string][]*tensors.Tensor // by shape
}

// get is a tensor of dims holding rows followed by zeros (a last batch's
// padding); give it back with put once the call has run.
func (p *inputPool) get(b compute.Backend, rows []float32, dims ...int) (*tensors.Tensor, error) {
	shape := shapes.Make(dtypes.Float32, dims...)
	key := shape.String()
	p.mu.Lock()
	var t *tensors.Tensor
	if free := p.free[key]; len(free) > 0 {
		t, p.free[key] = free[len(free)-1], free[:len(free)-1]
	}
	p.mu.Unlock()
	if t == nil {
		var err error
		if t, err = tensors.FromShapeForBackend(b, 0, shape); err != nil {
			return nil, err
		}
	}
	err := tensors.MutableFlatData(t, func(flat []float32) {
		clear(flat[copy(flat, rows):])
	})
	if err != nil {
		tensorfree.Free(t)
		return nil, err
	}
	return t, nil
}

// put takes tensors back from get for the next call.
func (p *inputPool) put(ts ...*tensors.Tensor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.free == nil {
		p.free = map[string][]*tensors.Tensor{}
	}
	for _, t := range ts {
		key := t.Shape().String()
		p.free[key] = append(p.free[key], t)
	}
}

// release frees every tensor held.
func (p *inputPool) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ts := range p.free {
		tensorfree.Free(ts...)
	}
	clear(p.free)
}
