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
	// The user's own settings stay as they are.
	env, again = tunedEnv([]string{"GODEBUG=madvdontneed=1", "GLIBC_TUNABLES=glibc.malloc.arena_max=2"})
	want = []string{"GODEBUG=madvdontneed=1", "GLIBC_TUNABLES=glibc.malloc.arena_max=2", tunedMarker + "=1"}
	if again || !slices.Equal(env, want) {
		t.Errorf("with the user's settings: tunedEnv = %q, %v; want %q, false", env, again, want)
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
