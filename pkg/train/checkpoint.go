package train

import (
	"encoding/json"
	"fmt"

	"github.com/gomlx/compute"

	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// MetaKey is the checkpoint entry holding the JSON metadata (as uint8 bytes,
// so numpy reads it with json.loads(bytes(z["__meta__"]))). Every other entry
// is a torch state_dict key: torch.load_state_dict accepts them as they are.
const MetaKey = "__meta__"

// Save writes the model's state dict and meta (any JSON value: the network's
// configuration, class names, history) to an .npz checkpoint, atomically.
func (m *Model) Save(path string, meta any) error {
	entries, err := nn.StateDict(m.Scope())
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	js, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("%s: metadata: %w", path, err)
	}
	entries = append(entries, npfile.Entry{Key: MetaKey, Array: npfile.Array{Shape: []int{len(js)}, Data: js}})
	return npfile.WriteNPZ(path, entries...)
}

// ReadCheckpoint returns a checkpoint's state dict and its raw metadata.
func ReadCheckpoint(path string) ([]npfile.Entry, json.RawMessage, error) {
	z, err := npfile.OpenNPZ(path)
	if err != nil {
		return nil, nil, err
	}
	defer z.Close()
	var entries []npfile.Entry
	var meta json.RawMessage
	for _, k := range z.Keys() {
		a, err := z.Read(k)
		if err != nil {
			return nil, nil, err
		}
		if k != MetaKey {
			if err := a.CheckFinite(); err != nil {
				return nil, nil, fmt.Errorf("%s: key %q: %w: a checkpoint's weights must be finite", path, k, err)
			}
			entries = append(entries, npfile.Entry{Key: k, Array: a})
			continue
		}
		b, ok := a.Data.([]uint8)
		if !ok || !json.Valid(b) {
			return nil, nil, fmt.Errorf("%s: key %q: want uint8 JSON bytes, got %s", path, MetaKey, a.Describe())
		}
		meta = b
	}
	if meta == nil {
		return nil, nil, fmt.Errorf("%s: key %q missing: not a decoding-thoughts checkpoint", path, MetaKey)
	}
	return entries, meta, nil
}

// Load sets the model's weights from a state dict (ReadCheckpoint's).
func (m *Model) Load(entries []npfile.Entry) error {
	m.exec = nil
	return nn.LoadStateDict(m.Scope(), entries)
}

// LoadCheckpoint reads a checkpoint whose metadata is an M, asks network for
// the network it describes (and the seed it was made with; an error refuses
// the checkpoint, e.g. another model's), and returns the model with the
// checkpoint's weights on backend b. Errors name the file.
func LoadCheckpoint[M any](b compute.Backend, path string, network func(meta M) (Network, int64, error)) (*Model, M, error) {
	var meta M
	entries, raw, err := ReadCheckpoint(path)
	if err != nil {
		return nil, meta, err
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, meta, fmt.Errorf("%s: metadata: %w", path, err)
	}
	net, seed, err := network(meta)
	if err != nil {
		return nil, meta, fmt.Errorf("%s: %w", path, err)
	}
	m, err := New(b, net, seed)
	if err != nil {
		return nil, meta, err
	}
	if err := m.Load(entries); err != nil {
		return nil, meta, fmt.Errorf("%s: %w", path, err)
	}
	return m, meta, nil
}
