package jsonnum

import (
	"encoding/json"
	"math"
	"testing"
)

// TestFloatRoundTrip: NaN and infinities are written as null and read back
// as NaN; finite values survive exactly.
func TestFloatRoundTrip(t *testing.T) {
	in := []Float{1.25, Float(math.NaN()), Float(math.Inf(1)), Float(math.Inf(-1)), -3e-9, 0, Float(math.Copysign(0, -1))}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "[1.25,null,null,null,-3e-9,0,-0]" {
		t.Errorf("JSON %s", b)
	}
	var out []Float
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("round trip %v", out)
	}
	for i, x := range in {
		y := float64(out[i])
		switch {
		case math.IsNaN(float64(x)) || math.IsInf(float64(x), 0):
			if !math.IsNaN(y) {
				t.Errorf("%v read back as %v, want NaN", x, y)
			}
		case math.Float64bits(float64(x)) != math.Float64bits(y):
			t.Errorf("%v read back as %v", x, y)
		}
	}
}

// TestFloatBytesAsFloat64: a finite Float is written byte for byte as
// encoding/json writes the float64, so changing a field's type keeps the
// file.
func TestFloatBytesAsFloat64(t *testing.T) {
	for _, x := range []float64{0, math.Copysign(0, -1), 1e-7, 1e-6, 0.1, 1.0 / 3, 123456789.0, 1e20, 1e21, -2.5e21,
		math.MaxFloat64, math.SmallestNonzeroFloat64, -42} {
		want, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(Float(x))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%v: Float writes %s, float64 %s", x, got, want)
		}
	}
}

// TestFloatStruct: Float fields in a struct (plain, slice, map, nested)
// are written as float64 fields would be, with null for undefined values,
// and read back with NaN for null.
func TestFloatStruct(t *testing.T) {
	type inner struct {
		P Float `json:"p"`
	}
	type withFloat struct {
		A   Float            `json:"a"`
		B   Float            `json:"b"`
		S   []Float          `json:"s"`
		M   map[string]Float `json:"m"`
		In  inner            `json:"inner"`
		Ptr *Float           `json:"ptr"`
	}
	type withFloat64 struct {
		A  float64            `json:"a"`
		B  float64            `json:"b"`
		S  []float64          `json:"s"`
		M  map[string]float64 `json:"m"`
		In struct {
			P float64 `json:"p"`
		} `json:"inner"`
		Ptr *float64 `json:"ptr"`
	}
	ptr := Float(0.1)
	fin := withFloat{A: 1e-7, B: 123456789.0, S: []Float{0.1, Float(math.Copysign(0, -1))}, M: map[string]Float{"x": 2.5, "y": -1e21}, In: inner{1.0 / 3}, Ptr: &ptr}
	ptr64 := 0.1
	fin64 := withFloat64{A: 1e-7, B: 123456789.0, S: []float64{0.1, math.Copysign(0, -1)}, M: map[string]float64{"x": 2.5, "y": -1e21}, Ptr: &ptr64}
	fin64.In.P = 1.0 / 3
	got, err := json.Marshal(fin)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(fin64)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("finite struct: Float writes %s, float64 %s", got, want)
	}

	nan, inf := Float(math.NaN()), Float(math.Inf(1))
	undef := withFloat{A: nan, B: 0.5, S: []Float{inf, 0.25, Float(math.Inf(-1))}, M: map[string]Float{"x": nan}, In: inner{inf}, Ptr: &nan}
	b, err := json.Marshal(undef)
	if err != nil {
		t.Fatal(err)
	}
	if w := `{"a":null,"b":0.5,"s":[null,0.25,null],"m":{"x":null},"inner":{"p":null},"ptr":null}`; string(b) != w {
		t.Errorf("JSON %s, want %s", b, w)
	}
	var back withFloat
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	isNaN := func(x Float) bool { return math.IsNaN(float64(x)) }
	if !isNaN(back.A) || back.B != 0.5 || !isNaN(back.S[0]) || back.S[1] != 0.25 || !isNaN(back.S[2]) ||
		!isNaN(back.M["x"]) || !isNaN(back.In.P) || back.Ptr != nil {
		t.Errorf("round trip %+v", back)
	}
}
