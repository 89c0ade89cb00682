// Package hypothesis tests the study's question across models: are CNNs
// whose representations are closer to the brain's more robust to blur?
// Brain-likeness is the within-class Spearman with the fMRI decoder (and the
// raw Spearman, confounded by the labels both were trained on); robustness
// is the normalised drop in balanced accuracy and the area under the
// balanced-accuracy curve. Spearman's rho across models comes with its exact
// p, a joint bootstrap interval over test images and training seeds, and the
// partial rho controlling clean balanced accuracy; model pairs get
// bootstrap intervals for their difference.
package hypothesis
