package synth

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
)

// level1 are the planted level-1 subclasses of each level-0 class: 30 in all,
// as in the real hierarchy.
var level1 = map[string][]string{
	"animal":               {"bird", "mammal", "reptile", "fish", "insect", "amphibian", "invertebrate", "vertebrate"},
	"artifact":             {"instrumentality", "structure", "covering", "commodity", "container", "device", "conveyance", "furniture", "equipment", "decoration"},
	"geological formation": {"mountain", "shore", "cliff", "valley"},
	"fruit":                {"edible fruit", "berry"},
	"entity":               {"round shape", "whole"},
	"fungus":               {"mushroom", "bracket fungus"},
	"person":               {"adult"},
	"plant":                {"tree"},
}

// Levels 2 and 3 split each parent into this many children.
const (
	level2Split = 3
	level3Split = 2
)

// path is one image's label at every level, with the indices that drive its
// style (which level-1, level-2 and level-3 child it is).
type path struct {
	names [4]string
	k1    int
	k2    int
	k3    int
}

func drawPath(class0 string, r *rand.Rand) path {
	subs := level1[class0]
	p := path{k1: r.IntN(len(subs)), k2: r.IntN(level2Split), k3: r.IntN(level3Split)}
	p.names[0] = class0
	p.names[1] = subs[p.k1]
	p.names[2] = fmt.Sprintf("%s, kind %c", p.names[1], 'a'+p.k2)
	p.names[3] = fmt.Sprintf("%s, form %d", p.names[2], p.k3+1)
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
