// Package simtest holds what tests that run the simulator share.
package simtest

import "testing"

// Profile is the simulator's profile for tests that run stages end to end:
// the quick one, or under -short (make test) the tiny one, the same stages
// on fewer images. Call it from tests only.
func Profile() string {
	if testing.Short() {
		return "tiny"
	}
	return "quick"
}
