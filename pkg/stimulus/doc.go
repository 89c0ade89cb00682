// Package stimulus is the study's stimulus classifier: a frozen ImageNet
// backbone (package cnn) whose outputs are computed once per image and
// cached on disk, and a small trained head (1000 -> 100 -> classes) whose
// 100-d layer is the CNN embedding compared with the brain's.
//
// Preparing images as the original did: Quantize (an image to [0, 255]
// by its own range, truncated, then [0, 1]), FitNormalizer and
// Normalizer.Tensor (the training images' pixel mean and s.d., the image
// repeated over 3 channels), Augment and DefaultAugment (the original's
// horizontal flip and shift/scale/rotate, each with probability 0.1), and
// Source, the batch source a backbone reads (augmented views seeded per
// image).
//
// Features: ComputeFeatures runs the backbone over the selected training
// views and test images, or reads them from the cache (keyed by model,
// weights, BatchNorm mode, images and options; FeatureOptions);
// ComputeLayerFeatures does the same for pooled intermediate layers;
// AdaptBackbone sets the backbone's BatchNorm mode (cnn.BNAdapt: statistics
// re-estimated on the clean training images and cached; cnn.BNFrozen: the
// checkpoint's); DistortedLogitsSet runs the test images as distortions
// (Distort) change them, cached per distortion.
//
// The classifier: Head is the trained network (train.Network, torch keys
// "0.weight" ... "1.bias"); Run computes the features and trains the head
// with package train under DefaultOptions (Adam lr 0.001, batch 128, 30
// epochs, class-balanced sampling, the last epoch's weights, 4 views per
// training image; Options.ForDataset uses 1 view on small datasets), and
// returns a Result with the test embeddings and report; Result.Write saves
// the run, Open and LoadHead reload it.
package stimulus
