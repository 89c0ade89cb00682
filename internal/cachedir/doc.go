// Package cachedir names the one folder where the project keeps what it can
// rebuild or re-download: the ONNX Runtime library, the embedded default
// dataset, downloaded data and network weights.
package cachedir
