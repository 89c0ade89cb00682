// Package npfile reads and writes NumPy .npy and .npz files, the exchange format
// of the Kay dataset and of every array this project saves for re-analysis in
// Python. Reading goes through codeberg.org/sbinet/npyio; writing is done here so
// that shapes are kept, .npz archives are stored uncompressed like np.savez, the
// output is byte-for-byte deterministic and files are written atomically.
package npfile
