package decoder

import (
	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

func nnState(m *train.Model) ([]npfile.Entry, error) { return nn.StateDict(m.Scope()) }
