// Package train fits the study's classifiers (the fMRI decoder and the CNN
// heads on cached backbone features) with one loop: class-balanced sampling
// with replacement as torch's WeightedRandomSampler, Adam, per-epoch training
// and validation loss and accuracy, a stated checkpoint rule (last or best),
// evaluation-mode outputs (logits and the embedding), and checkpoints that
// reload to the same predictions bit for bit.
package train
