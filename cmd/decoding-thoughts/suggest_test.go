package main

import (
	"context"
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestDidYouMean: a typo'd command or flag gets the nearest name; a name
// far from every one gets none; a missing data folder names download.
func TestDidYouMean(t *testing.T) {
	names := commandNames()
	for typo, want := range map[string]string{"trian-fmri": "train-fmri", "stduy": "study", "robust": "robustness", "weight": "weights", "zzzz": ""} {
		if got := closest(typo, names); got != want {
			t.Errorf("%s: suggested %q, want %q", typo, got, want)
		}
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Int("epochs", 1, "")
	fs.Int("bootstraps", 1, "")
	err := parseFlags(fs, []string{"--epoch", "3"})
	if err == nil || !strings.HasSuffix(err.Error(), "(did you mean --epochs?)") {
		t.Errorf("--epoch: %v", err)
	}
	if err := parseFlags(fs, []string{"--qqqqqq", "3"}); err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("--qqqqqq: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "kay")
	err = runExplore(context.Background(), []string{"--data-dir", missing, "--out", t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "decoding-thoughts download") || !strings.Contains(err.Error(), "--data-dir") {
		t.Errorf("missing data folder: %v", err)
	}
}
