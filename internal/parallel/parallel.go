// Package parallel runs independent indexed work on every core.
package parallel

import (
	"runtime"
	"sync"
)

// For calls f(0..n-1) on GOMAXPROCS workers, worker w taking k = w, w+W,
// ...; f must write only its own outputs. Results that depend only on k do
// not depend on the number of workers.
func For(n int, f func(k int)) {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < n; k += workers {
				f(k)
			}
		}()
	}
	wg.Wait()
}

// Map returns f(0..n-1), computed as For does.
func Map(n int, f func(k int) float64) []float64 {
	out := make([]float64, n)
	For(n, func(k int) { out[k] = f(k) })
	return out
}
