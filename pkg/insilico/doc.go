// Package insilico asks the study's question of the brain itself, through
// its fitted encoding model: how does the brain's representation of the
// test images change as they are blurred?
//
// The voxel-wise encoding model (pkg/encoding: Gabor energy features, ridge
// regression fitted on the training images) predicts every voxel's response
// to each test image distorted at each level of a sweep. From the predicted
// patterns of each visual area, Run measures how far the representation has
// moved from the clean images' (the Spearman correlation of the distorted
// and clean RSMs, with a bootstrap interval over test images) and whether
// each clean image can still be told from the others (identification: the
// clean prediction that correlates best with an image's distorted one is
// its own). These are curves beside each CNN's accuracy curve: the same
// sweep asked of the brain's model. They are model predictions, not
// measurements, and inherit the encoding model's limits: the Gabor model
// explains early areas best, and an area it explains poorly has a flat,
// uninformative curve.
package insilico
