package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"
)

// bound is a numeric flag's accepted range, inclusive; note says what a
// special value means (0: automatic) for the message.
type bound struct {
	lo, hi float64
	note   string
}

// bounds is every numeric flag's range, by flag name, with per-command
// entries ("COMMAND/FLAG") where a name means something else there. parse
// checks every numeric flag against it after reading the flags and before
// any work, so that a value that would exhaust the machine (memory grows
// with bootstraps x cells, views x images, batch x image size) or that a
// stage cannot use is refused with the flag, its value and its range. A
// numeric flag without an entry is a programming error (TestEveryNumericFlagIsBounded).
var bounds = map[string]bound{
	// backbone images per forward pass
	"batch": {0, 1024, "0: 128 on a GPU, else 32"},
	// the decoder's training batch
	"train-fmri/batch": {1, 65536, ""},
	"epochs":           {1, 10000, ""},
	"lr":               {1e-8, 10, ""},
	// bootstrap resamples for intervals: at least 20 so that a 95%
	// interval exists (with none, every interval is NaN and a healthy model
	// would be flagged degenerate)
	"bootstraps":   {20, 100000, ""},
	"permutations": {0, 1000000, "0: no p-values"},
	// the layers stage resamples every layer x area cell of every model
	"layers/bootstraps":   {20, 10000, ""},
	"layers/permutations": {0, 100000, "0: no p-values"},
	"seeds":               {0, 100, "0: 5 on the quick profile's size, else 3"},
	// each task is a process holding a backbone (a few GB)
	"study/jobs": {1, 64, ""},
	"views":      {0, 64, "0: 4, or 1 on datasets under 1000 training images"},
	"seed":       {math.MinInt64, math.MaxInt64, ""},
	"synth/seed": {0, math.MaxUint64, ""},
	"voxels":     {0, 100000, "0: 500, or all voxels when fewer"},
	"folds":      {2, 100, ""},
	"grid":       {1, 16, ""},
	// the power simulation: runs x cells x permutations fits of a few
	// dozen models; 20 permutations are the fewest that can give p < 0.05
	"power/images":       {1, 100000, ""},
	"power/seeds":        {1, 100, ""},
	"power/runs":         {10, 1000000, ""},
	"power/permutations": {20, 100000, ""},
	"power/seed":         {0, math.MaxUint64, ""},
}

// boundOf returns the range of flag name in command cmd.
func boundOf(cmd, name string) (bound, bool) {
	if b, ok := bounds[cmd+"/"+name]; ok {
		return b, true
	}
	b, ok := bounds[name]
	return b, ok
}

// numeric reports whether f holds a number, and its value.
func numeric(f *flag.Flag) (float64, bool) {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return 0, false
	}
	switch v := g.Get().(type) {
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// checkBounds checks every numeric flag of fs (set or default) against its
// range. The first flag out of range is the error; it names only that flag.
func checkBounds(fs *flag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil {
			return
		}
		v, ok := numeric(f)
		if !ok {
			return
		}
		b, ok := boundOf(fs.Name(), f.Name)
		if !ok {
			err = fmt.Errorf("--%s: no range is defined for this flag (a bug: add it to the bounds table)", f.Name)
			return
		}
		if math.IsNaN(v) || v < b.lo || v > b.hi {
			note := ""
			if b.note != "" {
				note = "; " + b.note
			}
			err = fmt.Errorf("--%s %s: want %s to %s%s", f.Name, f.Value.String(), num(b.lo), num(b.hi), note)
		}
	})
	return err
}

// num prints a bound: an integer as one, the int64 and uint64 limits by name.
func num(x float64) string {
	switch {
	case x == math.MaxUint64:
		return "2^64-1"
	case x == math.MaxInt64:
		return "2^63-1"
	case x == math.MinInt64:
		return "-2^63"
	case x == math.Trunc(x) && math.Abs(x) < 1e15:
		return strconv.FormatInt(int64(x), 10)
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// flagSet reports whether the command line set flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
