package weights

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// The pickle reader (gopickle) allocates whatever a length field asks for
// before it reads: a 12-byte file claiming a 200 GB string, frame or storage
// kills the process with "out of memory", which no recover catches. The
// checks below walk a checkpoint first and refuse every length that the
// bytes actually stored cannot hold; only then does gopickle see it.

// pickleArg is how an opcode's argument is stored (Python's pickletools).
type pickleArg uint8

const (
	argNone   pickleArg = iota
	argFixed            // fixed-size argument: pickleOps[op].n bytes
	argLine             // one newline-terminated line
	argLines2           // two newline-terminated lines (GLOBAL, INST)
	argLen1             // 1-byte length, then that many bytes
	argLen4             // 4-byte little-endian length, then that many bytes
	argLen8             // 8-byte little-endian length, then that many bytes
	argFrame            // 8-byte frame length; the frame's opcodes follow inline
)

type pickleOp struct {
	arg pickleArg
	n   int // bytes of a fixed argument
}

// pickleOps lists every opcode of pickle protocols 0 to 5.
var pickleOps = func() map[byte]pickleOp {
	ops := map[byte]pickleOp{}
	for _, op := range "(.0123N]ae l)t}dsuQRbo" {
		ops[byte(op)] = pickleOp{}
	}
	for _, op := range []byte{0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98} {
		ops[op] = pickleOp{}
	}
	for op, n := range map[byte]int{0x80: 1, 'K': 1, 'h': 1, 'q': 1, 0x82: 1, 'M': 2, 0x83: 2,
		'J': 4, 'j': 4, 'r': 4, 0x84: 4, 'G': 8} {
		ops[op] = pickleOp{argFixed, n}
	}
	for _, op := range "ILFSVgpP" {
		ops[byte(op)] = pickleOp{arg: argLine}
	}
	ops['c'], ops['i'] = pickleOp{arg: argLines2}, pickleOp{arg: argLines2}
	for _, op := range []byte{0x8a, 'U', 'C', 0x8c} {
		ops[op] = pickleOp{arg: argLen1}
	}
	for _, op := range []byte{0x8b, 'T', 'B', 'X'} {
		ops[op] = pickleOp{arg: argLen4}
	}
	for _, op := range []byte{0x8d, 0x8e, 0x96} {
		ops[op] = pickleOp{arg: argLen8}
	}
	ops[0x95] = pickleOp{arg: argFrame}
	return ops
}()

// scanPickle walks one pickle (up to and including its STOP opcode) from r,
// which holds at most limit more bytes, and returns how many bytes it used.
// Every length is checked against the bytes left before it is skipped.
func scanPickle(r *bufio.Reader, limit int64) (int64, error) {
	var pos int64
	skip := func(n uint64) error {
		if n > uint64(limit-pos) {
			return fmt.Errorf("a %d-byte argument at byte %d, with %d bytes left", n, pos, limit-pos)
		}
		m, err := r.Discard(int(n))
		pos += int64(m)
		return err
	}
	length := func(size int) (uint64, error) {
		var b [8]byte
		if err := readFull(r, b[:size], &pos); err != nil {
			return 0, err
		}
		return binary.LittleEndian.Uint64(b[:]), nil
	}
	line := func() error {
		for {
			b, err := r.ReadSlice('\n')
			pos += int64(len(b))
			if err != bufio.ErrBufferFull {
				return err
			}
		}
	}
	for {
		op, err := r.ReadByte()
		if err != nil {
			return pos, err
		}
		pos++
		if op == '.' {
			return pos, nil
		}
		spec, ok := pickleOps[op]
		if !ok {
			return pos, fmt.Errorf("unknown pickle opcode 0x%02x at byte %d", op, pos-1)
		}
		switch spec.arg {
		case argFixed:
			err = skip(uint64(spec.n))
		case argLine:
			err = line()
		case argLines2:
			if err = line(); err == nil {
				err = line()
			}
		case argLen1, argLen4, argLen8:
			size := map[pickleArg]int{argLen1: 1, argLen4: 4, argLen8: 8}[spec.arg]
			var n uint64
			if n, err = length(size); err == nil {
				if size == 4 && n >= 1<<31 { // signed in LONG4 and BINSTRING; gopickle reads them as int32
					err = fmt.Errorf("a negative length at byte %d", pos-4)
				} else {
					err = skip(n)
				}
			}
		case argFrame:
			var n uint64
			if n, err = length(8); err == nil && n > uint64(limit-pos) {
				err = fmt.Errorf("a frame of %d bytes at byte %d, with %d bytes left", n, pos, limit-pos)
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return pos, err
		}
	}
}

func readFull(r *bufio.Reader, b []byte, pos *int64) error {
	n, err := io.ReadFull(r, b)
	*pos += int64(n)
	return err
}

// storageRef is a tensor storage as a checkpoint's pickle names it.
type storageRef struct {
	class string // torch.FloatStorage, ...
	key   string
	size  int // elements
}

// elemBytes are the bytes per element of torch's storage classes; a class
// not listed is counted as one byte (gopickle refuses what it does not know).
var elemBytes = map[string]int64{
	"torch.HalfStorage": 2, "torch.FloatStorage": 4, "torch.DoubleStorage": 8, "torch.CharStorage": 1,
	"torch.ShortStorage": 2, "torch.IntStorage": 4, "torch.LongStorage": 8, "torch.ByteStorage": 1,
	"torch.BoolStorage": 1, "torch.BFloat16Storage": 2,
}

func (s storageRef) elem() int64 {
	if n, ok := elemBytes[s.class]; ok {
		return n
	}
	return 1
}

// stub stands for every class and function a checkpoint names: calling it,
// making one or setting its state builds nothing.
type stub struct{ name string }

func (s *stub) Call(...interface{}) (interface{}, error)  { return s, nil }
func (s *stub) PyNew(...interface{}) (interface{}, error) { return s, nil }
func (s *stub) PySetState(interface{}) error              { return nil }

// storageRefs runs one (already scanned) pickle with every class stubbed out
// and returns the storages it refers to, without loading any.
func storageRefs(r io.Reader) ([]storageRef, error) {
	var refs []storageRef
	u := pickle.NewUnpickler(r)
	u.FindClass = func(module, name string) (interface{}, error) { return &stub{module + "." + name}, nil }
	u.PersistentLoad = func(id interface{}) (interface{}, error) {
		t, ok := id.(*types.Tuple)
		if !ok || t.Len() < 5 {
			return nil, fmt.Errorf("persistent id %v: want a storage tuple", id)
		}
		class, _ := t.Get(1).(*stub)
		key, keyOK := t.Get(2).(string)
		size, sizeOK := t.Get(4).(int)
		if class == nil || !keyOK || !sizeOK || size < 0 {
			return nil, fmt.Errorf("persistent id %v: want (\"storage\", class, key, location, size)", id)
		}
		refs = append(refs, storageRef{class.name, key, size})
		return &stub{"storage"}, nil
	}
	_, err := u.Load()
	return refs, err
}

// checkZipPickle bounds a torch.save zip archive: data.pkl is scanned, and
// each storage it names must fit its archive entry.
func checkZipPickle(zr *zip.Reader) error {
	records := map[string]*zip.File{}
	var data *zip.File
	for _, e := range zr.File {
		_, name := path.Split(e.Name)
		records[name] = e
		if name == "data.pkl" {
			data = e
		}
	}
	open := func() (*bufio.Reader, func() error, error) {
		rc, err := data.Open()
		if err != nil {
			return nil, nil, err
		}
		return bufio.NewReader(rc), rc.Close, nil
	}
	r, closer, err := open()
	if err != nil {
		return err
	}
	_, err = scanPickle(r, int64(min(data.UncompressedSize64, 1<<62)))
	closer()
	if err != nil {
		return fmt.Errorf("%s: %w", data.Name, err)
	}
	if r, closer, err = open(); err != nil {
		return err
	}
	refs, err := storageRefs(r)
	closer()
	if err != nil {
		return fmt.Errorf("%s: %w", data.Name, err)
	}
	for _, s := range refs {
		e, ok := records[s.key]
		if !ok {
			return fmt.Errorf("storage %q: no archive entry", s.key)
		}
		if stored := int64(min(e.UncompressedSize64, 1<<62)); int64(s.size) > stored/s.elem() {
			return fmt.Errorf("storage %q: %d elements of %s in a %d-byte entry", s.key, s.size, strings.TrimPrefix(s.class, "torch."), stored)
		}
	}
	return nil
}

// checkLegacyPickle bounds a legacy (pre-1.6) torch.save file: five pickles
// (magic number, protocol, system information, the object, storage keys)
// are scanned, then each storage's element count must fit the bytes left.
func checkLegacyPickle(f *os.File, size int64) error {
	var pos int64
	var refs []storageRef
	var keys []string
	for i := range 5 {
		if _, err := f.Seek(pos, io.SeekStart); err != nil {
			return err
		}
		n, err := scanPickle(bufio.NewReader(f), size-pos)
		if err != nil {
			return fmt.Errorf("pickle %d of 5 at byte %d: %w", i+1, pos, err)
		}
		section := io.NewSectionReader(f, pos, n)
		switch i {
		case 3:
			if refs, err = storageRefs(bufio.NewReader(section)); err != nil {
				return fmt.Errorf("the state dict's pickle: %w", err)
			}
		case 4:
			u := pickle.NewUnpickler(bufio.NewReader(section))
			obj, err := u.Load()
			list, ok := obj.(*types.List)
			if err != nil || !ok {
				return fmt.Errorf("storage keys at byte %d: want a list of strings", pos)
			}
			for _, k := range *list {
				s, ok := k.(string)
				if !ok {
					return fmt.Errorf("storage key %v: want a string", k)
				}
				keys = append(keys, s)
			}
		}
		pos += n
	}
	class := map[string]storageRef{}
	for _, s := range refs {
		class[s.key] = s
	}
	for _, k := range keys {
		s, ok := class[k]
		if !ok {
			return fmt.Errorf("storage %q: not used by the state dict", k)
		}
		var count [8]byte
		if _, err := f.ReadAt(count[:], pos); err != nil {
			return fmt.Errorf("storage %q: size at byte %d: %w", k, pos, err)
		}
		n, left := binary.LittleEndian.Uint64(count[:]), size-pos-8
		if n > uint64(left/s.elem()) {
			return fmt.Errorf("storage %q: %d elements of %s with %d bytes left", k, n, strings.TrimPrefix(s.class, "torch."), left)
		}
		pos += 8 + int64(n)*s.elem()
	}
	return nil
}
