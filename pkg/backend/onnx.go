//go:build cgo && linux && amd64

package backend

// The ONNX Runtime backend loads libonnxruntime.so.1 through cgo.
import _ "github.com/gomlx/compute-onnx"
