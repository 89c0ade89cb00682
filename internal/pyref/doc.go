// Package pyref gives parity tests their reference outputs from Debian's
// Python stack (numpy, scipy, torch, torchvision, PIL). These are test
// oracles only, never runtime dependencies. Every reference output is
// committed as a small golden file (testdata/golden/NAME next to the test),
// and the default tests compare with it alone, with or without Python.
//
// DT_CHECK_REFS=1 (`make test-long`) also regenerates each reference and
// compares the code with both, so a reference that changed fails;
// DT_UPDATE_REFS=1 (`make refs`) rewrites the golden files from fresh Python
// outputs; DT_REQUIRE_REFS=1 (set in CI) turns a missing golden file into a
// failure instead of a skip; DT_PYTHON picks the interpreter.
package pyref
