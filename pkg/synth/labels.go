package synth

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
)

// level1Count is how many of the real dataset's 1750 training images carry a
// level-1 label under a level-0 class.
type level1Count struct {
	Level0, Level1 string
	N              int
}

// realLevel1 is the real training labels' level-0 x level-1 table, counted
// from the NMA file kay_labels.npy (TestRealLabelCounts checks it against
// the file where it is at hand). The real hierarchy is not a tree: a few
// level-1 names sit under more than one level-0 class, as here.
var realLevel1 = []level1Count{
	{"animal", "vertebrate", 556}, {"animal", "invertebrate", 32}, {"animal", "substance", 1},
	{"artifact", "instrumentality", 350}, {"artifact", "structure", 272}, {"artifact", "covering", 154},
	{"artifact", "fabric", 10}, {"artifact", "surface", 6}, {"artifact", "commodity", 6},
	{"artifact", "decoration", 4}, {"artifact", "creation", 2}, {"artifact", "substance", 2},
	{"artifact", "vertebrate", 2}, {"artifact", "sheet", 1}, {"artifact", "round shape", 1},
	{"artifact", "invertebrate", 1}, {"artifact", "natural elevation", 1},
	{"entity", "solid", 44}, {"entity", "substance", 24}, {"entity", "visual signal", 3}, {"entity", "round shape", 1},
	{"fruit", "edible fruit", 39}, {"fruit", "seed", 21}, {"fruit", "solid", 4}, {"fruit", "ear", 4},
	{"fruit", "acorn", 4}, {"fruit", "hip", 3}, {"fruit", "structure", 2},
	{"fungus", "hen-of-the-woods", 2}, {"fungus", "earthstar", 2}, {"fungus", "gyromitra", 1},
	{"geological formation", "shore", 60}, {"geological formation", "natural elevation", 60},
	{"geological formation", "natural depression", 51}, {"geological formation", "spring", 7},
	{"geological formation", "cliff", 7}, {"geological formation", "structure", 3},
	{"geological formation", "vertebrate", 2}, {"geological formation", "instrumentality", 2},
	{"person", "explorer", 2}, {"plant", "vascular plant", 1},
}

// realLevel0 sums realLevel1 per level-0 class: the real training counts.
func realLevel0() map[string]int {
	out := map[string]int{}
	for _, c := range realLevel1 {
		out[c.Level0] += c.N
	}
	return out
}

// Levels 2 and 3 split each parent into this many children.
const (
	level2Split = 3
	level3Split = 2
)

// path is one image's label at every level.
type path struct {
	names [4]string
}

// drawPath draws a label path for a level-0 class: the level-1 child with
// the real training data's frequency, levels 2 and 3 uniformly.
func drawPath(class0 string, r *rand.Rand) path {
	total := 0
	for _, c := range realLevel1 {
		if c.Level0 == class0 {
			total += c.N
		}
	}
	pick, sub := r.IntN(max(total, 1)), ""
	for _, c := range realLevel1 {
		if c.Level0 != class0 {
			continue
		}
		if pick < c.N {
			sub = c.Level1
			break
		}
		pick -= c.N
	}
	var p path
	p.names[0], p.names[1] = class0, sub
	p.names[2] = fmt.Sprintf("%s, kind %c", sub, 'a'+r.IntN(level2Split))
	p.names[3] = fmt.Sprintf("%s, form %d", p.names[2], r.IntN(level3Split)+1)
	return p
}

// classList expands counts into a deterministic, shuffled list of level-0 classes.
func classList(counts map[string]int, r *rand.Rand) []string {
	var out []string
	for _, c := range Level0Classes {
		for range counts[c] {
			out = append(out, c)
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// styleDims is the length of the style vector that parameterises a picture.
const styleDims = 6

// style returns the picture parameters of a label path: a level-1 prototype
// moved a fair way by the level-2 child and a little by the level-3 child,
// plus per-image jitter, so coarse levels are easy and fine ones harder.
func style(seed uint64, p path, r *rand.Rand) [styleDims]float64 {
	proto := func(key string) [styleDims]float64 {
		h := fnv.New64a()
		_, _ = h.Write([]byte(key))
		pr := rand.New(rand.NewPCG(seed, h.Sum64()))
		var v [styleDims]float64
		for i := range v {
			v[i] = pr.Float64()
		}
		return v
	}
	b, d2, d3 := proto(p.names[1]), proto(p.names[2]), proto(p.names[3])
	var s [styleDims]float64
	for i := range s {
		v := b[i] + 0.35*(d2[i]-0.5) + 0.15*(d3[i]-0.5) + 0.08*r.NormFloat64()
		s[i] = min(1, max(0, v))
	}
	return s
}

// imageRNG gives image i of a split its own stream, so results do not depend
// on how work is spread over goroutines.
func imageRNG(seed uint64, split, i int) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(split)<<32|uint64(i)))
}

func indexOf(list []string, s string) int { return slices.Index(list, s) }
