package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPowerCommand runs `power` end to end on a small grid: power.json has
// one row per cell with the documented names, power.png exists, the power
// at effect 0 stays near the level (the rejection rate at most 5% plus
// three binomial standard errors), power grows with the effect, and bad
// lists are refused before any work.
func TestPowerCommand(t *testing.T) {
	out := t.TempDir()
	const runs = 300
	if err := runPower(context.Background(), []string{"--out", out, "--models", "10,35", "--effects", "0,0.5",
		"--runs", "300", "--permutations", "99", "--seed", "2"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, powerFile))
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]float64
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4: %s", len(rows), b)
	}
	for _, k := range []string{"n_models", "n_images", "seeds", "effect", "power", "ci_low", "ci_high", "rejection_rate"} {
		if _, ok := rows[0][k]; !ok {
			t.Errorf("row has no %q: %v", k, rows[0])
		}
	}
	tol := 3 * math.Sqrt(0.05*0.95/runs)
	for _, r := range rows {
		if r["n_images"] != 114 || r["seeds"] != 3 {
			t.Errorf("row %v: defaults of --images and --seeds not recorded", r)
		}
		if r["effect"] == 0 && (r["rejection_rate"] > 0.05+tol || r["power"] > 0.05+tol) {
			t.Errorf("effect 0: %v, want rejections near 0.05", r)
		}
	}
	if !(rows[3]["power"] > rows[2]["power"]+0.2) { // 35 models: effect 0.5 against 0
		t.Errorf("35 models: power %v at 0.5, %v at 0", rows[3]["power"], rows[2]["power"])
	}
	if st, err := os.Stat(filepath.Join(out, "power.png")); err != nil || st.Size() < 1000 {
		t.Errorf("power.png: %v", err)
	}
	for _, bad := range [][]string{{"--models", "5,x"}, {"--models", "0"}, {"--effects", "0,1"}, {"--effects", ""}} {
		err := runPower(context.Background(), append([]string{"--out", t.TempDir()}, bad...))
		if err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%v: %v, want an error naming %s", bad, err, bad[0])
		}
	}
}
