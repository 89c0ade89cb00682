package nb

import (
	"fmt"

	"github.com/gomlx/compute"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
)

// Backend starts the compute backend for fully connected training
// ($DT_BACKEND, else auto: pure Go); verbose
// says which.
func Backend(verbose bool) compute.Backend {
	b, c, err := env().New("", backend.Dense)
	Check(err)
	if verbose {
		fmt.Println(backend.Describe(b, c))
	}
	return b
}

// FMRI returns the fMRI decoder trained with the original's recipe on d
// (FMRIWith with FMRIOptions). GoNB runs every cell as a fresh program, so
// the first call trains (printing the backend and one line per epoch) and
// saves the run under the cache; later cells reopen it in well under a
// second.
func FMRI(d *kay.Dataset) *decoder.Result { return FMRIWith(d, FMRIOptions()) }

// runKey names a cached run: the dataset's files and the options.
func runKey(d *kay.Dataset, opt any) string { return cachedir.Key(d.Fingerprint(), opt) }
