package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/weights"
)

// variantDir is where cnn.Open downloads a variant's address, under the
// weights folder; the weights command fetches it there so that train-cnn
// and the study find it (TestWeightsFetchesVariants checks that they do).
func variantDir(weightsDir string) string { return filepath.Join(weightsDir, "variants") }

// fetchWeights makes a's weights present where cnn.Open looks for them and
// returns their path and what was checked: an architecture's official
// checkpoint (verified against the hash its name carries), a variant's
// address (a readable checkpoint, verified against its "#sha256=" when it
// has one), or a variant's local file (only that it exists).
func fetchWeights(ctx context.Context, a cnn.Arch, weightsDir string, progress io.Writer) (path, checked string, err error) {
	switch {
	case a.Source == "":
		path, err = weights.Download(ctx, weightsDir, a.Weights, "", progress)
		return path, "verified", err
	case weights.IsURL(a.Source):
		path, err = weights.DownloadURL(ctx, variantDir(weightsDir), a.Source, progress)
		if strings.Contains(a.Source, "#sha256=") {
			return path, "verified", err
		}
		return path, "a readable checkpoint; no #sha256= in the address to verify it against", err
	default:
		if _, err := os.Stat(a.Source); err != nil {
			return "", "", fmt.Errorf("weights %s: want a checkpoint file or an http(s) address: %w", a.Source, err)
		}
		return a.Source, "a local file: nothing to download", nil
	}
}

// cachedWeights returns a's weights if they are where cnn.Open looks for
// them, else how to fetch them.
func cachedWeights(a cnn.Arch, weightsDir string) string {
	switch {
	case a.Source == "":
		if p, ok := cnn.CachedWeights(a, weightsDir); ok {
			return p
		}
	case weights.IsURL(a.Source):
		if p, ok := weights.CachedURL(variantDir(weightsDir), a.Source); ok {
			return p
		}
	default:
		return a.Source
	}
	sel := a.Name
	if a.Source != "" {
		sel = "'" + a.Name + "=" + a.Base + ":" + a.Source + "'"
	}
	return "not cached (`decoding-thoughts weights --models " + sel + "`)"
}
