// Package pyref gives parity tests their reference outputs from Debian's
// Python stack (numpy, scipy, torch, torchvision, PIL). These are test
// oracles only, never runtime dependencies. Every reference output is also
// committed as a small golden file (testdata/golden/NAME next to the test),
// so parity tests run without Python; where Python is present they
// regenerate the reference and compare with both.
//
// DT_REQUIRE_REFS=1 (set in CI) turns a missing golden file into a failure
// instead of a skip; DT_UPDATE_REFS=1 rewrites the golden files from fresh
// Python outputs; DT_PYTHON picks the interpreter (DT_PYTHON=/bin/false runs
// the tests against the golden files alone).
package pyref
