package weights

import (
	"archive/zip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/nlpodyssey/gopickle/pytorch"
	"github.com/nlpodyssey/gopickle/types"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/internal/lebytes"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// Read loads a state dict from a .pth/.pt/.pth.tar/.ckpt (torch.save) or
// .safetensors file, float32 and
// int64 tensors as they are, in the file's order.
func Read(path string) ([]npfile.Entry, error) {
	switch {
	case strings.HasSuffix(path, ".safetensors"):
		return ReadSafetensors(path)
	case strings.HasSuffix(path, ".pth"), strings.HasSuffix(path, ".pt"), strings.HasSuffix(path, ".pth.tar"), strings.HasSuffix(path, ".pt.tar"),
		strings.HasSuffix(path, ".ckpt"):
		return ReadPTH(path)
	}
	return nil, fmt.Errorf("%s: unknown checkpoint format (want .pth, .pt, .pth.tar, .ckpt (torch.save) or .safetensors)", path)
}

// ReadPTH reads a torch.save'd state_dict: an OrderedDict or a plain dict
// of tensors, or such a dict under the key "state_dict" or "model" of a
// training checkpoint (the layouts robustness-trained releases use; the
// other keys, such as the optimizer's state, are not read). Tensors may be
// views into larger storages; they are copied out in C order using their
// strides and offsets. Use Unwrap for the keys' prefixes.
func ReadPTH(path string) (entries []npfile.Entry, err error) {
	defer func() { // a malformed pickle must give an error, not a crash
		if p := recover(); p != nil {
			entries, err = nil, fmt.Errorf("%s: malformed checkpoint: %v", path, p)
		}
	}()
	if err := checkPTH(path); err != nil {
		return nil, err
	}
	obj, err := pytorch.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	kvs, err := stateDict(obj, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, kv := range kvs {
		entry, err := pthEntry(kv)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		entries = append(entries, entry)
	}
	return entries, nil
}

// keyValue is one entry of a pickled dict.
type keyValue struct{ key, value any }

// items lists a pickled OrderedDict's or dict's entries in order (nil, false
// for anything else).
func items(obj any) ([]keyValue, bool) {
	var out []keyValue
	switch d := obj.(type) {
	case *types.OrderedDict:
		for e := d.List.Front(); e != nil; e = e.Next() {
			kv := e.Value.(*types.OrderedDictEntry)
			out = append(out, keyValue{kv.Key, kv.Value})
		}
	case *types.Dict:
		for _, kv := range *d {
			out = append(out, keyValue{kv.Key, kv.Value})
		}
	default:
		return nil, false
	}
	return out, true
}

// wrapperKeys are the keys under which training checkpoints keep the
// weights, in the order they are looked for.
var wrapperKeys = []string{"state_dict", "model"}

// stateDict finds the dict of tensors in a loaded checkpoint: obj itself
// when it holds tensors, else its "state_dict" or "model" entry (one level
// of wrapping).
func stateDict(obj any, depth int) ([]keyValue, error) {
	kvs, ok := items(obj)
	if !ok {
		return nil, fmt.Errorf("want a state_dict (a dict of tensors) or a checkpoint holding one under %q, got %T", wrapperKeys, obj)
	}
	for _, kv := range kvs {
		if _, ok := kv.value.(*pytorch.Tensor); ok {
			return kvs, nil
		}
	}
	if depth == 0 {
		for _, w := range wrapperKeys {
			for _, kv := range kvs {
				if k, _ := kv.key.(string); k == w {
					if _, isDict := items(kv.value); isDict {
						return stateDict(kv.value, depth+1)
					}
				}
			}
		}
	}
	var keys []string
	for _, kv := range kvs {
		keys = append(keys, fmt.Sprint(kv.key))
	}
	return nil, fmt.Errorf("no tensors, and no dict of them under %q (keys: %s)", wrapperKeys, strings.Join(keys, ", "))
}

func pthEntry(kv keyValue) (npfile.Entry, error) {
	key, ok := kv.key.(string)
	if !ok {
		return npfile.Entry{}, fmt.Errorf("state_dict key %v is not a string", kv.key)
	}
	t, ok := kv.value.(*pytorch.Tensor)
	if !ok {
		return npfile.Entry{}, fmt.Errorf("key %q: want a tensor, got %T", key, kv.value)
	}
	shape := append([]int{}, t.Size...)
	switch s := t.Source.(type) {
	case *pytorch.FloatStorage:
		return npfile.Entry{Key: key, Array: npfile.Array{Shape: shape, Data: gather(s.Data, t)}}, nil
	case *pytorch.LongStorage:
		return npfile.Entry{Key: key, Array: npfile.Array{Shape: shape, Data: gather(s.Data, t)}}, nil
	}
	return npfile.Entry{}, fmt.Errorf("key %q: storage %T not supported (want float32 or int64)", key, t.Source)
}

// The prefixes training code adds to module names: DataParallel's
// "module.", wrappers' "model.", and both.
var prefixes = []string{"module.model.", "module.", "model."}

// normalizerKeys are extra entries a model wrapper may hold besides the
// network (the robustness library's input normalisers): skipped, and said,
// only when a key ends with one of these.
var normalizerKeys = []string{"normalizer.new_mean", "normalizer.new_std", "normalize.new_mean", "normalize.new_std"}

// Unwrap brings a training checkpoint's keys to the network's own names and
// says what it did: the input normalisers of the allow-list are skipped; of
// two copies of the network under two prefixes (the robustness library
// keeps "module.model." and "module.attacker.model."), the shorter prefix's
// is kept; a common prefix "module.model.", "module." or "model." is
// stripped. Keys that are already the network's pass unchanged.
func Unwrap(entries []npfile.Entry) ([]npfile.Entry, []string) {
	var notes []string
	var kept []npfile.Entry
	var skipped []string
	for _, e := range entries {
		if slices.ContainsFunc(normalizerKeys, func(s string) bool { return strings.HasSuffix(e.Key, s) }) {
			skipped = append(skipped, e.Key)
			continue
		}
		kept = append(kept, e)
	}
	if len(skipped) > 0 {
		notes = append(notes, fmt.Sprintf("skipped the input normaliser entries %s (the study normalises its inputs itself)", strings.Join(skipped, ", ")))
	}
	// two copies: the same key suffix under "module.model." and
	// "module.attacker.model." (or "attacker.model.")
	for _, copyPrefix := range []string{"module.attacker.model.", "attacker.model."} {
		var other []npfile.Entry
		n := 0
		for _, e := range kept {
			if strings.HasPrefix(e.Key, copyPrefix) {
				n++
				continue
			}
			other = append(other, e)
		}
		if n > 0 && len(other) >= n {
			notes = append(notes, fmt.Sprintf("the checkpoint holds the network twice: used the copy without %q (%d tensors each)", copyPrefix, n))
			kept = other
		}
	}
	for _, p := range prefixes {
		all := len(kept) > 0
		for _, e := range kept {
			all = all && strings.HasPrefix(e.Key, p)
		}
		if !all {
			continue
		}
		out := make([]npfile.Entry, len(kept))
		for i, e := range kept {
			e.Key = strings.TrimPrefix(e.Key, p)
			out[i] = e
		}
		notes = append(notes, fmt.Sprintf("stripped the key prefix %q", p))
		return out, notes
	}
	return kept, notes
}

// checkPTH refuses, before the pickle reader sees it, a file that cannot be
// a torch checkpoint or whose lengths the stored bytes cannot hold: empty,
// neither a zip archive (torch >= 1.6) nor a legacy pickle, a zip archive
// that is truncated or corrupted (every entry is read to its end, so its
// CRC-32 is checked), a pickle with a length, frame or storage size beyond
// the file (pickle.go). The pickle reader loops forever on some of these and
// runs out of memory on others. The format is told apart as gopickle does:
// a readable zip archive, else a legacy file.
func checkPTH(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	magic := make([]byte, 2)
	if _, err := io.ReadFull(f, magic); err != nil {
		return fmt.Errorf("%s: empty or truncated file: not a torch checkpoint", path)
	}
	zr, zipErr := zip.NewReader(f, st.Size())
	if zipErr != nil {
		if magic[0] == 0x80 { // a legacy (pre-1.6) pickle: protocol opcode
			if err := checkLegacyPickle(f, st.Size()); err != nil {
				return fmt.Errorf("%s: malformed legacy torch checkpoint: %w", path, err)
			}
			return nil
		}
		if string(magic) == "PK" {
			return fmt.Errorf("%s: truncated or corrupted torch checkpoint: %w", path, zipErr)
		}
		return fmt.Errorf("%s: not a torch checkpoint (want a torch.save zip archive or a legacy pickle)", path)
	}
	hasPickle := false
	for _, e := range zr.File {
		name := e.Name[strings.LastIndex(e.Name, "/")+1:] // as gopickle names records
		hasPickle = hasPickle || name == "data.pkl"
		rc, err := e.Open()
		if err == nil {
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
		}
		if err != nil {
			return fmt.Errorf("%s: entry %s: truncated or corrupted torch checkpoint: %w", path, e.Name, err)
		}
	}
	if !hasPickle {
		return fmt.Errorf("%s: zip archive without data.pkl: not a torch checkpoint", path)
	}
	if err := checkZipPickle(zr); err != nil {
		return fmt.Errorf("%s: malformed torch checkpoint: %w", path, err)
	}
	return nil
}

// gather copies a strided view into a new C-ordered slice; a view reaching
// outside its storage panics (ReadPTH turns that into an error) before
// anything is allocated.
func gather[T any](data []T, t *pytorch.Tensor) []T {
	n, last := 1, t.StorageOffset
	for a, d := range t.Size {
		if d < 0 || (d > 0 && n > len(data)/d+1) {
			panic(fmt.Sprintf("tensor of shape %v in a storage of %d values", t.Size, len(data)))
		}
		n *= d
		if d > 0 {
			last += (d - 1) * t.Stride[a]
		}
	}
	if n > 0 && (t.StorageOffset < 0 || last >= len(data) || last < 0) {
		panic(fmt.Sprintf("tensor of shape %v, strides %v, offset %d outside its storage of %d values", t.Size, t.Stride, t.StorageOffset, len(data)))
	}
	out := make([]T, n)
	idx := make([]int, len(t.Size))
	for k := range out {
		off := t.StorageOffset
		for a, i := range idx {
			off += i * t.Stride[a]
		}
		out[k] = data[off]
		for a := len(idx) - 1; a >= 0; a-- { // next index, last axis fastest
			idx[a]++
			if idx[a] < t.Size[a] {
				break
			}
			idx[a] = 0
		}
	}
	return out
}

// ReadSafetensors reads the safetensors format: an 8-byte little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets}}, then the
// raw little-endian data. F32 and I64 tensors are supported. Entries come in
// data order.
func ReadSafetensors(path string) ([]npfile.Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var n uint64
	if err := binary.Read(f, binary.LittleEndian, &n); err != nil {
		return nil, fmt.Errorf("%s: reading the header length: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if n > uint64(st.Size())-8 {
		return nil, fmt.Errorf("%s: header of %d bytes in a %d-byte file: not safetensors", path, n, st.Size())
	}
	head := make([]byte, n)
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var meta map[string]json.RawMessage
	if err := json.Unmarshal(head, &meta); err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	type info struct {
		DType   string   `json:"dtype"`
		Shape   []int    `json:"shape"`
		Offsets [2]int64 `json:"data_offsets"`
	}
	var names []string
	infos := map[string]info{}
	for k, raw := range meta {
		if k == "__metadata__" {
			continue
		}
		var in info
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, fmt.Errorf("%s: tensor %q: %w", path, k, err)
		}
		names = append(names, k)
		infos[k] = in
	}
	sort.Slice(names, func(a, b int) bool { return infos[names[a]].Offsets[0] < infos[names[b]].Offsets[0] })
	base := int64(8 + n)
	var out []npfile.Entry
	for _, k := range names {
		in := infos[k]
		size := in.Offsets[1] - in.Offsets[0]
		if in.Offsets[0] < 0 || size < 0 || base+in.Offsets[1] > st.Size() {
			return nil, fmt.Errorf("%s: tensor %q: data %v outside the file", path, k, in.Offsets)
		}
		// The declared shape must fit the stored bytes before anything is
		// allocated (a header may claim 10^12 elements).
		count := int64(1)
		for _, d := range in.Shape {
			if d < 0 || (d > 0 && count > size/int64(d)) {
				return nil, fmt.Errorf("%s: tensor %q: shape %v does not fit its %d stored bytes", path, k, in.Shape, size)
			}
			count *= int64(d)
		}
		sec := io.NewSectionReader(f, base+in.Offsets[0], size)
		var data any
		switch in.DType {
		case "F32":
			data = make([]float32, count)
		case "I64":
			data = make([]int64, count)
		default:
			return nil, fmt.Errorf("%s: tensor %q: dtype %s not supported (want F32 or I64)", path, k, in.DType)
		}
		if size != int64(binary.Size(data)) {
			return nil, fmt.Errorf("%s: tensor %q: %d bytes for shape %v of %s", path, k, size, in.Shape, in.DType)
		}
		if b, ok := lebytes.Of(data); ok {
			if _, err := io.ReadFull(sec, b); err != nil {
				return nil, fmt.Errorf("%s: tensor %q: %w", path, k, err)
			}
		} else if err := binary.Read(sec, binary.LittleEndian, data); err != nil {
			return nil, fmt.Errorf("%s: tensor %q: %w", path, k, err)
		}
		out = append(out, npfile.Entry{Key: k, Array: npfile.Array{Shape: in.Shape, Data: data}})
	}
	return out, nil
}

// legacyDenseNet matches the keys of DenseNet checkpoints saved before module
// names could not contain dots ("denselayer1.norm.1.weight").
var legacyDenseNet = regexp.MustCompile(`^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$`)

// RemapLegacy renames legacy keys as torchvision's densenet loader does
// ("…denselayer1.norm.1.weight" -> "…denselayer1.norm1.weight").
func RemapLegacy(entries []npfile.Entry) []npfile.Entry {
	out := make([]npfile.Entry, len(entries))
	for i, e := range entries {
		if m := legacyDenseNet.FindStringSubmatch(e.Key); m != nil {
			e.Key = m[1] + m[2]
		}
		out[i] = e
	}
	return out
}

// WriteSafetensors writes float32 and int64 entries as a .safetensors file,
// atomically, in the given order.
func WriteSafetensors(path string, entries []npfile.Entry) error {
	header := map[string]any{}
	var offset int64
	for _, e := range entries {
		dtype := ""
		switch e.Array.Data.(type) {
		case []float32:
			dtype = "F32"
		case []int64:
			dtype = "I64"
		default:
			return fmt.Errorf("%s: key %q: %s not supported (want float32 or int64)", path, e.Key, e.Array.Kind())
		}
		n := int64(binary.Size(e.Array.Data))
		shape := e.Array.Shape
		if shape == nil {
			shape = []int{}
		}
		header[e.Key] = map[string]any{"dtype": dtype, "shape": shape, "data_offsets": [2]int64{offset, offset + n}}
		offset += n
	}
	head, err := json.Marshal(header)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		if err := binary.Write(w, binary.LittleEndian, uint64(len(head))); err != nil {
			return err
		}
		if _, err := w.Write(head); err != nil {
			return err
		}
		for _, e := range entries {
			if b, ok := lebytes.Of(e.Array.Data); ok {
				if _, err := w.Write(b); err != nil {
					return err
				}
			} else if err := binary.Write(w, binary.LittleEndian, e.Array.Data); err != nil {
				return err
			}
		}
		return nil
	})
}
