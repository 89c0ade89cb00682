// Package cnn is the model zoo: torchvision's ImageNet CNNs as native GoMLX
// models. Each matches its torchvision 0.14 namesake layer for layer: the
// same parameter names (a torchvision state_dict loads without edits),
// eval-mode BatchNorm with running statistics, and the same outputs to 1e-4
// (parity tests check every entry against torchvision's golden outputs).
//
// The registry: every architecture is one Arch entry (family, penultimate
// width, torchvision checkpoint name and URL, random-initialisation policy
// Init, place in the study). Get finds one by name; All and Names list
// them; StudyModels names the entries marked Study (the original study's
// five), every command's default; Lookup resolves command-line selectors (names, globs such as
// "resnet*", "all", "study", and LABEL=ARCH:WEIGHTS variants); Variant
// registers an architecture with its own weights; Register adds a user's
// own backbone. Families: VGG, ResNet/ResNeXt/Wide ResNet, DenseNet,
// MobileNetV2/V3, AlexNet, EfficientNet, RegNetY, ConvNeXt.
//
// An Arch describes itself without weights: Params, LearnedParams,
// MACs(h, w), BatchNormModules, LayerNames and DefaultLayers (the end of
// each block group, then Penultimate and LogitsLayer), and builds its
// network with Forward (logits (N, 1000), penultimate features (N,
// Features)).
//
// A Model is an Arch with weights on a compute backend: Open resolves a
// weights spec ("random", a checkpoint file, a folder, "download", or
// "auto": the cached official weights, else random); NewFromFile and
// NewRandom (RandomStateDict: torchvision's weights=None initialisation,
// seeded per architecture by Arch.Seed) are the two underneath. It runs
// images with Forward, Extract (batched, with progress) and
// ForwardLayers/ExtractLayers (activations of named layers, pooled by
// PoolGAP or PoolGrid4). AdaptBatchNorm re-estimates every BatchNorm's
// running statistics on a set of images exactly as one training-mode pass
// of them as a single batch would (BNAdapt; BNFrozen keeps the
// checkpoint's), in chunks and stage by stage; BatchNormState and
// SetBatchNormState cache the result. StateDict, Release and Close manage
// the weights and compiled graphs.
package cnn
