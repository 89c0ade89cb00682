// Package npfile reads and writes NumPy .npy and .npz files, the exchange
// format of the Kay dataset and of every array this project saves for
// re-analysis in Python.
//
// An Array is a shape and C-ordered data ([]float32, []float64, []int64,
// []int32, []uint8 or []string); Kind and Describe name its dtype ("f4",
// "U", ...) for messages, ShapeString formats a shape as NumPy prints it.
// An Entry is a named Array of an .npz archive.
//
// Reading: ReadNPY; ReadNPZ (every array, in archive order); OpenNPZ for
// an archive read key by key (Keys, Has, Header, Read, which verifies each
// entry's CRC-32). Input is untrusted: Header reads what an array declares
// (its dtype and shape) by inflating only its first bytes, so a caller can
// check every array's shape, and the shapes against each other, before any
// data is inflated; a header declaring more data than its entry or file
// holds, an entry that inflates to more than its header declares, and a
// malformed header are errors saying what is wrong, and Read allocates no
// more than the declared size.
//
// Writing is done here so that shapes are kept, .npz archives are stored
// uncompressed like np.savez, the output is byte-for-byte deterministic
// (zip timestamps at zero) and files are written atomically: WriteNPY,
// WriteNPZ (entries in the given order), and Encode for a .npy stream.
package npfile
