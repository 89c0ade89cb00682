package weights

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/internal/fetch"
	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// checkpoints are the reference folders: the same small state dict saved by
// torch.save (w.pth, with a transposed view and a slice at an offset), by
// torch.save's legacy format (w_legacy.pth) and as safetensors, and its arrays (ref.npz).
func checkpoints(t *testing.T) []string {
	return pyref.Golden(t, "checkpoints", []string{"torch", "numpy"}, func(t testing.TB, dir string) {
		pyref.RunFile(t, "testdata/make_checkpoints.py", filepath.Join(dir, "w.pth"), filepath.Join(dir, "w.safetensors"), filepath.Join(dir, "ref.npz"), filepath.Join(dir, "w_legacy.pth"))
	})
}

func TestReadPTHAndSafetensors(t *testing.T) {
	for _, dir := range checkpoints(t) {
		readAgainst(t, dir)
	}
}

func readAgainst(t *testing.T, dir string) {
	z, err := npfile.OpenNPZ(filepath.Join(dir, "ref.npz"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, path := range []string{filepath.Join(dir, "w.pth"), filepath.Join(dir, "w_legacy.pth"), filepath.Join(dir, "w.safetensors")} {
		entries, err := Read(path)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, e := range entries {
			keys = append(keys, e.Key)
			want, err := z.Read(e.Key)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(e.Array.Shape) != fmt.Sprint(want.Shape) || !reflect.DeepEqual(e.Array.Data, want.Data) {
				t.Errorf("%s: %s = %v %v, want %v %v", filepath.Base(path), e.Key, e.Array.Shape, e.Array.Data, want.Shape, want.Data)
			}
		}
		if strings.Join(keys, ",") != "conv.weight,fc.weight,fc.bias,bn.num_batches_tracked" {
			t.Errorf("%s: keys %v, want the file's order", filepath.Base(path), keys)
		}
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "x.pth")
	_ = os.WriteFile(garbage, []byte("PK\x03\x04 not really a zip"), 0o644)
	if _, err := Read(garbage); err == nil || !strings.Contains(err.Error(), garbage) {
		t.Errorf("garbage .pth: %v", err)
	}
	bad := filepath.Join(dir, "x.safetensors")
	_ = os.WriteFile(bad, []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, '{'}, 0o644)
	if _, err := Read(bad); err == nil || !strings.Contains(err.Error(), "not safetensors") {
		t.Errorf("oversized header: %v", err)
	}
	if _, err := Read(filepath.Join(dir, "x.bin")); err == nil || !strings.Contains(err.Error(), "unknown checkpoint format") {
		t.Errorf("unknown extension: %v", err)
	}
}

func TestRemapLegacy(t *testing.T) {
	in := []npfile.Entry{{Key: "features.denseblock1.denselayer1.norm.1.weight"}, {Key: "features.denseblock2.denselayer10.conv.2.weight"},
		{Key: "features.norm5.weight"}, {Key: "features.denseblock1.denselayer1.norm1.bias"}}
	want := []string{"features.denseblock1.denselayer1.norm1.weight", "features.denseblock2.denselayer10.conv2.weight",
		"features.norm5.weight", "features.denseblock1.denselayer1.norm1.bias"}
	for i, e := range RemapLegacy(in) {
		if e.Key != want[i] {
			t.Errorf("%s -> %s, want %s", in[i].Key, e.Key, want[i])
		}
	}
}

// TestDownloadVerifiesTheNamePrefix serves a file whose hash does not match
// the prefix in its name: it must be refused and nothing left behind.
func TestDownloadVerifiesTheNamePrefix(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("not the weights"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	_, err := Download(context.Background(), dir, "resnet50-0676ba61.pth", srv.URL+"/", nil)
	if err == nil || !strings.Contains(err.Error(), fetch.ErrVerify.Error()) {
		t.Fatalf("wrong bytes accepted: %v", err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("left behind: %v", files)
	}
	if _, err := Download(context.Background(), dir, "resnet50.pth", srv.URL+"/", nil); err == nil {
		t.Error("a name without a hash prefix was accepted")
	}
}

// TestDownloadAcceptsTheNamedFile serves a real checkpoint under a name that
// carries its hash prefix: it is fetched, verified, parsed and kept; a second
// call finds it in place.
func TestDownloadAcceptsTheNamedFile(t *testing.T) {
	pth := filepath.Join(checkpoints(t)[0], "w.pth")
	sum, err := fetch.SHA256File(pth)
	if err != nil {
		t.Fatal(err)
	}
	name := "tiny-" + sum[:8] + ".pth"
	body, _ := os.ReadFile(pth)
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.URL.Path != "/"+name {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
	}))
	defer srv.Close()
	dir := t.TempDir()
	for range 2 {
		path, err := Download(context.Background(), dir, name, srv.URL+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		if entries, err := Read(path); err != nil || len(entries) != 4 {
			t.Fatalf("downloaded checkpoint: %d entries, %v", len(entries), err)
		}
	}
	if hits != 1 {
		t.Errorf("%d requests for two calls, want 1 (the second finds the verified file)", hits)
	}
}

// TestHostileCheckpoints: empty, truncated and corrupted .pth files and a
// safetensors header claiming 10^12 elements are errors naming the file,
// quickly (the pickle reader used to loop forever on an empty file).
func TestHostileCheckpoints(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join(checkpoints(t)[0], "w.pth"))
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x10
	cases := map[string][]byte{
		"empty.pth":     nil,
		"truncated.pth": good[:len(good)/2],
		"flipped.pth":   flipped,
		"text.pth":      []byte("hello"),
	}
	for name, body := range cases {
		p := filepath.Join(dir, name)
		_ = os.WriteFile(p, body, 0o644)
		done := make(chan error, 1)
		go func() { _, err := Read(p); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), p) {
				t.Errorf("%s: %v", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: reading did not finish in 10 s", name)
		}
	}
	// safetensors: a valid file whose header claims a huge shape
	st := filepath.Join(checkpoints(t)[0], "w.safetensors")
	b, _ := os.ReadFile(st)
	huge := strings.Replace(string(b), `"shape": [4, 3, 2, 2]`, `"shape": [1000000, 1000000]`, 1)
	if huge == string(b) {
		t.Fatalf("test setup: shape not found in %s", st)
	}
	p := filepath.Join(dir, "huge.safetensors")
	// keep the declared header length consistent
	hdr := int(binary.LittleEndian.Uint64(b[:8])) + len(huge) - len(b)
	out := binary.LittleEndian.AppendUint64(nil, uint64(hdr))
	_ = os.WriteFile(p, append(out, huge[8:]...), 0o644)
	if _, err := Read(p); err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Errorf("huge safetensors shape: %v", err)
	}
}

// TestCheckpointLengthsBeyondTheFile: a pickle length, a frame, or a storage
// size that the stored bytes cannot hold is refused before anything is
// allocated (gopickle allocates first: each of these files used to kill the
// process with "out of memory", which no recover catches; the first was found
// by FuzzReadPTH).
func TestCheckpointLengthsBeyondTheFile(t *testing.T) {
	dir := t.TempDir()
	u32 := func(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }
	str := func(s string) []byte { return append(append([]byte{'X'}, u32(uint32(len(s)))...), s...) }
	// data.pkl naming one FloatStorage "0" of n elements
	storagePickle := func(n uint32) []byte {
		b := []byte{0x80, 0x02, '('}
		b = append(b, str("storage")...)
		b = append(b, "ctorch\nFloatStorage\n"...)
		b = append(b, str("0")...)
		b = append(b, str("cpu")...)
		b = append(b, 'J')
		b = append(b, u32(n)...)
		return append(b, 't', 'Q', '.')
	}
	zipped := func(pkl []byte, storage int) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, body := range map[string][]byte{"archive/data.pkl": pkl, "archive/data/0": make([]byte, storage)} {
			w, _ := zw.Create(name)
			_, _ = w.Write(body)
		}
		_ = zw.Close()
		return buf.Bytes()
	}
	legacy, err := os.ReadFile(filepath.Join(checkpoints(t)[0], "w_legacy.pth"))
	if err != nil {
		t.Fatal(err)
	}
	// the first storage's element count follows the five pickles
	var end int64
	for range 5 {
		n, err := scanPickle(bufio.NewReader(bytes.NewReader(legacy[end:])), int64(len(legacy))-end)
		if err != nil {
			t.Fatal(err)
		}
		end += n
	}
	hugeCount := bytes.Clone(legacy)
	binary.LittleEndian.PutUint64(hugeCount[end:], 1<<40)
	cases := []struct {
		name, want string
		body       []byte
	}{
		{"unicode8.pth", "argument", []byte("\x80\x00\x8d00000\x00\x00\x00")}, // the fuzzer's: a 2e11-byte string
		{"frame.pth", "frame", append([]byte{0x80, 0x04, 0x95}, binary.LittleEndian.AppendUint64(nil, 1<<40)...)},
		{"binbytes.pth", "argument", append([]byte{0x80, 0x02, 'B'}, u32(1<<30)...)},
		{"storage.pth", "elements of FloatStorage", zipped(storagePickle(1<<30), 16)},
		{"legacy-count.pth", "elements of FloatStorage", hugeCount},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		_ = os.WriteFile(p, c.body, 0o644)
		if _, err := Read(p); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming the file and %q", c.name, err, c.want)
		}
	}
	// the same archive with a storage that fits is read
	p := filepath.Join(dir, "fits.pth")
	_ = os.WriteFile(p, zipped(storagePickle(4), 16), 0o644)
	if err := checkPTH(p); err != nil {
		t.Errorf("a storage of 4 floats in 16 bytes: %v", err)
	}
}

// TestWrappedCheckpoints reads the small state dict in every layout that
// training code and robustness-trained releases use (written by torch:
// testdata/make_wrapped.py): after Unwrap each gives the reference arrays
// under the network's own keys, and the notes say what was done.
func TestWrappedCheckpoints(t *testing.T) {
	ref := checkpoints(t)[0]
	z, err := npfile.OpenNPZ(filepath.Join(ref, "ref.npz"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	notes := map[string]string{
		"plain.pth":             "",
		"state_dict.pth.tar":    `prefix "module."`,
		"robustness.pt":         `holds the network twice: used the copy without "module.attacker.model."`,
		"model_prefix.pth":      `prefix "model."`,
		"legacy_module.pth.tar": `prefix "module."`,
	}
	for _, dir := range pyref.Golden(t, "wrapped", []string{"torch"}, func(t testing.TB, dir string) {
		pyref.RunFile(t, "testdata/make_wrapped.py", dir)
	}) {
		for name, note := range notes {
			entries, err := Read(filepath.Join(dir, name))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			entries, said := Unwrap(entries)
			all := strings.Join(said, "; ")
			if !strings.Contains(all, note) || (note == "" && all != "") {
				t.Errorf("%s: notes %q, want %q", name, all, note)
			}
			if name == "robustness.pt" && !strings.Contains(all, "module.normalizer.new_mean") {
				t.Errorf("%s: the skipped normalisers are not named: %q", name, all)
			}
			var keys []string
			for _, e := range entries {
				keys = append(keys, e.Key)
				want, err := z.Read(e.Key)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !reflect.DeepEqual(e.Array.Data, want.Data) {
					t.Errorf("%s: %s differs from the reference", name, e.Key)
				}
			}
			if strings.Join(keys, ",") != "conv.weight,fc.weight,fc.bias,bn.num_batches_tracked" {
				t.Errorf("%s: keys %v", name, keys)
			}
		}
	}
}

// TestDownloadURLAndCachedURL: an address's checkpoint is fetched once into
// the file CachedURL names (absent before, present after, the same path for
// the address with or without its "#sha256="); a second call sends nothing.
func TestDownloadURLAndCachedURL(t *testing.T) {
	file := filepath.Join(t.TempDir(), "w.safetensors")
	if err := WriteSafetensors(file, []npfile.Entry{{Key: "fc.weight", Array: npfile.Array{Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}}}); err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(file)
	sum, _ := fetch.SHA256File(file)
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		http.ServeContent(w, r, "w.safetensors", time.Time{}, bytes.NewReader(body))
	}))
	defer srv.Close()
	dir := t.TempDir()
	source := srv.URL + "/v1/w.safetensors#sha256=" + sum[:12]
	want, ok := CachedURL(dir, source)
	if ok || filepath.Dir(want) != dir || !strings.HasSuffix(want, "-w.safetensors") {
		t.Fatalf("before the download: %s, cached %v", want, ok)
	}
	for range 2 {
		got, err := DownloadURL(context.Background(), dir, source, nil)
		if err != nil || got != want {
			t.Fatalf("downloaded to %s (%v), want %s", got, err, want)
		}
	}
	if hits != 1 {
		t.Errorf("%d requests for two calls, want 1", hits)
	}
	for _, s := range []string{source, srv.URL + "/v1/w.safetensors"} {
		if got, ok := CachedURL(dir, s); !ok || got != want {
			t.Errorf("CachedURL(%s) = %s, %v; want %s, true", s, got, ok, want)
		}
	}
}
