package jsonnum

import (
	"encoding/json"
	"math"
	"testing"
)

// TestFloatRoundTrip: NaN and infinities are written as null and read back
// as NaN; finite values survive exactly.
func TestFloatRoundTrip(t *testing.T) {
	in := []Float{1.25, Float(math.NaN()), Float(math.Inf(-1)), -3e-9}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "[1.25,null,null,-3e-9]" {
		t.Errorf("JSON %s", b)
	}
	var out []Float
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out[0] != 1.25 || !math.IsNaN(float64(out[1])) || !math.IsNaN(float64(out[2])) || out[3] != -3e-9 {
		t.Errorf("round trip %v", out)
	}
}
