//go:build !linux || !cgo

package peakmem

// Trim does nothing where glibc's malloc_trim is not available.
func Trim() {}
