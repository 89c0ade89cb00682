package study

import (
	"context"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"

	"github.com/decodingthoughts/decoding-thoughts/pkg/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
)

// keyFile records, in a stage's folder, the digest of the stage's inputs:
// a later run with the same digest reopens the stage instead of redoing it.
const keyFile = "inputs.key"

func fresh(dir, key string) bool {
	b, err := os.ReadFile(filepath.Join(dir, keyFile))
	return err == nil && string(b) == key
}

func markDone(dir, key string) error {
	return atomicfile.WriteBytes(filepath.Join(dir, keyFile), []byte(key))
}

// FMRI trains the decoder into dir, or reopens it when dir holds a run of
// the same dataset files and options.
func FMRI(ctx context.Context, b compute.Backend, d *kay.Dataset, opt decoder.Options, dir string) (*decoder.Result, error) {
	keyOpt := opt
	keyOpt.Progress, keyOpt.Train.Progress = nil, nil
	key := cachedir.Key("fmri-v1", d.Fingerprint(), keyOpt)
	if fresh(dir, key) {
		if r, err := decoder.Open(b, dir, d); err == nil {
			return r, nil
		}
	}
	r, err := decoder.Run(ctx, b, d, opt)
	if err != nil {
		return nil, err
	}
	if err := r.Write(dir); err != nil {
		return nil, err
	}
	return r, markDone(dir, key)
}

// CNN trains one stimulus classifier's head into dir, or reopens it when dir
// holds a run of the same backbone weights, dataset files and options.
func CNN(ctx context.Context, hb compute.Backend, m *cnn.Model, d *kay.Dataset, opt stimulus.Options, dir string) (*stimulus.Result, error) {
	keyOpt := opt
	keyOpt.Progress, keyOpt.Train.Progress, keyOpt.Features.Progress = nil, nil, nil
	key := cachedir.Key("cnn-v1", m.Arch.Name, m.Weights, d.Fingerprint(), keyOpt)
	if fresh(dir, key) {
		if r, err := stimulus.Open(ctx, hb, m, dir, d, opt); err == nil {
			return r, nil
		}
	}
	r, err := stimulus.Run(ctx, hb, m, d, opt)
	if err != nil {
		return nil, err
	}
	if err := r.Write(dir); err != nil {
		return nil, err
	}
	return r, markDone(dir, key)
}
