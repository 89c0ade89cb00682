package cnn

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/weights"
)

// TestVariants: issue 14's model variants. A LABEL=ARCH:WEIGHTS selector
// registers the architecture under its own label with its own weights
// (once; the same label with other weights, a registry name as label, an
// unknown architecture or a missing ":" are errors naming the problem); Open
// loads the variant's file whatever the weights spec (but "random"), and
// an address is downloaded into the weights folder, verified against a
// "#sha256=" digest when one is given. "all" and globs leave variants out.
func TestVariants(t *testing.T) {
	dir := t.TempDir()
	a, _ := Get("mobilenet_v3_small")
	sd, err := a.RandomStateDict(99)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "other.safetensors")
	if err := weights.WriteSafetensors(file, sd); err != nil {
		t.Fatal(err)
	}
	archs, err := Lookup("mobilenet_v3_small,mv3s_other=mobilenet_v3_small:" + file)
	if err != nil {
		t.Fatal(err)
	}
	if len(archs) != 2 || archs[1].Name != "mv3s_other" || archs[1].TorchName() != "mobilenet_v3_small" || archs[1].Study {
		t.Fatalf("variant: %+v", archs[1])
	}
	if again, err := Lookup("mv3s_other=mobilenet_v3_small:" + file); err != nil || again[0].Order != archs[1].Order {
		t.Errorf("registering the same variant again: %v", err)
	}
	for sel, want := range map[string]string{
		"mv3s_other=mobilenet_v3_small:/elsewhere.pth": "already mobilenet_v3_small:" + file,
		"resnet50=resnet18:" + file:                    "the registry's own",
		"x1=nosuchnet:" + file:                         `unknown architecture "nosuchnet"`,
		"x2=resnet18":                                  "want LABEL=ARCH:WEIGHTS",
		"bad label=resnet18:" + file:                   "label",
	} {
		if _, err := Lookup(sel); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Lookup(%q): %v, want an error with %q", sel, err, want)
		}
	}
	for _, sel := range []string{"all", "mobilenet*", "mv3s*"} {
		got, _ := Lookup(sel)
		for _, g := range got {
			if g.Base != "" {
				t.Errorf("Lookup(%q) includes the variant %s", sel, g.Name)
			}
		}
	}
	b, _, err := backend.FromEnv(os.Getenv).New("go", backend.Convolutions)
	if err != nil {
		t.Fatal(err)
	}
	x := noise(5, 1, 32, 32)
	forward := func(m *Model) []float32 {
		l, _, err := m.Forward(x, 1, 32, 32)
		if err != nil {
			t.Fatal(err)
		}
		m.Close()
		return l
	}
	ref, err := NewFromFile(b, a, file)
	if err != nil {
		t.Fatal(err)
	}
	want := forward(ref)
	for _, spec := range []string{"auto", "download", dir} {
		m, err := Open(context.Background(), b, archs[1], spec, 1, filepath.Join(dir, "w"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.Weights != file || !m.Pretrained() {
			t.Errorf("spec %s: weights %q (pretrained %v), want the variant's file", spec, m.Weights, m.Pretrained())
		}
		if d := relDiff(forward(m), want); d != 0 {
			t.Errorf("spec %s: the variant's logits differ from its file's by %g", spec, d)
		}
	}
	if m, err := Open(context.Background(), b, archs[1], "random", 1, "", nil); err != nil || m.Pretrained() {
		t.Errorf("random spec: %v", err)
	}

	// From an address, verified.
	blob, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(blob) }))
	defer srv.Close()
	sum := sha256.Sum256(blob)
	good := srv.URL + "/release/v1/weights.safetensors#sha256=" + hex.EncodeToString(sum[:])[:12]
	v, err := Variant("mv3s_url", "mobilenet_v3_small", good)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(context.Background(), b, v, "auto", 1, filepath.Join(dir, "w"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Weights, filepath.Join(dir, "w", "variants")) {
		t.Errorf("downloaded to %s", m.Weights)
	}
	if d := relDiff(forward(m), want); d != 0 {
		t.Errorf("downloaded variant's logits differ by %g", d)
	}
	bad, _ := Variant("mv3s_bad", "mobilenet_v3_small", srv.URL+"/other/weights.safetensors#sha256=00000000")
	if _, err := Open(context.Background(), b, bad, "auto", 1, filepath.Join(dir, "w"), nil); err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Errorf("a digest mismatch: %v", err)
	}
}
