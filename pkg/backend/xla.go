//go:build xla

package backend

// XLA (CPU, CUDA) for users who have its PJRT plugin: build with -tags xla and
// select it with --backend xla or --backend xla:cuda. The autoinstaller fetches
// a missing plugin unless GOMLX_NO_AUTO_INSTALL is set.
import _ "github.com/gomlx/go-xla/compute/xla/autoinstall"
