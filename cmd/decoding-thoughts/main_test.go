package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSynthThenExplore drives the CLI the way a user does: generate a dataset,
// then explore it, on the pure-Go backend.
func TestSynthThenExplore(t *testing.T) {
	t.Setenv("DT_BACKEND", "go")
	data, out := t.TempDir(), t.TempDir()
	ctx := context.Background()
	if err := runSynth(ctx, []string{"--profile", "quick", "--seed", "9", "--out", data}); err != nil {
		t.Fatal(err)
	}
	if err := runExplore(ctx, []string{"--data-dir", data, "--out", out}); err != nil {
		t.Fatal(err)
	}
	var s struct {
		Classes []string `json:"classes"`
		Voxels  int      `json:"voxels"`
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil || len(s.Classes) != 3 || s.Voxels != 1054 {
		t.Fatalf("summary %+v %v", s, err)
	}
}

func TestBadFlagsAreErrors(t *testing.T) {
	ctx := context.Background()
	if err := runSynth(ctx, []string{"--profile", "huge", "--out", t.TempDir()}); err == nil || !strings.Contains(err.Error(), "unknown synthetic profile") {
		t.Errorf("unknown profile: %v", err)
	}
	if err := runExplore(ctx, []string{"--backend", "tpu", "--out", t.TempDir()}); err == nil || !strings.Contains(err.Error(), "not compiled in") {
		t.Errorf("unknown backend: %v", err)
	}
	if err := runExplore(ctx, []string{"--data-dir", t.TempDir()}); err == nil || !strings.Contains(err.Error(), "--out is required") {
		t.Errorf("missing --out: %v", err)
	}
}
