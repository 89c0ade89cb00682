package weights

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/internal/fetch"
)

// BaseURL is where torchvision publishes its weights.
const BaseURL = "https://download.pytorch.org/models/"

// torchvisionName is "<arch>-<first 8 hex digits of the sha256>.pth".
var torchvisionName = regexp.MustCompile(`^[A-Za-z0-9_]+-([0-9a-f]{8,})\.pth$`)

// Download fetches a torchvision checkpoint (e.g. "resnet50-0676ba61.pth")
// into dir unless it is already there and verified: resumable, with a
// progress bar, and checked against the hash prefix its name carries (as
// torch.hub's check_hash does). It returns the file's path. baseURL "" is
// BaseURL.
func Download(ctx context.Context, dir, name, baseURL string, progress io.Writer) (string, error) {
	m := torchvisionName.FindStringSubmatch(name)
	if m == nil {
		return "", fmt.Errorf("%q is not a torchvision weight file name (<arch>-<sha256 prefix>.pth)", name)
	}
	if baseURL == "" {
		baseURL = BaseURL
	}
	f := fetch.File{URL: baseURL + name, Name: name, SHA256: m[1], Check: func(path string) error {
		_, err := ReadPTH(path)
		return err
	}}
	return fetch.Fetch(ctx, dir, f, fetch.Options{Progress: progress})
}

// IsURL reports whether a weights source is an http(s) address.
func IsURL(source string) bool {
	return strings.HasPrefix(source, "https://") || strings.HasPrefix(source, "http://")
}

// DownloadURL fetches a checkpoint published anywhere (a robustness-trained
// ResNet-50, say) into dir unless it is already there: resumable, with a
// progress bar, checked to be a readable .pth, and, when the address ends
// in "#sha256=HEX" (a digest or a prefix of one), verified against it. The
// file is named after the address (a hash of it, then the file name), so
// two releases with one file name do not collide.
func DownloadURL(ctx context.Context, dir, source string, progress io.Writer) (string, error) {
	f, err := urlFile(source)
	if err != nil {
		return "", err
	}
	return fetch.Fetch(ctx, dir, f, fetch.Options{Progress: progress})
}

// CachedURL returns where DownloadURL(ctx, dir, source, ...) keeps its
// file, and whether the file is there (it appears only once verified).
func CachedURL(dir, source string) (string, bool) {
	f, err := urlFile(source)
	if err != nil {
		return "", false
	}
	p := filepath.Join(dir, f.Name)
	_, err = os.Stat(p)
	return p, err == nil
}

// urlFile is the download of an address: its file name under the cache
// folder, the digest its "#sha256=" fragment asks for, and a format check.
func urlFile(source string) (fetch.File, error) {
	u, err := url.Parse(source)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fetch.File{}, fmt.Errorf("weights %q: not an http(s) address", source)
	}
	want := ""
	if u.Fragment != "" {
		h, ok := strings.CutPrefix(u.Fragment, "sha256=")
		if !ok || !regexp.MustCompile(`^[0-9a-fA-F]{8,64}$`).MatchString(h) {
			return fetch.File{}, fmt.Errorf("weights %q: the fragment must be sha256=HEX (8 to 64 hex digits), got %q", source, u.Fragment)
		}
		want = strings.ToLower(h)
		u.Fragment = ""
	}
	base := path.Base(u.Path)
	if base == "." || base == "/" || !regexp.MustCompile(`^[A-Za-z0-9._+-]+$`).MatchString(base) {
		base = "checkpoint.pth"
	}
	known := false
	for _, ext := range []string{".pth", ".pt", ".pth.tar", ".pt.tar", ".ckpt", ".safetensors"} {
		known = known || strings.HasSuffix(base, ext)
	}
	if !known { // e.g. a share link's "download": torch.save's format is assumed
		base += ".pth"
	}
	sum := sha256.Sum256([]byte(u.String()))
	name := hex.EncodeToString(sum[:4]) + "-" + base
	return fetch.File{URL: u.String(), Name: name, SHA256: want, Check: func(path string) error {
		// path is the partial file: its format is the final name's.
		var err error
		if strings.HasSuffix(name, ".safetensors") {
			_, err = ReadSafetensors(path)
		} else {
			_, err = ReadPTH(path)
		}
		return err
	}}, nil
}
