// Package kay holds the Kay et al. (2008) natural-image fMRI dataset in the
// Neuromatch Academy packaging: loading with full validation, the label
// hierarchy, class/ROI selection, repeated trials and download from OSF.
//
// Files (in one folder):
//
//	kay_images.npz      stimuli (N,H,W) float32, stimuli_test (M,H,W) float32,
//	                    responses (N,V) float64, responses_test (M,V) float64,
//	                    roi (V,) int64, roi_names (R,) unicode
//	kay_labels.npy      (4,N) unicode, level 0 (coarse) .. 3 (fine)
//	kay_labels_val.npy  (4,M) unicode
//	kay_repeats.npz     optional: every trial of each image (RepeatsFile)
//
// The real data has N=1750, M=120, H=W=128, V=8428 and the ROI names
// Other,V1,V2,V3,V3A,V3B,V4,LatOcc (ROINames); the simulator (package
// synth) writes the same layout at other sizes, so the loader accepts any
// consistent sizes.
//
// Load reads and validates a folder into a Dataset (each problem named by
// file, key, what was found and what was expected; every array's dtype and
// shape, and the shapes against each other, are checked from the headers
// before any data is inflated, so an archive declaring an array it should
// not hold is refused without allocating it); Download fetches the
// real files (Sources: OSF addresses, sizes, checksums) and loads them;
// Save and SaveRepeats write the layout. A Dataset has a training and a
// test Split (Images, z-scored Responses as a Matrix, Labels) and each
// voxel's ROI: ROIVoxels, VoxelsOf, ROIIndex and ROIVoxelCounts read it,
// LoadRepeats the per-trial Repeats, Fingerprint identifies its files for
// caches.
//
// Select(Filter) picks the classes of one label level (minus an ignore
// list), the images of those classes and the voxels of some ROIs: a
// Selection with sorted Classes, a Subset per split (image indices and
// class indices) and the kept Voxels; Selection.Rows gathers its design
// matrix. DefaultFilter is the original study's: level-0 classes without
// DefaultIgnore, ROIs V1..LatOcc (DefaultROIs), giving animal, artifact,
// geological formation.
package kay
