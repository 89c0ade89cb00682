// Package lebytes views numeric slices as their little-endian bytes without
// copying, on little-endian hosts: the .npy and safetensors writers and the
// safetensors reader move hundreds of megabytes of weights through it
// instead of encoding one element at a time.
package lebytes

import (
	"encoding/binary"
	"unsafe"
)

// little is whether the host stores numbers little-endian (amd64, arm64).
var little = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// Of returns the memory of a []float32, []float64, []int64 or []int32 as
// bytes, which on a little-endian host are its little-endian encoding; ok
// is false for other types and on big-endian hosts (callers then encode
// element by element). Writing to the bytes writes the slice.
func Of(data any) (b []byte, ok bool) {
	if !little {
		return nil, false
	}
	switch d := data.(type) {
	case []float32:
		return view(d, 4), true
	case []float64:
		return view(d, 8), true
	case []int64:
		return view(d, 8), true
	case []int32:
		return view(d, 4), true
	}
	return nil, false
}

func view[T any](d []T, width int) []byte {
	if len(d) == 0 {
		return []byte{}
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(d))), len(d)*width)
}
