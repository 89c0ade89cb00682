// Package layers compares every layer of a model with every visual area, as
// Net2Brain, THINGSvision and Brain-Score do, and finds the best layer per
// area and its relative depth.
//
// Inputs: a Brain (NewBrain: the selected training and test responses of
// each ROI's voxels reliable on the training images, V1..LatOcc by
// default — encoding.TrainingReliability, from the repeated trials where the
// data have them, else the Gabor model's split-half prediction — a
// validation half of the training images, and the noise ceilings where the
// data have repeated trials: Ceiling, RDMCeiling) and Models (each image's feature vector per layer,
// layers in depth order): FromBackbone for a CNN's default layers
// (cnn.Arch.DefaultLayers, pooled), and the references GaborModel (Kay et
// al.'s Gabor pyramid) and PixelModel (raw pixels), reported beside the
// CNNs and left out of the depth summary.
//
// Each (layer, ROI) Cell holds the Measures, each a Score with a 95%
// interval over test images. All but the last are rsa's comparison methods
// marked for this stage (rsa.MethodSpec.Layers, under their LayersKey; see
// MeasureName), so a method added to rsa's table with Layers set is computed
// in every cell and reported like the others:
//
//	rsa               Spearman of the two cosine RSMs' upper triangles
//	cka, cka_debiased linear CKA of the test patterns, plain and with the unbiased HSIC
//	                  (rsa.MethodSpec.Kernel: compared on the linear kernels)
//	rsa_within_class  the same Spearman over the pairs of images of one class
//	encoding          median over the ROI's reliable voxels of the test prediction r
//	                  of a voxel-wise ridge regression from the layer to the ROI,
//	                  fitted on the training images by the encoding analysis's own
//	                  fit (encoding.FitFeatures, 5-fold penalties; encoding.MedianR),
//	                  so that the Gabor model scores here what encoding.Run reports
//	                  as median_r_reliable on the same images; also as a fraction
//	                  of the ROI's noise ceiling (FractionOfCeiling)
//
// Intervals are percentile bootstraps over test images resampled within
// classes, the jackknife for the kernel methods (rsa.JackknifeInterval).
// The methods marked Tested (the two RSA measures) carry a Test: a
// stratified permutation p-value (images permuted within classes) and its
// Benjamini-Hochberg adjustment across the model's layer x ROI table.
//
// Every score also carries its Selection value on held-out training images
// (the encoding fit's cross-validated r; the matrix measures over the
// validation images), and each model's Best layer per measure and ROI is
// chosen by it (Select) and reported with its test score: nested
// selection, so that the test images never choose what they score.
//
// Analyze (or NewAnalysis, Analysis.Add one model at a time, Finish)
// returns the Table (model -> layer -> ROI -> Cell) and a Summary: each
// model's Best layer per measure and ROI, the mean Depth of the best
// layers across CNNs, the DepthTrend along the hierarchy with its
// bootstrap interval over the CNNs, each ROI's Ceilings, the count of
// Significant cells, and Summary.LinkRobustness's rank correlation of each
// area's brain-likeness with robustness. Run does it all for a dataset and
// a list of architectures; Write, WriteWith and Figures save layers.json,
// the heatmaps and the best layers beside the noise ceilings (BestFigure).
package layers
