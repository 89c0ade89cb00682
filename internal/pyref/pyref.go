// Package pyref runs reference computations in Debian's Python stack (numpy,
// scipy, torch) for parity tests. These packages are test oracles only, never
// runtime dependencies: a test that needs one skips with a clear message when
// it is missing.
package pyref

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// Interpreter is the Python used for references. Debian's python3-numpy,
// python3-scipy and python3-torch install into /usr/bin/python3, while another
// python3 may come first on PATH; DT_PYTHON overrides.
func Interpreter() string {
	if p := os.Getenv("DT_PYTHON"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

// Require skips t unless the reference Python can import every module named.
func Require(t testing.TB, modules ...string) string {
	t.Helper()
	py := Interpreter()
	for _, m := range modules {
		if err := exec.Command(py, "-c", "import "+m).Run(); err != nil {
			t.Skipf("reference check skipped: %s cannot import %s (install Debian's python3-%s; `make setup` does)", py, m, m)
		}
	}
	return py
}

// Run executes a Python script with args and returns its standard output,
// failing t with the script's standard error on a non-zero exit.
func Run(t testing.TB, script string, args ...string) string {
	t.Helper()
	cmd := exec.Command(Interpreter(), append([]string{"-c", script}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("reference script failed: %v\n%s", err, errb.String())
	}
	return out.String()
}

// RunFile executes a Python script file with args, as Run.
func RunFile(t testing.TB, path string, args ...string) string {
	t.Helper()
	script, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Run(t, string(script), args...)
}
