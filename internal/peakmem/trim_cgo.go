//go:build linux && cgo

package peakmem

// #include <malloc.h>
import "C"

// Trim returns the C heap's free memory to the system (glibc's
// malloc_trim): native libraries (ONNX Runtime) free their arenas into it
// when a graph is released, and glibc otherwise keeps them resident.
func Trim() { C.malloc_trim(0) }
