package main

import (
	"context"
	"flag"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestEveryNumericFlagIsBounded lists every numeric flag of every command
// (each command's flags as it registers them, read back after -h) and
// checks that it has a range, that its default lies in it, and that a
// value just outside either end (and a huge one) is refused by the command
// before any work, with a message that names that flag, its value and its
// range, and no other flag.
func TestEveryNumericFlagIsBounded(t *testing.T) {
	checked := 0
	for _, cmd := range registerFlags(t) {
		fs := flagSets[cmd]
		var numericFlags []*flag.Flag
		fs.VisitAll(func(f *flag.Flag) {
			if _, ok := numeric(f); ok {
				numericFlags = append(numericFlags, f)
			}
		})
		for _, f := range numericFlags {
			b, ok := boundOf(cmd, f.Name)
			if !ok {
				t.Errorf("%s --%s: no range in the bounds table", cmd, f.Name)
				continue
			}
			if v, _ := numeric(f); v < b.lo || v > b.hi {
				t.Errorf("%s --%s: default %s outside its range [%v, %v]", cmd, f.Name, f.DefValue, b.lo, b.hi)
			}
			var bad []string
			if _, unsigned := f.Value.(flag.Getter).Get().(uint64); b.lo > math.MinInt64 && !unsigned {
				bad = append(bad, outside(b.lo, -1, f))
			}
			if b.hi < math.MaxInt64 {
				bad = append(bad, outside(b.hi, +1, f), "9999999999999")
			}
			for _, v := range bad {
				err := commands[cmd].run(context.Background(), []string{"--" + f.Name, v})
				msg := ""
				if err != nil {
					msg = err.Error()
				}
				if err == nil || !strings.HasPrefix(msg, "--"+f.Name+" ") || !strings.Contains(msg, " to ") {
					t.Errorf("%s --%s %s: %v; want an error naming --%s and its range", cmd, f.Name, v, err, f.Name)
				}
				for _, g := range numericFlags {
					if g != f && strings.Contains(msg, "--"+g.Name+" ") {
						t.Errorf("%s --%s %s: the message names --%s too: %s", cmd, f.Name, v, g.Name, msg)
					}
				}
				checked++
			}
		}
	}
	t.Logf("%d out-of-range values refused", checked)
	if checked < 40 {
		t.Errorf("only %d out-of-range values checked: the commands' flags were not found", checked)
	}
}

// outside is a value just beyond the bound x (dir -1: below, +1: above) in
// the flag's own type.
func outside(x float64, dir int, f *flag.Flag) string {
	v, _ := numeric(f)
	if v == math.Trunc(v) && x == math.Trunc(x) && !strings.Contains(f.DefValue, ".") {
		return strconv.FormatInt(int64(x)+int64(dir), 10)
	}
	return strconv.FormatFloat(x*(1+float64(dir)*0.5)+float64(dir)*1e-9, 'g', -1, 64)
}

// registerFlags runs every command with -h, so that each registers its
// flags in flagSets (usage text discarded until the test ends), and returns
// the commands' names, sorted.
func registerFlags(tb testing.TB) []string {
	tb.Helper()
	flagOutput = io.Discard
	tb.Cleanup(func() { flagOutput = os.Stderr })
	names := commandNames()
	for _, cmd := range names {
		if err := commands[cmd].run(context.Background(), []string{"-h"}); err != flag.ErrHelp {
			tb.Fatalf("%s -h: %v, want flag.ErrHelp", cmd, err)
		}
		if flagSets[cmd] == nil {
			tb.Fatalf("%s made no flag set", cmd)
		}
	}
	return names
}
