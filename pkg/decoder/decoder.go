// Package decoder is the study's fMRI decoder: a fully connected network from
// a voxel pattern to an image class whose last hidden layer (100 units) is the
// brain-derived embedding compared with the CNNs'. The architecture is the
// original's, layer for layer, with torch's parameter names:
//
//	fc1 Linear(V,512) bn1 ReLU Dropout(0.6)
//	fc2 Linear(512,512) bn2 ReLU Dropout(0.6)
//	fc3 Linear(512,100) bn3 ReLU Dropout(0.6)   <- embedding
//	fc4 Linear(100,C)                          <- logits
package decoder

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
)

// Config is the network's shape.
type Config struct {
	Voxels    int     `json:"voxels"`
	Classes   int     `json:"classes"`
	Hidden    []int   `json:"hidden"`    // widths of the blocks before the embedding
	Embedding int     `json:"embedding"` // width of the last block: the embedding
	Dropout   float64 `json:"dropout"`
}

// Default is the original's network for voxels inputs and classes outputs.
func Default(voxels, classes int) Config {
	return Config{Voxels: voxels, Classes: classes, Hidden: []int{512, 512}, Embedding: 100, Dropout: 0.6}
}

// Validate reports a configuration that cannot be built.
func (c Config) Validate() error {
	if c.Voxels < 1 || c.Classes < 2 || c.Embedding < 1 || c.Dropout < 0 || c.Dropout >= 1 {
		return fmt.Errorf("decoder config %+v: need voxels >= 1, classes >= 2, embedding >= 1, 0 <= dropout < 1", c)
	}
	for _, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("decoder config: hidden width %d", h)
		}
	}
	return nil
}

// Forward implements train.Network: x is (batch, voxels).
func (c Config) Forward(scope *model.Scope, x *graph.Node) (logits, embedding *graph.Node) {
	x.AssertDims(-1, c.Voxels)
	widths := append(append([]int{}, c.Hidden...), c.Embedding)
	for i, w := range widths {
		x = nn.Linear(scope.In("fc%d", i+1), x, w)
		x = nn.BatchNorm(scope.In("bn%d", i+1), x)
		x = nn.Dropout(scope, nn.ReLU(x), c.Dropout)
	}
	embedding = x
	logits = nn.Linear(scope.In("fc%d", len(widths)+1), x, c.Classes)
	return logits, embedding
}
