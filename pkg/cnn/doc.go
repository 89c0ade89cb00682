// Package cnn is the model zoo: torchvision's ImageNet CNNs as native GoMLX
// models, each an entry of one registry (registry.go) with its family,
// penultimate width, torchvision checkpoint (URL and hash prefix), random
// initialisation policy and place in the study. Each matches its
// torchvision 0.14 namesake layer for layer: the same parameter names (a
// torchvision state_dict loads without edits), eval-mode BatchNorm with
// running statistics, and the same outputs to 1e-4 (the parity tests check
// every entry against torchvision through committed golden outputs).
// Forward returns the 1000 ImageNet logits and the penultimate features
// (the input of the last Linear layer).
//
// Adding an architecture of an existing family is one registry entry;
// cnn.StudyModels lists the original study's five, the default of every
// command; random weights are seeded by the run seed plus the entry's
// order, so a model gets the same random network wherever it is opened.
package cnn
