// Package atomicfile writes files so that readers never see a half-written one:
// data goes to a temporary file in the destination folder, which is synced and
// renamed over the destination only when everything succeeded.
package atomicfile
