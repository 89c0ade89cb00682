package kay

import (
	"context"
	"fmt"
	"io"

	"github.com/decodingthoughts/decoding-thoughts/internal/fetch"
)

// Sources are the OSF locations of the NMA files, with their published sizes
// and checksums. The validation labels' checksum is not published: that file
// is checked by parsing it as a (4,120) label array.
func Sources() []fetch.File {
	return []fetch.File{
		{URL: "https://osf.io/r638s/download", Name: LabelsFile, Size: 1_988_128,
			SHA256: "d54ee14c1e657d0d3c60c391b095b9c9d70734a147e681b874832d587f515d1a"},
		{URL: "https://osf.io/yqb3e/download", Name: ValLabelsFile,
			Check: func(path string) error { _, err := LoadLabels(path, 120); return err }},
		{URL: "https://osf.io/ymnjv/download", Name: ImagesFile, Size: 248_704_338,
			SHA256: "5ac45426ebeb4ddb21dea424609891c015000dd4c54be84e99516b66f47bb7ba"},
	}
}

// Download fetches the real dataset into dir (resuming, verifying) and loads it.
func Download(ctx context.Context, dir string, progress io.Writer) (*Dataset, error) {
	for _, f := range Sources() {
		if _, err := fetch.Fetch(ctx, dir, f, fetch.Options{Progress: progress}); err != nil {
			return nil, fmt.Errorf("downloading the Kay dataset: %w", err)
		}
	}
	return Load(dir)
}
