package synth_test

import (
	"sync"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// TestConcurrentEnsure: the tasks of a study split over nodes generate the
// same profile into one shared cache at the same time; each gets the one
// finished folder (the first rename wins, the others use it).
func TestConcurrentEnsure(t *testing.T) {
	if testing.Short() {
		t.Skip("three tiny datasets generated at once: make test-long")
	}
	cache := t.TempDir()
	dirs := make([]string, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for k := range dirs {
		wg.Go(func() { dirs[k], errs[k] = synth.Ensure(cache, "tiny", 5, nil) })
	}
	wg.Wait()
	for k := range dirs {
		if errs[k] != nil || dirs[k] != dirs[0] || !synth.IsSynthetic(dirs[k]) {
			t.Errorf("process %d: %q, %v", k, dirs[k], errs[k])
		}
	}
}
