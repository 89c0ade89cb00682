package distortion

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/pkg/blur"
)

// Func distorts image i (h x w pixels, row-major) and returns the result.
type Func func(i int, pix []float32, h, w int) []float32

// Kind is one kind of distortion.
type Kind struct {
	Name      string // as in results and file names: "gaussian", "box"
	Title     string // for figure titles: "Gaussian blur"
	LevelName string // what a level is: "sigma"
	Unit      string // the level's unit: "pixels"
	// Default are the levels of the default sweep, mildest first.
	Default []float64
	// Check reports a level the kind cannot apply.
	Check func(level float64) error
	// Apply returns the distortion at level; seed fixes any random draws,
	// per image, so runs repeat.
	Apply func(level float64, seed int64) Func
}

// kinds is the table of distortions.
var kinds = []Kind{
	{Name: "gaussian", Title: "Gaussian blur", LevelName: "sigma", Unit: "pixels",
		Default: []float64{0, 1, 2, 4, 8},
		Check: func(l float64) error {
			if l < 0 || math.IsNaN(l) || math.IsInf(l, 0) {
				return fmt.Errorf("sigma %v: want a finite value >= 0", l)
			}
			return nil
		},
		Apply: func(level float64, _ int64) Func {
			return func(_ int, pix []float32, h, w int) []float32 {
				out, err := blur.Gaussian(blur.Image{H: h, W: w, Pix: pix}, level)
				if err != nil {
					panic(err) // sizes come from the dataset; sigma was checked
				}
				return out.Pix
			}
		}},
	{Name: "box", Title: "box blur (albumentations Blur)", LevelName: "blur_limit", Unit: "box kernel up to this size",
		Default: []float64{1, 4, 8, 12, 16},
		Check: func(l float64) error {
			if l < 1 || l != math.Trunc(l) || l > 1e6 {
				return fmt.Errorf("blur_limit %v: want an integer >= 1", l)
			}
			return nil
		},
		Apply: func(level float64, seed int64) Func {
			limit := blur.BoxLimit(level)
			return func(i int, pix []float32, h, w int) []float32 {
				rng := rand.New(rand.NewPCG(uint64(seed), uint64(level)<<32|uint64(i)))
				out, _, err := limit.Apply(blur.Image{H: h, W: w, Pix: pix}, rng)
				if err != nil {
					panic(err)
				}
				return out.Pix
			}
		}},
}

// Kinds lists the distortion kinds.
func Kinds() []Kind { return kinds }

// Lookup returns the kind called name.
func Lookup(name string) (Kind, error) {
	for _, k := range kinds {
		if k.Name == name {
			return k, nil
		}
	}
	return Kind{}, fmt.Errorf("unknown distortion %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// LevelLabel names a level for axes: "sigma (pixels)".
func (k Kind) LevelLabel() string { return k.LevelName + " (" + k.Unit + ")" }

// Distortion is a sweep: a kind at increasing levels.
type Distortion struct {
	Name   string    `json:"distortion"`
	Levels []float64 `json:"levels"`
}

// Gaussian is the default sweep: sigma 0, 1, 2, 4, 8 pixels.
func Gaussian() Distortion { return Of("gaussian") }

// Box is the original's sweep: albumentations Blur(blur_limit=k) at k = 1,
// 4, 8, 12, 16, the kernel size drawn per image.
func Box() Distortion { return Of("box") }

// Of is the default sweep of a kind (none for an unknown name, which
// Validate then reports).
func Of(name string) Distortion {
	k, _ := Lookup(name)
	return Distortion{Name: name, Levels: k.Default}
}

// Parse reads a list of sweeps, as the --distortions flag takes it:
// comma-separated kind names, each with the kind's default levels or its own
// after "=", separated by "/" ("gaussian=0/0.5/1/2,box"). The first is the
// primary sweep. Every sweep is validated; an unknown kind is an error
// naming the known ones.
func Parse(spec string) ([]Distortion, error) {
	var out []Distortion
	seen := map[string]bool{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, levels, hasLevels := strings.Cut(part, "=")
		d := Of(name)
		if hasLevels {
			d.Levels = nil
			for _, l := range strings.Split(levels, "/") {
				v, err := strconv.ParseFloat(strings.TrimSpace(l), 64)
				if err != nil {
					return nil, fmt.Errorf("distortion %s: level %q is not a number", name, l)
				}
				d.Levels = append(d.Levels, v)
			}
		}
		if err := d.Validate(); err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, fmt.Errorf("distortion %s listed twice", name)
		}
		seen[name] = true
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no distortion in %q (want one or more of %s)", spec, strings.Join(Names(), ", "))
	}
	return out, nil
}

// Names lists the kinds' names, in table order.
func Names() []string {
	var names []string
	for _, k := range kinds {
		names = append(names, k.Name)
	}
	return names
}

// Kind returns the sweep's kind.
func (d Distortion) Kind() (Kind, error) { return Lookup(d.Name) }

// Validate checks the kind and the levels.
func (d Distortion) Validate() error {
	k, err := d.Kind()
	if err != nil {
		return err
	}
	if len(d.Levels) < 2 {
		return fmt.Errorf("distortion %s: need at least 2 levels, got %v", d.Name, d.Levels)
	}
	for _, l := range d.Levels {
		if err := k.Check(l); err != nil {
			return fmt.Errorf("distortion %s: %w", d.Name, err)
		}
	}
	return nil
}

// Func returns the distortion at one level; seed fixes random draws.
func (d Distortion) Func(level float64, seed int64) (Func, error) {
	k, err := d.Kind()
	if err != nil {
		return nil, err
	}
	if err := k.Check(level); err != nil {
		return nil, fmt.Errorf("distortion %s: %w", d.Name, err)
	}
	return k.Apply(level, seed), nil
}

// Title names the sweep for figures ("Gaussian blur"); the name itself for
// an unknown kind.
func (d Distortion) Title() string {
	if k, err := d.Kind(); err == nil {
		return k.Title
	}
	return d.Name
}

// LevelLabel names the sweep's level for axes ("sigma (pixels)").
func (d Distortion) LevelLabel() string {
	if k, err := d.Kind(); err == nil {
		return k.LevelLabel()
	}
	return "level"
}
