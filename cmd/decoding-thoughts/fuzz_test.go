package main

import (
	"flag"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// FuzzFlags feeds every command's flag parser (parseFlags: the flags, then
// the ranges, before any backend or work) arbitrary command lines. It must
// never panic; an error is one line with no Go internals in it; a command
// line it accepts leaves every numeric flag finite and inside its range.
func FuzzFlags(f *testing.F) {
	names := registerFlags(f)
	for _, seed := range []string{
		"--bootstraps\x001e9", "--seeds=-1", "--batch\x00999999999999999999999", "--lr\x00NaN", "--lr=+Inf",
		"--epochs\x000x10", "--views=1_000", "--permutations\x00\x00--out", "-seed=-9223372036854775808",
		"--folds=1\x00--folds=5", "--grid\x00", "extra", "--voxels=1e3", "--", "-h",
	} {
		f.Add(uint8(len(seed)), seed)
	}
	f.Fuzz(func(t *testing.T, which uint8, line string) {
		cmd := names[int(which)%len(names)]
		old := flagSets[cmd]
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		old.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage) })
		// each run starts from the defaults, not the previous input's values
		defer old.VisitAll(func(f *flag.Flag) { _ = f.Value.Set(f.DefValue) })
		err := parseFlags(fs, strings.Split(line, "\x00"))
		if err != nil {
			msg := err.Error()
			for _, bad := range []string{"runtime error", "goroutine", "panic", "index out of range", "\n"} {
				if strings.Contains(msg, bad) {
					t.Fatalf("%s %q: Go internals in the message: %s", cmd, line, msg)
				}
			}
			return
		}
		fs.VisitAll(func(f *flag.Flag) {
			if _, ok := numeric(f); !ok {
				return
			}
			v, perr := strconv.ParseFloat(f.Value.String(), 64)
			b, _ := boundOf(cmd, f.Name)
			if perr != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < b.lo || v > b.hi {
				t.Fatalf("%s %q: accepted --%s %s outside [%v, %v]", cmd, line, f.Name, f.Value, b.lo, b.hi)
			}
		})
	})
}
