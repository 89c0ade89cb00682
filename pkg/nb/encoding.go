package nb

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
)

// Encoding returns Kay et al.'s analysis of d (the CLI's `encode` with its
// defaults): the first call fits and writes it into the cache, later cells
// read encoding.json back.
func Encoding(d *kay.Dataset) *encoding.Result {
	opt := encoding.DefaultOptions()
	dir := cachedir.Path("runs", "encoding-"+runKey(d, opt))
	if b, err := os.ReadFile(filepath.Join(dir, encoding.ResultFile)); err == nil {
		var r encoding.Result
		if json.Unmarshal(b, &r) == nil {
			return &r
		}
	}
	log := newLog("encoding model")
	defer log.Done()
	r := Must(encoding.Run(d, opt, log))
	Check(r.Write(dir))
	return r
}
