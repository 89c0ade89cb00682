// Package decoder is the study's fMRI decoder: a fully connected network from
// a voxel pattern to an image class whose last hidden layer (100 units) is the
// brain-derived embedding compared with the CNNs'. The architecture is the
// original's, layer for layer, with torch's parameter names:
//
//	fc1 Linear(V,512) bn1 ReLU Dropout(0.6)
//	fc2 Linear(512,512) bn2 ReLU Dropout(0.6)
//	fc3 Linear(512,100) bn3 ReLU Dropout(0.6)   <- embedding
//	fc4 Linear(100,C)                          <- logits
package decoder
