// Package stimulus is the study's stimulus classifier: the Kay images
// prepared as the original prepared them, a frozen ImageNet backbone whose
// outputs are computed once per image (and augmented view) and cached on
// disk, and a small trained head (1000 -> 100 -> classes) whose 100-d layer
// is the CNN embedding compared with the brain's.
package stimulus
