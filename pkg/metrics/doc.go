// Package metrics scores classifiers the way scikit-learn does, from true
// and predicted class indices.
//
// Classify returns a Report as classification_report computes it (with
// zero_division=0): accuracy, per-class precision, recall, F1 and support
// (ClassScore), their macro and support-weighted averages, and the
// confusion matrix; Report.String prints it as scikit-learn does.
// Confusion counts m[true][predicted]. BalancedAccuracy is the mean recall
// over the classes present (balanced_accuracy_score): chance is 1/classes
// whatever the class sizes.
package metrics
