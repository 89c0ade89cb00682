// Package fetch downloads large files (datasets, network weights) into a cache
// folder: interrupted transfers resume with HTTP Range requests, an attempt
// that receives nothing for a while (Options.StallTimeout) is aborted and
// resumed, the bytes are verified (size, SHA-256, an optional content check)
// before the file appears under its name, and a bar shows progress. A failed
// verification leaves no file.
package fetch
