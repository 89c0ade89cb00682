package npfile

// SliceLen is sliceLen for the external tests.
var SliceLen = sliceLen
