// Package train fits the study's classifiers (the fMRI decoder and the CNN
// heads on cached backbone features) with one loop.
//
// A Network builds the logits and the embedding from a batch; New puts one
// on a backend with seeded initial weights and dropout as a Model.
// Fit(ctx, model, train, val, classes, Config) trains it on Data (a
// labelled design matrix, optionally several augmented views per sample):
// class-balanced sampling with replacement as torch's
// WeightedRandomSampler (BalancedSample; Shuffle otherwise), Adam, the
// training and validation loss and accuracy of every epoch (History), and
// a stated checkpoint rule (KeepLast, the default, or KeepBest).
//
// Evaluation: Model.Forward gives evaluation-mode Outputs (logits and
// embedding; Accuracy, Loss, Predictions), Evaluate adds a
// metrics.Report. Checkpoints: Model.Save writes the state dict with torch's
// keys and JSON metadata (MetaKey) to an .npz, LoadCheckpoint and
// ReadCheckpoint read it back to the same predictions bit for bit. A Run
// (a trained classifier with its test evaluation) writes checkpoint.npz,
// metrics.json, embeddings.npz and its figures (Curves, ConfusionPlot).
package train
