package study

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: any bytes as results.json give results or an error naming the
// file, never a panic; a result that loads marshals again (no NaN reaches
// JSON).
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"models":["resnet50"],"cnn":{"resnet50":{"test_accuracy":0.5,"rsm_corr_fmri":{"image":{"spearman":{"value":0.3,"p_value":null}}}}},"hypothesis":{"spearman_rho":null,"n_models":1}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ResultsFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Load(dir)
		if err != nil {
			return
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("loaded results do not marshal: %v", err)
		}
	})
}
