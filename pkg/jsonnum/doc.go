// Package jsonnum carries float values that may be undefined (NaN, ±Inf)
// through JSON, which has no such numbers.
//
// The contract of Float, the type of every result field that may be
// undefined:
//   - NaN, +Inf and -Inf are written as null; a finite value is written
//     exactly as encoding/json writes a float64 (the same bytes), so a
//     field's type can change from float64 to Float without changing the
//     file.
//   - null is read as NaN, so an undefined value survives a round trip as
//     NaN (the sign of an infinity does not); a number is read as
//     encoding/json reads a float64.
//   - A field absent from the JSON is left as it is (zero for a new value),
//     as for any field.
//
// A struct whose fields are Float needs no MarshalJSON of its own.
package jsonnum
