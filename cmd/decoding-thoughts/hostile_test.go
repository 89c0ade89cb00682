package main

import (
	"archive/zip"
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
	"github.com/decodingthoughts/decoding-thoughts/pkg/weights"
)

// tinyDataset writes a small simulated dataset (16 training and 6 test
// images of the study's classes) into a new folder.
func tinyDataset(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cfg, _ := synth.Profile("quick", 4)
	cfg.TrainCounts = map[string]int{"animal": 6, "artifact": 6, "geological formation": 4}
	cfg.TestCounts = map[string]int{"animal": 2, "artifact": 2, "geological formation": 2}
	if _, _, err := synth.Write(dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

// rewriteNPZ rewrites one entry of an .npz archive through edit, as a
// valid archive (fresh CRC-32): the hostile content is inside the array.
func rewriteNPZ(t *testing.T, path, key string, edit func([]byte) []byte) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == key+".npy" {
			b = edit(b)
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		_, _ = w.Write(b)
	}
	zr.Close()
	_ = zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHostileInputs drives the CLI as its own process with the malformed
// inputs of issue 12 and checks each outcome: exit status 1 (a Go panic
// exits 2), an error naming the file and what was expected, no stack trace,
// no file under a real name in --out, and an end within the time bound.
func TestHostileInputs(t *testing.T) {
	type hostile struct {
		name  string
		setup func(t *testing.T, dir string) []string // returns the CLI arguments
		want  []string                                // in stderr
	}
	cases := []hostile{
		{"F1 npy header claiming 10^12 elements in kay_images.npz", func(t *testing.T, dir string) []string {
			data := tinyDataset(t)
			rewriteNPZ(t, filepath.Join(data, "kay_images.npz"), "responses_test", func(b []byte) []byte {
				from, to := []byte("'shape': (6, "), []byte("'shape': (1000000000000, ")
				if !bytes.Contains(b, from) {
					t.Fatalf("test setup: no %q in the header", from)
				}
				// the header keeps its length: take the padding's spaces
				pad := bytes.Repeat([]byte(" "), len(to)-len(from))
				b = bytes.Replace(b, append(pad, '\n'), []byte("\n"), 1)
				return bytes.Replace(b, from, to, 1)
			})
			return []string{"explore", "--data-dir", data, "--out", filepath.Join(dir, "out")}
		}, []string{"kay_images.npz", `"responses_test"`, "more than"}},
		{"F2 flipped byte in a stored entry", func(t *testing.T, dir string) []string {
			data := tinyDataset(t)
			p := filepath.Join(data, "kay_images.npz")
			b, _ := os.ReadFile(p)
			i := bytes.Index(b, []byte("responses.npy")) + 600 // inside the responses' data
			b[i] ^= 0x55
			_ = os.WriteFile(p, b, 0o644)
			return []string{"explore", "--data-dir", data, "--out", filepath.Join(dir, "out")}
		}, []string{"kay_images.npz", "CRC-32"}},
		{"F3 zero-byte .pth", func(t *testing.T, dir string) []string {
			p := filepath.Join(dir, "empty.pth")
			_ = os.WriteFile(p, nil, 0o644)
			return []string{"features", "--model", "resnet18", "--weights", p, "--images", images(t, dir), "--out", filepath.Join(dir, "out", "f.npz")}
		}, []string{"empty.pth", "not a torch checkpoint"}},
		{"F7 constant stimuli", func(t *testing.T, dir string) []string {
			data := tinyDataset(t)
			rewriteNPZ(t, filepath.Join(data, "kay_images.npz"), "stimuli", func(b []byte) []byte {
				h := len(b) - 16*128*128*4 // the header; the data follow
				return append(b[:h:h], make([]byte, 16*128*128*4)...)
			})
			return []string{"train-cnn", "--data-dir", data, "--models", "resnet18", "--weights", "random", "--out", filepath.Join(dir, "out")}
		}, []string{"no contrast"}},
		{"F9 weights holding NaN", func(t *testing.T, dir string) []string {
			a, _ := cnn.Get("resnet18")
			sd, err := a.RandomStateDict(1)
			if err != nil {
				t.Fatal(err)
			}
			sd[0].Array.Data.([]float32)[5] = float32(math.NaN())
			p := filepath.Join(dir, "nan.safetensors")
			if err := weights.WriteSafetensors(p, sd); err != nil {
				t.Fatal(err)
			}
			return []string{"features", "--model", "resnet18", "--weights", p, "--images", images(t, dir), "--out", filepath.Join(dir, "out", "f.npz")}
		}, []string{"nan.safetensors", sdKey(t), "finite"}},
		{"NaN pixel in features --images", func(t *testing.T, dir string) []string {
			p := images(t, dir)
			a, _ := npfile.ReadNPY(p)
			a.Data.([]float32)[100] = float32(math.NaN())
			_ = npfile.WriteNPY(p, a)
			return []string{"features", "--model", "resnet18", "--weights", "random", "--images", p, "--out", filepath.Join(dir, "out", "f.npz")}
		}, []string{"x.npy", "NaN at flat index 100", "finite"}},
		{"negative BatchNorm running_var", func(t *testing.T, dir string) []string {
			a, _ := cnn.Get("resnet18")
			sd, err := a.RandomStateDict(1)
			if err != nil {
				t.Fatal(err)
			}
			key := ""
			for _, e := range sd {
				if strings.HasSuffix(e.Key, ".running_var") && key == "" {
					e.Array.Data.([]float32)[2], key = -0.5, e.Key
				}
			}
			p := filepath.Join(dir, "negvar.safetensors")
			if err := weights.WriteSafetensors(p, sd); err != nil {
				t.Fatal(err)
			}
			return []string{"features", "--model", "resnet18", "--weights", p, "--images", images(t, dir), "--out", filepath.Join(dir, "out", "f.npz")}
		}, []string{"negvar.safetensors", "running_var", "-0.5", ">= 0"}},
		{"missing key", func(t *testing.T, dir string) []string {
			data := tinyDataset(t)
			p := filepath.Join(data, "kay_images.npz")
			z, _ := npfile.OpenNPZ(p)
			var keep []npfile.Entry
			for _, k := range z.Keys() {
				if k != "roi" {
					a, _ := z.Read(k)
					keep = append(keep, npfile.Entry{Key: k, Array: a})
				}
			}
			z.Close()
			_ = npfile.WriteNPZ(p, keep...)
			return []string{"explore", "--data-dir", data, "--out", filepath.Join(dir, "out")}
		}, []string{"kay_images.npz", `"roi"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			args := c.setup(t, dir)
			cmd := cli(t, args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			t0 := time.Now()
			err := cmd.Run()
			took := time.Since(t0)
			msg := stderr.String()
			if code := cmd.ProcessState.ExitCode(); code != 1 {
				t.Errorf("exit status %d (%v), want 1; stderr:\n%s", code, err, msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr lacks %q:\n%s", w, msg)
				}
			}
			if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic") {
				t.Errorf("stack trace or panic reached the user:\n%s", msg)
			}
			if took > 60*time.Second {
				t.Errorf("took %v", took)
			}
			_ = filepath.WalkDir(filepath.Join(dir, "out"), func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && d.Name() != ".lock" {
					t.Errorf("output left under a real name: %s", p)
				}
				return nil
			})
		})
	}
}

// images writes two 3x32x32 float32 images for the features command.
func images(t *testing.T, dir string) string {
	p := filepath.Join(dir, "x.npy")
	x := make([]float32, 2*3*32*32)
	for i := range x {
		x[i] = float32(i%17) / 17
	}
	if err := npfile.WriteNPY(p, npfile.Array{Shape: []int{2, 3, 32, 32}, Data: x}); err != nil {
		t.Fatal(err)
	}
	return p
}

// sdKey is the name of resnet18's first tensor (where F9 plants a NaN).
func sdKey(t *testing.T) string {
	a, _ := cnn.Get("resnet18")
	sd, err := a.RandomStateDict(1)
	if err != nil {
		t.Fatal(err)
	}
	return sd[0].Key
}
