package synth_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// realHeadCV is testdata/head_cv_real.json: the study architectures' head
// accuracy with random weights on the real training stimuli.
type realHeadCV struct {
	Images int `json:"images"`
	Folds  int `json:"folds"`
	Models map[string]struct {
		Accuracy float64 `json:"accuracy"`
		Balanced float64 `json:"balanced_accuracy"`
	} `json:"models"`
}

func readRealHeadCV(t *testing.T) realHeadCV {
	t.Helper()
	buf, err := os.ReadFile(filepath.Join("testdata", "head_cv_real.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref realHeadCV
	if err := json.Unmarshal(buf, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Models) != len(cnn.StudyModels()) {
		t.Fatalf("head_cv_real.json has %d models, the study %d", len(ref.Models), len(cnn.StudyModels()))
	}
	return ref
}

// headCV measures each study architecture's cross-validated head accuracy
// on d's training images with random weights (seed 1): the protocol of
// head_cv_real.json.
func headCV(t *testing.T, d *kay.Dataset, folds int) map[string]*stimulus.CrossValidated {
	t.Helper()
	env := backend.FromEnv(os.Getenv)
	b, _, err := env.New("", backend.Convolutions)
	if err != nil {
		t.Fatal(err)
	}
	hb, _, err := env.New(backend.DenseSpec(b), backend.Dense)
	if err != nil {
		t.Fatal(err)
	}
	opt := stimulus.DefaultOptions()
	opt.Features.Batch = backend.DefaultBatch(b)
	out := map[string]*stimulus.CrossValidated{}
	for _, name := range cnn.StudyModels() {
		a, err := cnn.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := cnn.Open(context.Background(), b, a, "random", 1, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := stimulus.CrossValidate(context.Background(), hb, m, d, opt, folds)
		m.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[name] = r
	}
	return out
}

// TestImagesAsHardAsPhotographs: the simulator's pictures are as hard for
// each study architecture (random weights, the head's cross-validated
// accuracy on the training images) as the real stimuli are, within 0.05
// (issue 29). The real side is the committed measurement
// (testdata/head_cv_real.json; TestRealHeadCVReference re-measures it where
// the JPEG copies are at hand). Before the pictures were calibrated the
// simulator was far easier: 0.92-0.94 for vgg11_bn and densenet121 against
// 0.50-0.51 on the photographs.
func TestImagesAsHardAsPhotographs(t *testing.T) {
	if testing.Short() {
		t.Skip("five CNNs over 1593 pictures: about 13 minutes")
	}
	ref := readRealHeadCV(t)
	cfg, _ := synth.Profile("full", 1)
	d, _, err := synth.Generate(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Test = kay.Split{} // the protocol reads the training images only
	got := headCV(t, d, ref.Folds)
	for _, name := range cnn.StudyModels() {
		r, want := got[name], ref.Models[name]
		t.Logf("%-20s simulated %.3f [%.3f, %.3f] (balanced %.3f), real %.3f (balanced %.3f)", name,
			r.Accuracy.Value, r.Accuracy.Low, r.Accuracy.High, r.Balanced, want.Accuracy, want.Balanced)
		if r.Images != ref.Images {
			t.Errorf("%s: %d simulated images, the real protocol %d", name, r.Images, ref.Images)
		}
		if math.Abs(r.Accuracy.Value-want.Accuracy) > 0.05 {
			t.Errorf("%s: head accuracy %.3f on the simulated pictures, %.3f on the real ones: want within 0.05", name, r.Accuracy.Value, want.Accuracy)
		}
	}
}

// TestRealHeadCVReference re-measures head_cv_real.json on the real
// stimuli's JPEG copies when they are at hand ($DT_KAY_STIMULI_TAR and
// $DT_KAY_LABELS, or the shared data folder beside the project) and
// DT_CHECK_REFS=1 (make test-long).
func TestRealHeadCVReference(t *testing.T) {
	if os.Getenv("DT_CHECK_REFS") == "" {
		t.Skip("DT_CHECK_REFS=1 re-measures the real stimuli's reference (about 13 minutes)")
	}
	tarFile, labelFile := os.Getenv("DT_KAY_STIMULI_TAR"), os.Getenv("DT_KAY_LABELS")
	if tarFile == "" {
		tarFile = filepath.Join("..", "..", "..", "shared", "data", "kay", "kay_train_stimuli_jpeg.tar")
	}
	if labelFile == "" {
		labelFile = filepath.Join(filepath.Dir(tarFile), "kay_labels.npy")
	}
	if _, err := os.Stat(tarFile); err != nil {
		t.Skipf("the real stimuli's JPEG copies are not at hand (%v)", err)
	}
	d, err := kay.LoadPictures(tarFile, labelFile)
	if err != nil {
		t.Fatal(err)
	}
	ref := readRealHeadCV(t)
	got := headCV(t, d, ref.Folds)
	names := make([]string, 0, len(got))
	for name := range got {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		r, want := got[name], ref.Models[name]
		t.Logf("%-20s %.4f (balanced %.4f); committed %.3f", name, r.Accuracy.Value, r.Balanced, want.Accuracy)
		if math.Abs(r.Accuracy.Value-want.Accuracy) > 0.0015 || math.Abs(r.Balanced-want.Balanced) > 0.0015 {
			t.Errorf("%s: accuracy %.4f, balanced %.4f on the real stimuli; committed %.3f, %.3f", name, r.Accuracy.Value, r.Balanced, want.Accuracy, want.Balanced)
		}
	}
}
