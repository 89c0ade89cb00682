// Package progress shows how far long work has got: a redrawn bar on a
// terminal, and plain progress lines everywhere else (notebooks, CI logs),
// where carriage returns would pile up into noise.
package progress
