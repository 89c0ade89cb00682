package main

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestTunedEnv(t *testing.T) {
	env, again := tunedEnv([]string{"HOME=/h", "GODEBUG=gctrace=1"})
	want := []string{"HOME=/h", "GODEBUG=gctrace=1," + tunedGC, "GLIBC_TUNABLES=" + tunedGlibc, tunedMarker + "=1"}
	if !again || !slices.Equal(env, want) {
		t.Errorf("tunedEnv = %q, %v; want %q, true", env, again, want)
	}
	// The user's own settings stay as they are; their other tunables get ours beside them.
	env, again = tunedEnv([]string{"GODEBUG=madvdontneed=1", "GLIBC_TUNABLES=glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2"})
	want = []string{"GODEBUG=madvdontneed=1", "GLIBC_TUNABLES=glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2:" +
		"glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432", tunedMarker + "=1"}
	if !again || !slices.Equal(env, want) {
		t.Errorf("with the user's settings: tunedEnv = %q, %v; want %q, true", env, again, want)
	}
	env, again = tunedEnv([]string{"GODEBUG=madvdontneed=1", "GLIBC_TUNABLES=" + tunedGlibc})
	if again || len(env) != 3 {
		t.Errorf("all set by the user: tunedEnv = %q, %v; want nothing to add", env, again)
	}
	// Not under Slurm.
	if _, again = tunedEnv([]string{"SLURM_JOB_ID=12"}); again {
		t.Error("tuned under Slurm")
	}
	// Once started again (or turned off), never again.
	in := []string{"PATH=/bin", tunedMarker + "=1"}
	if env, again = tunedEnv(in); again || !slices.Equal(env, in) {
		t.Errorf("after the restart: tunedEnv = %q, %v; want the environment unchanged, false", env, again)
	}
	env, again = tunedEnv(nil)
	want = []string{"GODEBUG=" + tunedGC, "GLIBC_TUNABLES=" + tunedGlibc, tunedMarker + "=1"}
	if !again || !slices.Equal(env, want) {
		t.Errorf("empty environment: tunedEnv = %q, %v; want %q, true", env, again, want)
	}
}

// TestMakefileTunesAsTheCLI: the Makefile gives the test binaries and the
// notebook kernel the settings the CLI gives itself.
func TestMakefileTunesAsTheCLI(t *testing.T) {
	b, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"export GODEBUG ?= " + tunedGC + "\n", "export GLIBC_TUNABLES ?= " + tunedGlibc + "\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the Makefile lacks %q", want)
		}
	}
}
