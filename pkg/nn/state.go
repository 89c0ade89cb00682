package nn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// StateDict returns the variables under scope as torch names them
// ("fc1.weight", "bn1.running_mean", ...), in creation order: the same keys
// and shapes as the torch module's state_dict(). Values are copied out of the
// backend.
func StateDict(scope *model.Scope) ([]npfile.Entry, error) {
	prefix := scope.Scope() + model.ScopeSeparator
	var out []npfile.Entry
	for v := range scope.Store().IterVariables() {
		p := v.Path()
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", p, err)
		}
		a, err := toArray(t)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", p, err)
		}
		out = append(out, npfile.Entry{Key: torchName(strings.TrimPrefix(p, prefix)), Array: a})
	}
	return out, nil
}

// torchName turns a GoMLX path below the model scope ("fc1/weight") into the
// torch key ("fc1.weight").
func torchName(rel string) string {
	return strings.ReplaceAll(rel, model.ScopeSeparator, ".")
}

func toArray(t *tensors.Tensor) (npfile.Array, error) {
	shape := slices.Clone(t.Shape().Dimensions)
	switch t.DType() {
	case dtypes.Float32:
		return npfile.Array{Shape: shape, Data: tensors.MustCopyFlatData[float32](t)}, nil
	case dtypes.Int64:
		return npfile.Array{Shape: shape, Data: tensors.MustCopyFlatData[int64](t)}, nil
	}
	return npfile.Array{}, fmt.Errorf("dtype %s not supported in a state dict", t.DType())
}

// LoadStateDict sets the variables under scope from torch-named entries,
// creating them when the model graph has not been built yet. Every entry must
// be used and, for variables that exist, match in dtype and shape; the error
// names the key and both shapes. Keys in skip (e.g. torch's
// "num_batches_tracked" when absent from an old checkpoint) are ignored.
func LoadStateDict(scope *model.Scope, entries []npfile.Entry) error {
	prefix := scope.Scope() + model.ScopeSeparator
	store := scope.Store()
	for _, e := range entries {
		path := prefix + strings.ReplaceAll(e.Key, ".", model.ScopeSeparator)
		t, err := fromArray(e.Array)
		if err != nil {
			return fmt.Errorf("key %q: %w", e.Key, err)
		}
		if v := store.GetVariable(path); v != nil {
			if !v.Shape().Equal(t.Shape()) {
				return fmt.Errorf("key %q: model has %s, checkpoint has %s", e.Key, v.Shape(), t.Shape())
			}
			if err := v.SetValue(t); err != nil {
				return fmt.Errorf("key %q: %w", e.Key, err)
			}
			continue
		}
		dir, name := splitPath(path)
		sc := store.Scope(dir)
		if _, err := sc.CreateVariable(name, t); err != nil {
			return fmt.Errorf("key %q: %w", e.Key, err)
		}
		if strings.HasPrefix(name, "running_") || name == "num_batches_tracked" {
			sc.GetVariable(name).SetTrainable(false)
		}
	}
	return nil
}

func splitPath(p string) (dir, name string) {
	i := strings.LastIndex(p, model.ScopeSeparator)
	return p[:i], p[i+1:]
}

func fromArray(a npfile.Array) (*tensors.Tensor, error) {
	switch d := a.Data.(type) {
	case []float32:
		return tensors.FromFlatDataAndDimensions(d, a.Shape...), nil
	case []int64:
		return tensors.FromFlatDataAndDimensions(d, a.Shape...), nil
	}
	return nil, fmt.Errorf("dtype %s not supported, want float32 or int64", a.Kind())
}
