package pyref

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// Environment variables that steer the references.
const (
	RequireEnv = "DT_REQUIRE_REFS"
	UpdateEnv  = "DT_UPDATE_REFS"
	CheckEnv   = "DT_CHECK_REFS"
	PythonEnv  = "DT_PYTHON"
)

// Interpreter is the Python used for references. Debian's python3-numpy,
// python3-scipy and python3-torch install into /usr/bin/python3, while another
// python3 may come first on PATH; DT_PYTHON overrides.
func Interpreter() string {
	if p := os.Getenv(PythonEnv); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

// Available reports whether the reference Python can import every module
// named, and if not which one it lacks.
func Available(modules ...string) (bool, string) {
	py := Interpreter()
	for _, m := range modules {
		if err := exec.Command(py, "-c", "import "+m).Run(); err != nil {
			return false, m
		}
	}
	return true, ""
}

// Require skips t unless the reference Python can import every module named
// (benchmarks against a Python peer use it; parity tests use Golden).
func Require(t testing.TB, modules ...string) string {
	t.Helper()
	if ok, m := Available(modules...); !ok {
		t.Skipf("skipped: %s cannot import %s (install Debian's python3-%s; `make setup` does)", Interpreter(), m, m)
	}
	return Interpreter()
}

// Golden returns the reference outputs a parity test compares with: the
// committed golden file testdata/golden/NAME (a file, or a folder when NAME
// has no extension). The default runs against it alone: a reference
// regenerated on every run would test the generator, not the code.
//
// With DT_CHECK_REFS=1 (`make test-long`) and a reference Python that
// imports every module named, gen also writes a fresh output to a temporary
// path and both are returned, so that the code is compared with each: a
// reference that changed beyond the test's tolerance is a failure to look
// at. With DT_UPDATE_REFS=1 (`make refs`) the golden file is rewritten from
// the fresh output. A missing golden file is written from a fresh output
// where Python can make one (commit it), except under DT_REQUIRE_REFS=1 (CI),
// where it fails; without Python it skips.
func Golden(t testing.TB, name string, modules []string, gen func(t testing.TB, out string)) []string {
	t.Helper()
	golden := filepath.Join("testdata", "golden", name)
	_, err := os.Stat(golden)
	have := err == nil
	update, check := os.Getenv(UpdateEnv) != "", os.Getenv(CheckEnv) != ""
	if have && !update && !check {
		return []string{golden}
	}
	if !have && os.Getenv(RequireEnv) != "" && !update {
		t.Fatalf("no golden reference %s (%s is set; `make refs` writes it)", golden, RequireEnv)
	}
	if ok, missing := Available(modules...); !ok {
		if have {
			if update || check {
				t.Logf("%s cannot import %s: %s not regenerated", Interpreter(), missing, golden)
			}
			return []string{golden}
		}
		t.Skip("no golden reference " + golden + " and " + Interpreter() + " cannot import " + missing + " to make it")
	}
	fresh := filepath.Join(t.TempDir(), name)
	if filepath.Ext(name) == "" {
		if err := os.MkdirAll(fresh, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	gen(t, fresh)
	if !have || update {
		if err := copyTree(fresh, golden); err != nil {
			t.Fatalf("writing golden reference: %v", err)
		}
		t.Logf("wrote golden reference %s (commit it)", golden)
		return []string{golden}
	}
	return []string{golden, fresh}
}

// Script is a gen for Golden: it runs a Python script (source text) with
// args and stores its standard output in the reference file.
func Script(script string, args ...string) func(testing.TB, string) {
	return func(t testing.TB, out string) {
		t.Helper()
		if err := os.WriteFile(out, []byte(Run(t, script, args...)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Out stands for the reference output's path in File's arguments.
const Out = "\x00out"

// File is a gen for Golden: it runs a Python script file with args, Out
// replaced by the reference output's path (a file, or a folder).
func File(path string, args ...string) func(testing.TB, string) {
	return func(t testing.TB, out string) {
		t.Helper()
		a := make([]string, len(args))
		for i, s := range args {
			a[i] = strings.ReplaceAll(s, Out, out)
		}
		RunFile(t, path, a...)
	}
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
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	// Run by path, so that the script's folder is on its import path
	// (shared helper modules next to it).
	return Run(t, "import runpy, sys; sys.argv = sys.argv[1:]; sys.path.insert(0, __import__('os').path.dirname(sys.argv[0])); runpy.run_path(sys.argv[0], run_name='__main__')", append([]string{path}, args...)...)
}

// ReadText returns a text reference's content.
func ReadText(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// copyTree copies a file, or a folder's files, from src to dst.
func copyTree(src, dst string) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return copyFile(src, dst)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := copyTree(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Arrays opens an npz reference and returns a reader of its arrays that fails
// t on a missing key.
func Arrays(t testing.TB, path string) func(key string) npfile.Array {
	t.Helper()
	z, err := npfile.OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = z.Close() })
	return func(key string) npfile.Array {
		t.Helper()
		a, err := z.Read(key)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return a
	}
}

// Floats is Arrays for float arrays, as float64 whatever their width.
func Floats(t testing.TB, path string) func(key string) []float64 {
	read := Arrays(t, path)
	return func(key string) []float64 {
		t.Helper()
		switch v := read(key).Data.(type) {
		case []float64:
			return v
		case []float32:
			out := make([]float64, len(v))
			for i, x := range v {
				out[i] = float64(x)
			}
			return out
		}
		t.Fatalf("%s: key %q is not a float array", path, key)
		return nil
	}
}
