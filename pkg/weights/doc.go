// Package weights reads torchvision checkpoints into torch-named arrays: the
// .pth files torch.save writes (a zip of a pickled state_dict and its
// storages, read with gopickle) and .safetensors files; it downloads the
// official ImageNet weights with resume and verification, and renames the
// legacy keys old checkpoints carry, as torchvision does on load.
package weights
