// Package weights reads torchvision checkpoints into torch-named arrays
// (npfile.Entry) and downloads them.
//
// Reading: Read picks the format by extension; ReadPTH reads what
// torch.save writes (a zip of a pickled state_dict and its storages, read
// with gopickle; also a training checkpoint's "state_dict" or "model"
// dict), ReadSafetensors the .safetensors format, and WriteSafetensors
// writes it. Unwrap brings a training checkpoint's keys to the network's
// own names (prefixes such as "module." stripped, input normalisers
// skipped) and says what it did; RemapLegacy renames the legacy DenseNet
// keys as torchvision does on load.
//
// Downloading: Download fetches an official checkpoint by file name from
// BaseURL, resumable and verified against the hash prefix in its name;
// DownloadURL fetches one from any address (IsURL), verified against a
// "#sha256=" suffix when the address has one, and CachedURL says where it
// keeps it.
package weights
