package npfile_test

import (
	"fmt"
	"math"
	"testing"

	. "github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

func TestCheckFinite(t *testing.T) {
	for _, c := range []struct {
		a    Array
		want string
	}{
		{Array{Shape: []int{3}, Data: []float32{1, 2, 3}}, ""},
		{Array{Shape: []int{3}, Data: []float32{1, float32(math.NaN()), 3}}, "non-finite value NaN at flat index 1"},
		{Array{Shape: []int{2}, Data: []float64{math.Inf(-1), 0}}, "non-finite value -Inf at flat index 0"},
		{Array{Shape: []int{2}, Data: []int64{1, 2}}, ""},
		{Array{Shape: []int{1}, Data: []string{"NaN"}}, ""},
	} {
		err := c.a.CheckFinite()
		if got := fmt.Sprint(err); (c.want == "" && err != nil) || (c.want != "" && got != c.want) {
			t.Errorf("%v: got %v, want %q", c.a.Data, err, c.want)
		}
	}
}
