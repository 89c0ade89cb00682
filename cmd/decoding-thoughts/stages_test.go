package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
)

// TestStageCommandsKeepAFoldersResults: issue 31's data loss. rsa pointed
// at a whole study's folder rewrote results.json with its three stages; it
// is refused, naming the study. A folder an earlier stage command wrote keeps
// that command's stages (robustness after rsa runs roi_rsa again: its own plan has the rest).
func TestStageCommandsKeepAFoldersResults(t *testing.T) {
	folder := func(stages ...string) string {
		dir := t.TempDir()
		timings := map[string]float64{}
		for _, s := range stages {
			timings[s] = 1
		}
		b, _ := json.Marshal(study.Results{Timings: timings})
		if err := os.WriteFile(filepath.Join(dir, study.ResultsFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	rsaStages := []string{"embeddings", "rsa", "roi_rsa"}
	whole := folder(study.StageNames()...)
	if _, err := keepStages("rsa", whole, rsaStages); err == nil || !strings.Contains(err.Error(), whole) || !strings.Contains(err.Error(), "study command") {
		t.Errorf("a whole study's folder: %v", err)
	}
	afterRSA := folder("fmri", "cnn", "embeddings", "rsa", "roi_rsa")
	got, err := keepStages("robustness", afterRSA, []string{"embeddings", "robustness", "hypothesis"})
	if want := []string{"embeddings", "robustness", "hypothesis", "roi_rsa"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("robustness after rsa: stages %v (%v), want %v", got, err, want)
	}
	if got, err := keepStages("rsa", t.TempDir(), rsaStages); err != nil || !slices.Equal(got, rsaStages) {
		t.Errorf("an empty folder: %v %v", got, err)
	}
	if got, err := keepStages("study", whole, nil); err != nil || got != nil {
		t.Errorf("the study command itself: %v %v", got, err)
	}
	broken := t.TempDir()
	_ = os.WriteFile(filepath.Join(broken, study.ResultsFile), []byte("{"), 0o644)
	if _, err := keepStages("rsa", broken, rsaStages); err == nil || !strings.Contains(err.Error(), study.ResultsFile) {
		t.Errorf("a damaged results.json: %v", err)
	}
}
