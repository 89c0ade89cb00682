// Package nn holds GoMLX layers that behave exactly as their torch.nn
// namesakes: the same parameter names and layouts (so a torch state_dict maps
// 1:1 onto the store), the same default initialisation, and BatchNorm's
// training semantics (gradients through the batch statistics, running
// averages with momentum 0.1 and the unbiased variance). GoMLX's own layers
// differ on each of these, which would make parity with the PyTorch original
// (and importing its checkpoints) impossible.
package nn
