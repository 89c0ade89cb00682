package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/internal/progress"
	"github.com/decodingthoughts/decoding-thoughts/pkg/hypothesis"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
)

// powerFile is the power command's table.
const powerFile = "power.json"

// runPower simulates the cross-model regression (hypothesis.Simulation)
// over a grid of numbers of models and planted effects and writes the
// Freedman-Lane test's power: how many models the question needs.
func runPower(ctx context.Context, args []string) error {
	var c common
	fs := newFlags("power", &c)
	out := fs.String("out", "", "output folder for "+powerFile+" and power.png (required)")
	modelList := fs.String("models", "5,10,20,35,50", "comma-separated numbers of models")
	images := fs.Int("images", hypothesis.ReferenceImages, "test images per model's measurement (measurement noise shrinks with them)")
	seeds := fs.Int("seeds", 3, "training seeds per model's measurement")
	effectList := fs.String("effects", "0,0.2,0.3,0.5", "comma-separated planted partial correlations of brain-likeness and robustness given the covariates, each in (-1, 1)")
	runs := fs.Int("runs", 1000, "simulated studies per cell")
	perms := fs.Int("permutations", 199, "Freedman-Lane permutations per simulated study")
	seed := fs.Uint64("seed", 1, "random seed; the same flags give the same table")
	if err := parse(fs, args, &c); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	models, err := parseInts("models", *modelList, 1, 100000)
	if err != nil {
		return err
	}
	effects, err := parseEffects(*effectList)
	if err != nil {
		return err
	}
	if err := lockOut(*out); err != nil {
		return err
	}
	bar := progress.New(os.Stderr, "power", int64(len(models)*len(effects)**runs), "run")
	rows, err := hypothesis.PowerGrid(ctx, models, effects, *images, *seeds, *runs, *perms, *seed, func(runs int) { bar.Add(int64(runs)) })
	if err != nil {
		return err
	}
	bar.Done()
	if err := atomicfile.Write(filepath.Join(*out, powerFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}); err != nil {
		return err
	}
	p, err := hypothesis.PowerPlot(models, effects, rows)
	if err != nil {
		return err
	}
	fig, err := plots.Render("power", p, plots.WideW, plots.WideH)
	if err != nil {
		return err
	}
	if err := fig.Save(*out); err != nil {
		return err
	}
	hypothesis.WritePowerTable(os.Stdout, rows)
	fmt.Printf("power: %s and %s.png in %s\n", powerFile, fig.Name, *out)
	return nil
}

// parseInts reads a comma-separated list of integers in [lo, hi].
func parseInts(flag, list string, lo, hi int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < lo || v > hi {
			return nil, fmt.Errorf("--%s %q: want comma-separated integers from %d to %d", flag, list, lo, hi)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseEffects reads a comma-separated list of partial correlations in (-1, 1).
func parseEffects(list string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(list, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(math.Abs(v) < 1) {
			return nil, fmt.Errorf("--effects %q: want comma-separated partial correlations in (-1, 1)", list)
		}
		out = append(out, v)
	}
	return out, nil
}
