package kay

import (
	"archive/tar"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // the stimuli's JPEG copies
	_ "image/png"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
)

// ReadStimuliTar reads a tar of stimulus pictures named by their index in
// the NMA order ("stimuli/0.jpg", "stimuli/1.jpg", ...; JPEG or PNG, any
// folder), such as the JPEG copies of the 1750 real training stimuli. Every
// index from 0 to N-1 must be present once, all pictures of one size; they
// are read as grayscale in [0, 1] (colour pictures by their luminance). The
// stimulus pipeline rescales each image by its own range (Quantize), so a
// picture and the NMA float array it was written from give the same input.
func ReadStimuliTar(file string) (Images, error) {
	f, err := os.Open(file)
	if err != nil {
		return Images{}, err
	}
	defer f.Close()
	byIndex := map[int][]float32{}
	var im Images
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Images{}, fmt.Errorf("%s: not a readable tar archive: %w", file, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		base := path.Base(hdr.Name)
		ext := strings.ToLower(path.Ext(base))
		if ext != ".jpg" && ext != ".jpeg" && ext != ".png" {
			continue
		}
		i, err := strconv.Atoi(strings.TrimSuffix(base, path.Ext(base)))
		if err != nil || i < 0 {
			return Images{}, fmt.Errorf("%s: entry %s: want pictures named by their index (0.jpg, 1.jpg, ...)", file, hdr.Name)
		}
		if _, dup := byIndex[i]; dup {
			return Images{}, fmt.Errorf("%s: entry %s: index %d appears twice", file, hdr.Name, i)
		}
		pic, _, err := image.Decode(tr)
		if err != nil {
			return Images{}, fmt.Errorf("%s: entry %s: %w", file, hdr.Name, err)
		}
		b := pic.Bounds()
		if im.H == 0 {
			im.H, im.W = b.Dy(), b.Dx()
		}
		if b.Dy() != im.H || b.Dx() != im.W {
			return Images{}, fmt.Errorf("%s: entry %s is %dx%d, the others %dx%d", file, hdr.Name, b.Dx(), b.Dy(), im.W, im.H)
		}
		pix := make([]float32, im.H*im.W)
		for y := range im.H {
			for x := range im.W {
				r, g, bl, _ := pic.At(b.Min.X+x, b.Min.Y+y).RGBA()
				// ITU-R BT.601 luminance, as PIL's convert("L").
				pix[y*im.W+x] = float32((0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 0xffff)
			}
		}
		byIndex[i] = pix
	}
	if len(byIndex) == 0 {
		return Images{}, fmt.Errorf("%s: no JPEG or PNG pictures in the archive", file)
	}
	im.N = len(byIndex)
	im.Pix = make([]float32, 0, im.N*im.H*im.W)
	for i := range im.N {
		p, ok := byIndex[i]
		if !ok {
			return Images{}, fmt.Errorf("%s: %d pictures but none with index %d: want indices 0..%d", file, im.N, i, im.N-1)
		}
		im.Pix = append(im.Pix, p...)
	}
	return im, nil
}

// LoadPictures is a dataset of pictures and labels alone, as its training
// split (no responses, no voxels, no test split): the pictures of a tar
// (ReadStimuliTar) and their (4, N) label file.
func LoadPictures(tarFile, labelFile string) (*Dataset, error) {
	im, err := ReadStimuliTar(tarFile)
	if err != nil {
		return nil, err
	}
	l, err := LoadLabels(labelFile, im.N)
	if err != nil {
		return nil, fmt.Errorf("%w (the labels of the %d pictures in %s)", err, im.N, tarFile)
	}
	return &Dataset{Dir: tarFile, Train: Split{Stimuli: im, Labels: l}, ROINames: ROINames}, nil
}
