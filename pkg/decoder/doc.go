// Package decoder is the study's fMRI decoder: a fully connected network from
// a voxel pattern to an image class whose last hidden layer (100 units) is
// the brain-derived embedding compared with the CNNs'. The architecture is
// the original's, layer for layer, with torch's parameter names:
//
//	fc1 Linear(V,512) bn1 ReLU Dropout(0.6)
//	fc2 Linear(512,512) bn2 ReLU Dropout(0.6)
//	fc3 Linear(512,100) bn3 ReLU Dropout(0.6)   <- embedding
//	fc4 Linear(100,C)                          <- logits
//
// Default(voxels, classes) is that Config (Config.Forward implements
// train.Network; Summary lists the layers as torchinfo would).
// Run(ctx, backend, dataset, opt) selects the images and voxels (Data),
// trains the decoder with package train under DefaultOptions (the
// original's recipe: level-0 classes without the ignore list, ROIs
// V1..LatOcc, Adam lr 0.01, batch 128, 10 epochs, class-balanced
// sampling, the last epoch's weights) and evaluates it on the test split,
// returning a Result (the model, its eval-mode test logits and embeddings,
// a classification report). Result.Write saves checkpoint.npz,
// metrics.json, embeddings.npz and the figures; Open reloads such a run and
// re-evaluates it, refusing a dataset that gives another selection; Load
// reads a checkpoint and its Meta. Name ("fmri") and Title name the decoder
// in outputs and figures.
package decoder
