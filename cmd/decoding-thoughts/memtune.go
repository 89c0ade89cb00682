package main

import (
	"os"
	"strings"
)

// Freshly mapped memory is slow to touch on some virtual machines: on the
// 2-core VM the project is measured on, writing 1 GB of new pages takes 3 s
// against 0.05 s for pages already the process's, and a study run by the
// default settings faults in about 40 GB of them (the Go heap's scavenger
// hands freed spans back with MADV_DONTNEED, glibc unmaps large freed
// blocks, ONNX Runtime's per-graph arenas come and go). Freed memory kept in
// the process instead (the runtime's MADV_FREE: the kernel takes the pages
// back only under memory pressure; glibc's heap kept up to 1 GB, its large
// mappings on transparent huge pages) cut the page faults of a
// one-model study from 2.5 M to 0.8 M and its time by 18%, make demo's
// first run from 6 min 37 s to 5 min 36 s (its cnn stage 244 to 198 s;
// measured 2026-12-07). The resident size then includes freed pages the
// kernel has not yet taken back.
const (
	tunedMarker = "DT_MEMORY_TUNED"
	tunedGC     = "madvdontneed=0"
	tunedGlibc  = "glibc.malloc.hugetlb=1:glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432"
)

// tunedEnv is environ with the memory settings added where the user set
// none of their own (a GLIBC_TUNABLES of theirs gets the malloc settings it
// lacks), and whether the program should start again under it: not when it
// already did or was told not to (DT_MEMORY_TUNED set), not under Slurm
// (whose memory accounting polls the resident size, which would count the
// freed pages kept), not when there is nothing to add.
func tunedEnv(environ []string) ([]string, bool) {
	get := func(key string) (string, int) {
		for i, kv := range environ {
			if k, v, ok := strings.Cut(kv, "="); ok && k == key {
				return v, i
			}
		}
		return "", -1
	}
	if _, i := get(tunedMarker); i >= 0 {
		return environ, false
	}
	if _, i := get("SLURM_JOB_ID"); i >= 0 {
		return environ, false
	}
	out := append([]string(nil), environ...)
	changed := false
	if v, i := get("GODEBUG"); !strings.Contains(v, "madvdontneed") {
		if i < 0 {
			out = append(out, "GODEBUG="+tunedGC)
		} else {
			out[i] = "GODEBUG=" + strings.TrimPrefix(v+","+tunedGC, ",")
		}
		changed = true
	}
	if v, i := get("GLIBC_TUNABLES"); i < 0 {
		out = append(out, "GLIBC_TUNABLES="+tunedGlibc)
		changed = true
	} else {
		add := []string{}
		for _, t := range strings.Split(tunedGlibc, ":") {
			name, _, _ := strings.Cut(t, "=")
			if !strings.Contains(":"+v, ":"+name+"=") {
				add = append(add, t)
			}
		}
		if len(add) > 0 {
			out[i] = "GLIBC_TUNABLES=" + strings.TrimPrefix(v+":"+strings.Join(add, ":"), ":")
			changed = true
		}
	}
	return append(out, tunedMarker+"=1"), changed
}

// tuneMemory starts the program again under tunedEnv (same process, same
// arguments) on Linux, once; where that cannot be done it goes on as it is.
// DT_MEMORY_TUNED set in the environment (to anything) turns it off.
func tuneMemory() {
	env, again := tunedEnv(os.Environ())
	if !again || !canReexec {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	_ = reexec(exe, os.Args, env) // returns only on failure
}
