package study

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
)

// keyFile records, in a stage's folder, the digest of the stage's inputs:
// a later run with the same digest reopens the stage instead of redoing it.
const keyFile = "inputs.key"

// reuse returns open()'s result when dir records key, else run()'s, written
// into dir and recorded. A stage that cannot be reopened (a damaged file, a
// checkpoint holding NaN) is run again, saying why on w.
func reuse[R interface{ Write(dir string) error }](w io.Writer, dir, key string, open, run func() (R, error)) (R, error) {
	if b, err := os.ReadFile(filepath.Join(dir, keyFile)); err == nil && string(b) == key {
		r, err := open()
		if err == nil {
			return r, nil
		}
		if w != nil {
			fmt.Fprintf(w, "cannot reopen %s: %v; running it again\n", dir, err)
		}
	}
	r, err := run()
	if err != nil {
		return r, err
	}
	if err := r.Write(dir); err != nil {
		return r, err
	}
	return r, atomicfile.WriteBytes(filepath.Join(dir, keyFile), []byte(key))
}

// FMRI trains the decoder into dir, or reopens it when dir holds a run of
// the same dataset files and options.
func FMRI(ctx context.Context, b compute.Backend, d *kay.Dataset, opt decoder.Options, dir string) (*decoder.Result, error) {
	keyOpt := opt
	keyOpt.Progress, keyOpt.Train.Progress = nil, nil
	return reuse(opt.Progress, dir, cachedir.Key("fmri-v1", d.Fingerprint(), keyOpt),
		func() (*decoder.Result, error) { return decoder.Open(b, dir, d) },
		func() (*decoder.Result, error) { return decoder.Run(ctx, b, d, opt) })
}

// CNN trains one stimulus classifier's head into dir, or reopens it when dir
// holds a run of the same backbone weights, dataset files and options.
func CNN(ctx context.Context, hb compute.Backend, m *cnn.Model, d *kay.Dataset, opt stimulus.Options, dir string) (*stimulus.Result, error) {
	keyOpt := opt
	keyOpt.Progress, keyOpt.Train.Progress, keyOpt.Features.Progress = nil, nil, nil
	keyOpt.Features.Batch = 0 // the backbone's batch does not change the features (backend.DefaultBatch)
	return reuse(opt.Progress, dir, cachedir.Key("cnn-v1", m.Arch.Name, m.Weights, d.Fingerprint(), keyOpt),
		func() (*stimulus.Result, error) { return stimulus.Open(ctx, hb, m, dir, d, opt) },
		func() (*stimulus.Result, error) { return stimulus.Run(ctx, hb, m, d, opt) })
}
