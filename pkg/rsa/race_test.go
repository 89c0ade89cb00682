//go:build race

package rsa

// raceEnabled: the race detector is on (go test -race), which makes the
// calibrations' thousands of single-threaded tests ten times slower and
// finds nothing in them; the concurrent paths have their own tests.
const raceEnabled = true
