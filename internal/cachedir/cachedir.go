package cachedir

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// EnvVar overrides the cache location.
const EnvVar = "DT_CACHE"

// Root is $DT_CACHE, else $XDG_CACHE_HOME/decoding-thoughts, else
// ~/.cache/decoding-thoughts, else a folder under the system temp dir.
func Root() string { return RootFrom(os.Getenv) }

// RootFrom is Root with the environment read through getenv.
func RootFrom(getenv func(string) string) string {
	if d := getenv(EnvVar); d != "" {
		return d
	}
	if d := getenv("XDG_CACHE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "decoding-thoughts")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "decoding-thoughts")
	}
	return filepath.Join(os.TempDir(), "decoding-thoughts-cache")
}

// Path joins parts under Root.
func Path(parts ...string) string {
	return filepath.Join(append([]string{Root()}, parts...)...)
}

// Key is a short hex digest of parts (JSON-encoded): the name of a cached
// result that must change whenever one of its inputs does.
func Key(parts ...any) string {
	h := sha256.New()
	for _, p := range parts {
		js, err := json.Marshal(p)
		if err != nil {
			fmt.Fprintf(h, "%#v", p)
		}
		h.Write(js)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
