// Package nn holds GoMLX layers that behave exactly as their torch.nn
// namesakes: the same parameter names and layouts (so a torch state_dict
// maps 1:1 onto the store), the same default initialisation, and
// BatchNorm's training semantics. GoMLX's own layers differ on each of
// these, which would make parity with the PyTorch original (and importing
// its checkpoints) impossible.
//
// Layers, each on a model.Scope named as torch names the module:
//   - Linear (y = x·Wᵀ + b, U(±1/√in) initialisation), LinearChannels (the
//     same at every position of an NCHW tensor), Conv2d (a Conv: kernel,
//     stride, padding, groups, dilation, bias), Learned (a learned tensor).
//   - BatchNorm and BatchNormEps (1d/2d over axis 1: gradients through the
//     batch statistics in training, running averages with Momentum 0.1 and
//     the unbiased variance, Epsilon 1e-5), LayerNorm2d, Dropout.
//   - ReLU, GELU (exact), Hardsigmoid, Hardswish; MaxPool2d (floor mode),
//     AvgPool2d, AdaptiveAvgPool2d (torch's cell bounds, which also
//     enlarge), Flatten.
//
// Weights: StateDict returns the variables under a scope with torch's keys
// and shapes, in creation order; LoadStateDict sets them, every entry used
// and every shape checked. SetSeed (SeedParam) and KeyedRand make each
// variable's initial values depend only on the seed and its name, not on
// creation order or backend.
//
// Graph hooks: CountMACs counts the multiply-accumulates of the
// convolutions and Linear layers built on a graph (MACCounter);
// SetBatchNormTap lets BatchNorm adaptation read and replace each
// BatchNorm's input and statistics (BatchNormTap).
package nn
