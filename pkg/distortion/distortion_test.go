package distortion

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestParse: kind names with their default levels or their own, the first
// primary; unknown kinds, bad or too few levels, repeats and an empty list
// are errors that say what was wrong.
func TestParse(t *testing.T) {
	got, err := Parse("box, gaussian=0/0.5/1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "box" || !slices.Equal(got[0].Levels, Box().Levels) ||
		got[1].Name != "gaussian" || !slices.Equal(got[1].Levels, []float64{0, 0.5, 1}) {
		t.Errorf("Parse: %+v", got)
	}
	for spec, want := range map[string]string{
		"motion":            `unknown distortion "motion" (want one of gaussian, box)`,
		"gaussian=0/x":      `level "x" is not a number`,
		"gaussian=1":        "need at least 2 levels",
		"gaussian=0/-1":     "sigma -1",
		"box=1/2.5":         "blur_limit 2.5",
		"gaussian,gaussian": "listed twice",
		" , ":               "no distortion",
	} {
		if _, err := Parse(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q): %v, want an error containing %q", spec, err, want)
		}
	}
	if d, err := Parse("gaussian=0/NaN"); err == nil {
		t.Errorf("NaN level accepted: %+v", d)
	}
}

// TestNewKindIsOneEntry: a kind added to the table is listed, parsed from
// the flag's syntax with its default levels, validated and applied.
func TestNewKindIsOneEntry(t *testing.T) {
	saved := kinds
	defer func() { kinds = saved }()
	kinds = append(slices.Clip(kinds), Kind{Name: "contrast", Title: "contrast reduction", LevelName: "factor", Unit: "of the contrast kept",
		Default: []float64{1, 0.5, 0.25},
		Check: func(l float64) error {
			if !(l >= 0 && l <= 1) {
				return errors.New("want a factor in [0, 1]")
			}
			return nil
		},
		Apply: func(level float64, _ int64) Func {
			return func(_ int, pix []float32, _, _ int) []float32 {
				out := make([]float32, len(pix))
				for i, v := range pix {
					out[i] = float32(level) * v
				}
				return out
			}
		}})
	if !slices.Contains(Names(), "contrast") {
		t.Fatalf("Names() = %v", Names())
	}
	ds, err := Parse("contrast,gaussian")
	if err != nil || len(ds) != 2 || !slices.Equal(ds[0].Levels, []float64{1, 0.5, 0.25}) || ds[0].Title() != "contrast reduction" {
		t.Fatalf("Parse: %+v, %v", ds, err)
	}
	f, err := ds[0].Func(0.5, 1)
	if err != nil || f(0, []float32{2, -4}, 1, 2)[1] != -2 {
		t.Errorf("contrast 0.5 of [2 -4]: %v", err)
	}
	if _, err := Parse("contrast=1/2"); err == nil || !strings.Contains(err.Error(), "factor") {
		t.Errorf("level out of range: %v", err)
	}
}
