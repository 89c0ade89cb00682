package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// TestHeadCVFromPictures drives head-cv as the simulator's calibration
// does: a tar of pictures and a label file (here 60 pictures whose class is
// their stripes' orientation) through random-weight resnet18. The
// accuracy is written to head_cv.json with its interval, and a mismatched
// label file or a half-given pair of flags is refused before any work.
func TestHeadCVFromPictures(t *testing.T) {
	dir := t.TempDir()
	const n, side = 60, 64
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	labels := make([]string, 0, 4*n)
	names := []string{"animal", "artifact", "geological formation"}
	for i := range n {
		im := image.NewGray(image.Rect(0, 0, side, side))
		for y := range side {
			for x := range side {
				v := 0.0
				switch i % 3 {
				case 0:
					v = math.Sin(float64(y) + float64(i))
				case 1:
					v = math.Sin(float64(x) + float64(i))
				}
				im.SetGray(x, y, color.Gray{Y: uint8(128 + 100*v)})
			}
		}
		var p bytes.Buffer
		if err := png.Encode(&p, im); err != nil {
			t.Fatal(err)
		}
		_ = tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("stimuli/%d.png", i), Mode: 0o644, Size: int64(p.Len()), Typeflag: tar.TypeReg})
		_, _ = tw.Write(p.Bytes())
	}
	_ = tw.Close()
	for range kay.Levels {
		for i := range n {
			labels = append(labels, names[i%3])
		}
	}
	tarFile, labelFile, out := filepath.Join(dir, "pics.tar"), filepath.Join(dir, "labels.npy"), filepath.Join(dir, "out")
	if err := os.WriteFile(tarFile, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := npfile.WriteNPY(labelFile, npfile.Array{Shape: []int{kay.Levels, n}, Data: labels}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := runHeadCV(ctx, []string{"--stimuli-tar", tarFile, "--out", out}); err == nil || !strings.Contains(err.Error(), "go together") {
		t.Errorf("--stimuli-tar without --labels: %v", err)
	}
	short := filepath.Join(dir, "short.npy")
	_ = npfile.WriteNPY(short, npfile.Array{Shape: []int{kay.Levels, n - 1}, Data: labels[:kay.Levels*(n-1)]})
	if err := runHeadCV(ctx, []string{"--stimuli-tar", tarFile, "--labels", short, "--models", "resnet18", "--out", out}); err == nil || !strings.Contains(err.Error(), "short.npy") {
		t.Errorf("labels for 59 of 60 pictures: %v", err)
	}
	if err := runHeadCV(ctx, []string{"--stimuli-tar", tarFile, "--labels", labelFile, "--models", "resnet18", "--folds", "3", "--out", out}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Folds  int `json:"folds"`
		Models []struct {
			Model    string `json:"model"`
			Images   int    `json:"images"`
			Accuracy struct {
				Value float64 `json:"value"`
				Low   float64 `json:"ci_low"`
				N     int     `json:"n"`
			} `json:"accuracy"`
		} `json:"models"`
	}
	b, err := os.ReadFile(filepath.Join(out, HeadCVFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Folds != 3 || len(doc.Models) != 1 {
		t.Fatalf("%s: %+v %v", HeadCVFile, doc, err)
	}
	m := doc.Models[0]
	if m.Model != "resnet18" || m.Images != n || m.Accuracy.N != n || m.Accuracy.Low < 0.4 {
		t.Errorf("resnet18 on stripes: %+v, want all 60 pictures predicted, far above chance (1/3)", m)
	}
}
