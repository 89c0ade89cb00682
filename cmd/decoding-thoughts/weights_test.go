package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/internal/fetch"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/weights"
)

// TestWeightsFetchesVariants: `weights --models LABEL=ARCH:URL#sha256=HEX`
// downloads the variant's checkpoint, verified, where train-cnn looks for it
// (train-cnn then opens it with the server gone); a second call is a cache
// hit; a digest mismatch is an error naming the address and the digest, and
// leaves no file; `models` lists the cached file.
func TestWeightsFetchesVariants(t *testing.T) {
	t.Setenv(cachedir.EnvVar, t.TempDir())
	ctx := context.Background()
	a, _ := cnn.Get("mobilenet_v3_small")
	sd, err := a.RandomStateDict(7)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "mv3s.safetensors")
	if err := weights.WriteSafetensors(file, sd); err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(file)
	sum, _ := fetch.SHA256File(file)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.ServeContent(w, r, "mv3s.safetensors", time.Time{}, bytes.NewReader(body))
	}))
	defer srv.Close()

	url := srv.URL + "/release/mv3s.safetensors"
	sel := "mv3s_weights_cmd=mobilenet_v3_small:" + url + "#sha256=" + sum[:16]
	for range 2 {
		if err := runWeights(ctx, []string{"--models", sel}); err != nil {
			t.Fatal(err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("%d requests for two calls, want 1 (the second a cache hit)", n)
	}
	want, ok := weights.CachedURL(filepath.Join(cachedir.Path("weights"), "variants"), url)
	if !ok {
		t.Fatalf("the variant is not in the cache (want %s)", want)
	}
	if got, _ := fetch.SHA256File(want); got != sum {
		t.Errorf("%s: sha256 %s, want %s", want, got, sum)
	}

	// train-cnn's path to the backbone finds the file without the server.
	srv.Close()
	v, err := cnn.Get("mv3s_weights_cmd")
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := backend.FromEnv(os.Getenv).New("go", backend.Convolutions)
	if err != nil {
		t.Fatal(err)
	}
	m, err := openBackbone(ctx, b, v, "auto", 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Weights != want || !m.Pretrained() {
		t.Errorf("train-cnn opened %s (pretrained %v), want %s", m.Weights, m.Pretrained(), want)
	}
	if got := cachedWeights(v, cachedir.Path("weights")); got != want {
		t.Errorf("models lists %s, want %s", got, want)
	}
}

// TestWeightsVariantErrors: a variant's digest mismatch names the address and
// what was expected and leaves no file; a missing local file names itself;
// neither is the old `"" is not a torchvision weight file name`.
func TestWeightsVariantErrors(t *testing.T) {
	t.Setenv(cachedir.EnvVar, t.TempDir())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("not a checkpoint"))
	}))
	defer srv.Close()
	url := srv.URL + "/x.pth"
	missing := filepath.Join(t.TempDir(), "absent.pth")
	for sel, wants := range map[string][]string{
		"mv3s_bad_digest=mobilenet_v3_small:" + url + "#sha256=00000000": {url, "verification failed", "sha256", "want 00000000"},
		"mv3s_missing=mobilenet_v3_small:" + missing:                     {missing, "no such file"},
	} {
		err := runWeights(context.Background(), []string{"--models", sel})
		if err == nil || strings.Contains(err.Error(), "torchvision weight file name") {
			t.Errorf("%s: got %v", sel, err)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: the error lacks %q: %v", sel, w, err)
			}
		}
	}
	variants := filepath.Join(cachedir.Path("weights"), "variants")
	if entries, _ := os.ReadDir(variants); len(entries) != 0 {
		t.Errorf("left in %s: %v", variants, entries)
	}
}
