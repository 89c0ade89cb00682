package study

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/internal/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/robustness"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/similarity"
)

// Results is results.json: everything the study measured, for re-analysis
// and for the report. Documented field by field in the README.
type Results struct {
	Dataset    DatasetInfo                   `json:"dataset"`
	FMRI       FMRIResult                    `json:"fmri"`
	CNN        map[string]CNNResult          `json:"cnn"`
	Models     []string                      `json:"models"`  // the CNNs in the study's order
	ROIRSA     map[string]map[string]float64 `json:"roi_rsa"` // area -> model ("fmri" or a CNN) -> RSM correlation
	ROIs       []string                      `json:"rois"`    // the areas, in order
	ROIMethod  string                        `json:"roi_rsa_method"`
	Hypothesis Hypothesis                    `json:"hypothesis"`
	Timings    map[string]float64            `json:"timings"`
	Versions   map[string]string             `json:"versions"`
	Seed       int64                         `json:"seed"`
	Weights    map[string]string             `json:"weights"`
}

// DatasetInfo says what the study ran on.
type DatasetInfo struct {
	Name      string   `json:"name"`
	Dir       string   `json:"dir"`
	Synthetic bool     `json:"synthetic"`
	NTrain    int      `json:"n_train"`
	NTest     int      `json:"n_test"`
	Classes   []string `json:"classes"`
	Voxels    int      `json:"voxels"`
}

// FMRIResult is the decoder's test performance.
type FMRIResult struct {
	TestAccuracy float64 `json:"test_accuracy"`
	MacroF1      float64 `json:"macro_f1"`
}

// CNNResult is one CNN's row.
type CNNResult struct {
	TestAccuracy float64            `json:"test_accuracy"`
	MacroF1      float64            `json:"macro_f1"`
	Params       int                `json:"params"`
	Frobenius    float64            `json:"frobenius_norm"`
	Primary      robustness.Curve   `json:"distortion"`  // the primary distortion (Gaussian blur by default)
	Distortions  []robustness.Curve `json:"distortions"` // every distortion swept
	AccuracyDrop float64            `json:"accuracy_drop"`
	// RSMCorrFMRI relates the CNN's RSMs to the fMRI decoder's: every
	// method of the rsa table, keyed by method, Spearman tested.
	RSMCorrFMRI similarity.Comparison `json:"rsm_corr_fmri"`
	// RSMCorrFMRIDistorted is the Spearman RSM correlation with the fMRI
	// decoder recomputed on the primary distortion's images, per level.
	RSMCorrFMRIDistorted []float64 `json:"rsm_corr_fmri_distorted"`
	Weights              string    `json:"weights"`
	Pretrained           bool      `json:"pretrained"`
}

// Hypothesis is the test of the study's question across models: is a CNN's
// RSM correlation with the brain decoder related to its robustness (smaller
// accuracy drop under blur)?
type Hypothesis struct {
	Measure     string  `json:"measure"`      // x: which RSM correlation
	Robustness  string  `json:"robustness"`   // y: accuracy drop under which distortion
	SpearmanRho float64 `json:"spearman_rho"` // across models
	PValue      float64 `json:"p_value"`      // two-sided, exact over all orderings for n <= 9
	NModels     int     `json:"n_models"`
	Verdict     string  `json:"verdict"`
	Caveats     string  `json:"caveats"`
}

// MarshalJSON writes an undefined rho or p (too few models, or no variation
// across them) as null, never as a number.
func (h Hypothesis) MarshalJSON() ([]byte, error) {
	type plain Hypothesis
	return json.Marshal(struct {
		plain
		SpearmanRho *float64 `json:"spearman_rho"`
		PValue      *float64 `json:"p_value"`
	}{plain(h), jsonnum.Ptr(h.SpearmanRho), jsonnum.Ptr(h.PValue)})
}

// UnmarshalJSON reads a null rho or p back as NaN.
func (h *Hypothesis) UnmarshalJSON(b []byte) error {
	type plain Hypothesis
	var v struct {
		plain
		SpearmanRho *float64 `json:"spearman_rho"`
		PValue      *float64 `json:"p_value"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*h = Hypothesis(v.plain)
	h.SpearmanRho, h.PValue = jsonnum.Value(v.SpearmanRho), jsonnum.Value(v.PValue)
	return nil
}

// Load reads results.json from a study's output folder.
func Load(dir string) (*Results, error) {
	b, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ResultsFile), err)
	}
	return &r, nil
}

// LoadMatrices reads rsm/<model>.npz ("fmri" for the decoder) back into
// similarity matrices.
func LoadMatrices(dir, model string) (similarity.Matrices, error) {
	path := filepath.Join(dir, "rsm", model+".npz")
	z, err := npfile.OpenNPZ(path)
	if err != nil {
		return similarity.Matrices{}, err
	}
	defer z.Close()
	arrays := map[string]npfile.Array{}
	for key, kind := range map[string]string{"image": "f8", "class": "f8", "order": "i8", "label": "i8"} {
		a, err := z.Read(key)
		if err != nil {
			return similarity.Matrices{}, err
		}
		if a.Kind() != kind {
			return similarity.Matrices{}, fmt.Errorf("%s: key %q: want %s, got %s", path, key, kind, a.Describe())
		}
		arrays[key] = a
	}
	name := model
	if model == decoder.Name {
		name = decoder.Title
	}
	img, cls := arrays["image"], arrays["class"]
	return similarity.Matrices{Name: name,
		Image:  rsa.Matrix{N: img.Shape[0], Data: img.Data.([]float64), Kind: "cosine similarity"},
		Class:  rsa.Matrix{N: cls.Shape[0], Data: cls.Data.([]float64), Kind: "cosine similarity"},
		Order:  ints(arrays["order"].Data.([]int64)),
		Labels: ints(arrays["label"].Data.([]int64))}, nil
}

func ints(v []int64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// Summary is the results table as text: one row per CNN.
func (r *Results) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fMRI decoder: test accuracy %.3f, macro F1 %.3f\n\n", r.FMRI.TestAccuracy, r.FMRI.MacroF1)
	fmt.Fprintf(&b, "%-20s %8s %8s %9s %12s %24s %8s\n", "model", "accuracy", "drop", "Pearson*", "Spearman", "95% interval", "p")
	for _, n := range r.Models {
		c := r.CNN[n]
		sp := c.RSMCorrFMRI.Spearman()
		fmt.Fprintf(&b, "%-20s %8.3f %8.3f %9.3f %12.3f %24s %8.4f\n", n, c.TestAccuracy, c.AccuracyDrop, c.RSMCorrFMRI.PearsonFull(),
			sp.Value, fmt.Sprintf("[%.3f, %.3f]", sp.CILow, sp.CIHigh), sp.PValue)
	}
	b.WriteString("* the original's measure: Pearson over the whole matrices, diagonal included\n")
	return b.String()
}
