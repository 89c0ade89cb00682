// Package backend decides which GoMLX compute backend runs the models and says
// which one is in use. The default is GoMLX on ONNX Runtime (near-PyTorch
// speed on CPU) when its library is installed, and the pure-Go backend (zero
// install, slow convolutions) when it is not; XLA (CPU or CUDA) is compiled in
// with the build tag `xla` for users who have its PJRT plugin.
package backend
