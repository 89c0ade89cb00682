package decoder

import (
	"fmt"
	"strings"

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

// Summary lists the layers with their output widths and parameter counts,
// as torchinfo would.
func (c Config) Summary() string {
	var b strings.Builder
	widths := append(append([]int{}, c.Hidden...), c.Embedding)
	in, total := c.Voxels, 0
	row := func(name, kind string, out, params int) {
		fmt.Fprintf(&b, "%-5s %-40s %6d %10d\n", name, kind, out, params)
		total += params
	}
	fmt.Fprintf(&b, "%-5s %-40s %6s %10s\n", "layer", "", "out", "params")
	for i, w := range widths {
		row(fmt.Sprintf("fc%d", i+1), fmt.Sprintf("Linear(%d, %d)", in, w), w, in*w+w)
		row(fmt.Sprintf("bn%d", i+1), fmt.Sprintf("BatchNorm1d(%d) + ReLU + Dropout(%.1f)", w, c.Dropout), w, 2*w)
		in = w
	}
	row(fmt.Sprintf("fc%d", len(widths)+1), fmt.Sprintf("Linear(%d, %d) -> logits", in, c.Classes), c.Classes, in*c.Classes+c.Classes)
	fmt.Fprintf(&b, "trainable parameters: %d; embedding: the %d-d output of bn%d's block\n", total, c.Embedding, len(widths))
	return b.String()
}
