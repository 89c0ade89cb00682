// Package kay holds the Kay et al. (2008) natural-image fMRI dataset in the
// Neuromatch Academy packaging: loading with full validation, the label
// hierarchy, class/ROI selection and download from OSF.
//
// Files (in one folder):
//
//	kay_images.npz      stimuli (N,H,W) float32, stimuli_test (M,H,W) float32,
//	                    responses (N,V) float64, responses_test (M,V) float64,
//	                    roi (V,) int64, roi_names (R,) unicode
//	kay_labels.npy      (4,N) unicode, level 0 (coarse) .. 3 (fine)
//	kay_labels_val.npy  (4,M) unicode
//
// The real data has N=1750, M=120, H=W=128, V=8428 and the ROI names
// Other,V1,V2,V3,V3A,V3B,V4,LatOcc; the embedded simulator writes the same
// layout at other sizes, so the loader accepts any consistent sizes.
package kay
