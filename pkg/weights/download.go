package weights

import (
	"context"
	"fmt"
	"io"
	"regexp"

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
