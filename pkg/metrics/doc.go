// Package metrics scores classifiers the way scikit-learn's
// classification_report does: accuracy, per-class precision, recall, F1 and
// support, their macro and support-weighted averages, and the confusion matrix.
package metrics
