package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/internal/simtest"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
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

// TestTrainFMRIAndFeatures drives train-fmri and features as a user would.
func TestTrainFMRIAndFeatures(t *testing.T) {
	t.Setenv("DT_CACHE", t.TempDir())
	data, out := t.TempDir(), t.TempDir()
	ctx := context.Background()
	if err := runSynth(ctx, []string{"--profile", simtest.Profile(), "--seed", "4", "--out", data}); err != nil {
		t.Fatal(err)
	}
	if err := runTrainFMRI(ctx, []string{"--data-dir", data, "--out", out, "--epochs", "2", "--rois", "V4,LatOcc"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"checkpoint.npz", "metrics.json", "embeddings.npz", "fmri_confusion.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if err := runTrainFMRI(ctx, []string{"--data-dir", data, "--out", out, "--rois", "V9"}); err == nil || !strings.Contains(err.Error(), `unknown ROI "V9"`) {
		t.Errorf("bad ROI: %v", err)
	}
	x := make([]float32, 2*3*32*32)
	for i := range x {
		x[i] = float32(i%13) / 13
	}
	in, res := filepath.Join(out, "x.npy"), filepath.Join(out, "f.npz")
	if err := npfile.WriteNPY(in, npfile.Array{Shape: []int{2, 3, 32, 32}, Data: x}); err != nil {
		t.Fatal(err)
	}
	if err := runFeatures(ctx, []string{"--model", "resnet50", "--weights", "random", "--images", in, "--out", res, "--backend", "go"}); err != nil {
		t.Fatal(err)
	}
	z, err := npfile.OpenNPZ(res)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	l, _ := z.Read("logits")
	f, _ := z.Read("features")
	if l.Describe() != "f4 (2, 1000)" || f.Describe() != "f4 (2, 2048)" {
		t.Errorf("features file: %s, %s", l.Describe(), f.Describe())
	}
	// intermediate layers, pooled on the 4 x 4 grid
	lay := filepath.Join(out, "layers.npz")
	if err := runFeatures(ctx, []string{"--model", "resnet50", "--weights", "random", "--images", in, "--out", lay, "--backend", "go", "--layers", "layer1,layer4,penultimate", "--pool", "grid4"}); err != nil {
		t.Fatal(err)
	}
	zl, err := npfile.OpenNPZ(lay)
	if err != nil {
		t.Fatal(err)
	}
	defer zl.Close()
	for key, want := range map[string]string{"layer1": "f4 (2, 4096)", "layer4": "f4 (2, 32768)", "penultimate": "f4 (2, 2048)"} {
		if a, err := zl.Read(key); err != nil || a.Describe() != want {
			t.Errorf("layers file %s: %v %v, want %s", key, a.Describe(), err, want)
		}
	}
	if err := runFeatures(ctx, []string{"--model", "resnet50", "--weights", "random", "--images", in, "--out", lay, "--layers", "layer7"}); err == nil || !strings.Contains(err.Error(), `no layer "layer7"`) {
		t.Errorf("unknown layer: %v", err)
	}
	bad := filepath.Join(out, "bad.npy")
	_ = npfile.WriteNPY(bad, npfile.Array{Shape: []int{2, 32, 32}, Data: x[:2048]})
	if err := runFeatures(ctx, []string{"--model", "resnet50", "--weights", "random", "--images", bad, "--out", res}); err == nil || !strings.Contains(err.Error(), "want float32 (N,3,H,W)") {
		t.Errorf("images of the wrong rank: %v", err)
	}
}

// TestBadNumbersAreRefusedEarly: issue 12's F5, F6 and F8. Flags that would
// crash or fail late are refused with a message naming the flag's value,
// before any training or forward pass.
func TestBadNumbersAreRefusedEarly(t *testing.T) {
	t.Setenv("DT_BACKEND", "go")
	ctx := context.Background()
	data := t.TempDir()
	if err := runSynth(ctx, []string{"--profile", "quick", "--seed", "9", "--out", data}); err != nil {
		t.Fatal(err)
	}
	for _, lr := range []string{"NaN", "Inf", "0", "-1"} {
		out := t.TempDir()
		err := runTrainFMRI(ctx, []string{"--data-dir", data, "--out", out, "--lr", lr})
		if err == nil || !strings.HasPrefix(err.Error(), "--lr ") {
			t.Errorf("--lr %s: %v", lr, err)
		}
		if files, _ := os.ReadDir(out); len(files) != 0 {
			t.Errorf("--lr %s left %d files in the output folder", lr, len(files))
		}
	}
	images := filepath.Join(t.TempDir(), "x.npy")
	if err := npfile.WriteNPY(images, npfile.Array{Shape: []int{1, 3, 8, 8}, Data: make([]float32, 3*64)}); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"-1", "-32"} { // 0 is automatic (128 on a GPU, else 32)
		err := runFeatures(ctx, []string{"--model", "resnet18", "--weights", "random", "--images", images, "--batch", b, "--out", filepath.Join(t.TempDir(), "f.npz")})
		if err == nil || !strings.Contains(err.Error(), "--batch "+b) {
			t.Errorf("--batch %s: %v", b, err)
		}
	}
	for _, args := range [][]string{{"--permutations", "-5"}, {"--bootstraps", "-1"}, {"--bootstraps", "0"}, {"--batch", "-1"}, {"--models", "resnet50,nope"},
		{"--seeds", "-1"}, {"--synthetic", "quick"}} { // --synthetic with --data-dir: one or the other
		err := runStudy(ctx, append([]string{"--data-dir", data, "--out", t.TempDir()}, args...))
		if err == nil {
			t.Errorf("study %v accepted", args)
		}
	}
}

// mainEnv makes the test binary run the CLI's main with the arguments in it
// (JSON), so tests can drive the real process: signals, exit codes.
const mainEnv = "DT_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if args := os.Getenv(mainEnv); args != "" {
		var a []string
		if err := json.Unmarshal([]byte(args), &a); err != nil {
			panic(err)
		}
		os.Args = append([]string{"decoding-thoughts"}, a...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// cli starts the CLI as its own process.
func cli(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	js, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), mainEnv+"="+string(js), "DT_BACKEND=go")
	return cmd
}

// TestInterruptStopsWithin1s: issue 12's F10. SIGINT during work that does
// not check for it (synth's generation) ends the process within about a
// second with exit status 130, leaving no temporary file; SIGTERM too.
func TestInterruptStopsWithin1s(t *testing.T) {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		out := filepath.Join(t.TempDir(), "data")
		cmd := cli(t, "synth", "--profile", "full", "--out", out)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond)
		t0 := time.Now()
		_ = cmd.Process.Signal(sig)
		err := cmd.Wait()
		took := time.Since(t0)
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Errorf("%v: exit %v, want status 130; stderr:\n%s", sig, err, stderr.String())
		}
		if took > 3*time.Second {
			t.Errorf("%v: took %v to stop, want about 1 s", sig, took)
		}
		_ = filepath.WalkDir(filepath.Dir(out), func(p string, d os.DirEntry, _ error) error {
			if strings.Contains(d.Name(), ".tmp-") {
				t.Errorf("%v: temporary file left: %s", sig, p)
			}
			return nil
		})
		if !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("%v: stderr does not say it was interrupted:\n%s", sig, stderr.String())
		}
	}
}

// TestSecondProcessOnOneOutIsRefused: while one command holds --out,
// another on the same folder is refused at once, naming the holder.
func TestSecondProcessOnOneOutIsRefused(t *testing.T) {
	out := filepath.Join(t.TempDir(), "data")
	first := cli(t, "synth", "--profile", "full", "--out", out)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = first.Process.Kill(); _ = first.Wait() }()
	time.Sleep(1500 * time.Millisecond)
	second := cli(t, "synth", "--profile", "quick", "--out", out)
	b, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "in use by another process") || !strings.Contains(string(b), fmt.Sprintf("pid %d", first.Process.Pid)) {
		t.Errorf("second process: %v\n%s", err, b)
	}
}

// TestSynthCategoryOnly: `synth --category-only` writes the inference
// calibration's shared-labels null (every voxel driven by the labels alone:
// no stimulus weight, recorded in the truth file's configuration), and
// refuses to combine it with --null.
func TestSynthCategoryOnly(t *testing.T) {
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "cat")
	if err := runSynth(ctx, []string{"--profile", "quick", "--seed", "5", "--category-only", "--out", out}); err != nil {
		t.Fatal(err)
	}
	z, err := npfile.OpenNPZ(filepath.Join(out, synth.TruthFile))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	cfg, _ := z.Read("config_json")
	w, _ := z.Read("stimulus_weight")
	if js := cfg.Data.([]string)[0]; !strings.Contains(js, `"CategoryOnly":true`) {
		t.Errorf("config %s", js)
	}
	for i, v := range w.Data.([]float64) {
		if v != 0 {
			t.Fatalf("voxel %d has stimulus weight %v in a category-only brain", i, v)
		}
	}
	if err := runSynth(ctx, []string{"--profile", "quick", "--null", "--category-only", "--out", t.TempDir()}); err == nil || !strings.Contains(err.Error(), "null and category-only") {
		t.Errorf("--null with --category-only: %v", err)
	}
}
