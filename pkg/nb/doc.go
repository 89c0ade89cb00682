// Package nb keeps the GoNB notebooks thin: it loads the dataset a notebook
// should use and shows figures inline. Outside a notebook the display calls
// do nothing harmful, so the same code runs in tests.
package nb
