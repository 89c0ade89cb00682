//go:build amd64 && goexperiment.simd

package linalg

import "simd/archsimd"

var haveSIMD = archsimd.X86.AVX512()

func dotAxpySIMD(a, x, y []float64, xi float64) float64 {
	n := len(a)
	x, y = x[:n], y[:n]
	acc0, acc1 := archsimd.BroadcastFloat64x8(0), archsimd.BroadcastFloat64x8(0)
	b := archsimd.BroadcastFloat64x8(xi)
	j := 0
	for ; j+16 <= n; j += 16 {
		a0, a1 := archsimd.LoadFloat64x8Slice(a[j:]), archsimd.LoadFloat64x8Slice(a[j+8:])
		acc0 = a0.MulAdd(archsimd.LoadFloat64x8Slice(x[j:]), acc0)
		acc1 = a1.MulAdd(archsimd.LoadFloat64x8Slice(x[j+8:]), acc1)
		a0.MulAdd(b, archsimd.LoadFloat64x8Slice(y[j:])).StoreSlice(y[j:])
		a1.MulAdd(b, archsimd.LoadFloat64x8Slice(y[j+8:])).StoreSlice(y[j+8:])
	}
	if j+8 <= n {
		a0 := archsimd.LoadFloat64x8Slice(a[j:])
		acc0 = a0.MulAdd(archsimd.LoadFloat64x8Slice(x[j:]), acc0)
		a0.MulAdd(b, archsimd.LoadFloat64x8Slice(y[j:])).StoreSlice(y[j:])
		j += 8
	}
	var lanes [8]float64
	acc0.Add(acc1).Store(&lanes)
	s := ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
	return s + dotAxpyScalar(a[j:], x[j:], y[j:], xi)
}

func combineSIMD(c []float64, beta float64, coef []float64, rows [][]float64, off int) {
	n := len(c)
	bv := archsimd.BroadcastFloat64x8(beta)
	start := func(j int) archsimd.Float64x8 {
		switch beta {
		case 0:
			return archsimd.BroadcastFloat64x8(0)
		case 1:
			return archsimd.LoadFloat64x8Slice(c[j:])
		}
		return archsimd.LoadFloat64x8Slice(c[j:]).Mul(bv)
	}
	j := 0
	for ; j+32 <= n; j += 32 {
		a0, a1, a2, a3 := start(j), start(j+8), start(j+16), start(j+24)
		for l, s := range coef {
			sv, r := archsimd.BroadcastFloat64x8(s), rows[l][off+j:off+j+32]
			a0 = sv.MulAdd(archsimd.LoadFloat64x8Slice(r[0:]), a0)
			a1 = sv.MulAdd(archsimd.LoadFloat64x8Slice(r[8:]), a1)
			a2 = sv.MulAdd(archsimd.LoadFloat64x8Slice(r[16:]), a2)
			a3 = sv.MulAdd(archsimd.LoadFloat64x8Slice(r[24:]), a3)
		}
		a0.StoreSlice(c[j:])
		a1.StoreSlice(c[j+8:])
		a2.StoreSlice(c[j+16:])
		a3.StoreSlice(c[j+24:])
	}
	for ; j+8 <= n; j += 8 {
		a0 := start(j)
		for l, s := range coef {
			a0 = archsimd.BroadcastFloat64x8(s).MulAdd(archsimd.LoadFloat64x8Slice(rows[l][off+j:]), a0)
		}
		a0.StoreSlice(c[j:])
	}
	combineScalar(c[j:], beta, coef, rows, off+j)
}
