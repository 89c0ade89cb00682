// Package backend chooses the GoMLX compute backend that runs the models and
// says which one is in use. It never reads the environment itself: a
// program reads it once with FromEnv(os.Getenv) ($DT_BACKEND, EnvVar, else
// $GOMLX_BACKEND, and the ONNX Runtime library, ORTLibraryEnv) and passes
// the Env in; tests build one by hand.
//
// Choosing: Env.Resolve turns a spec ("" or "auto", "onnx", "go", "xla",
// "xla:cuda", or any GoMLX "name:config") into a Choice for a Workload, and
// Env.New starts it. Auto prefers by workload: for Convolutions (the CNN
// backbones) ONNX Runtime when its library is found (near-PyTorch speed on
// CPU), else the pure-Go backend (no install, slow convolutions); for
// Dense (training the fully connected decoder and heads) the pure-Go
// backend. XLA (CPU or CUDA) is compiled in with the build tag xla.
// Available lists the compiled-in backends, Env.Local those that run here
// without installs (the tests check every model on each), Env.ORT and
// ORTCachePath locate the ONNX Runtime library (ORTVersion).
//
// Reporting and sizing: Describe is the one line every command prints;
// ChoiceOf recovers a started backend's Choice (Choice.GPU);
// DefaultBatch is the backbone batch size (128 on a GPU, 32 on a CPU;
// results do not depend on it); DenseSpec picks the backend of the fully
// connected networks next to a convolution backend (the same GPU, or auto).
//
// UseFastBLAS makes the module's BLAS the one behind gonum for the whole
// process (AVX-512 routines for the ridge fits' tridiagonal reduction,
// results equal to rounding); importing the package never does this.
package backend
