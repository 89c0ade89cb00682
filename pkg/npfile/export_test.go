package npfile

// SliceLen is sliceLen for the external tests.
var SliceLen = sliceLen

// ParseHeader is parseHeader for the external tests.
var ParseHeader = parseHeader
