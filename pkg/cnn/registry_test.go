package cnn

import (
	"math"
	"strings"
	"testing"
)

// TestLookupSelectors: names, globs, "all" and "study", each model once in
// the order first selected; a selector that selects nothing is an error.
func TestLookupSelectors(t *testing.T) {
	names := func(list string) string {
		archs, err := Lookup(list)
		if err != nil {
			return "error: " + err.Error()
		}
		var out []string
		for _, a := range archs {
			out = append(out, a.Name)
		}
		return strings.Join(out, ",")
	}
	for sel, want := range map[string]string{
		"resnet50":             "resnet50",
		"resnet1*":             "resnet18,resnet101,resnet152",
		"resnet152,resnet1*":   "resnet152,resnet18,resnet101",
		"study":                strings.Join(StudyModels(), ","),
		"study,resnet18":       strings.Join(StudyModels(), ",") + ",resnet18",
		"densenet1?1,vgg1?_bn": "densenet121,densenet161,vgg11_bn,vgg13_bn,vgg16_bn,vgg19_bn",
	} {
		if got := names(sel); got != want {
			t.Errorf("Lookup(%q) = %s, want %s", sel, got, want)
		}
	}
	all := names("all")
	for _, a := range All() {
		if a.Family != "user" && !strings.Contains(","+all+",", ","+a.Name+",") {
			t.Errorf("all = %s misses %s", all, a.Name)
		}
		if a.Family == "user" && strings.Contains(","+all+",", ","+a.Name+",") {
			t.Errorf("all = %s includes the user-registered %s", all, a.Name)
		}
	}
	for _, bad := range []string{"nope", "xception*", "resnet[", ""} {
		if got := names(bad); !strings.HasPrefix(got, "error: ") {
			t.Errorf("Lookup(%q) = %s, want an error", bad, got)
		}
	}
}

// TestMACsMatchTorchvisionDocs: the multiply-accumulate count against the
// GFLOPS torchvision's documentation lists for its ImageNet weights (two
// decimals; within 1% or 0.006 G), at the weights' evaluation size (224x224;
// EfficientNet B1-B3: 240, 288, 300), and it scales with the image's area.
func TestMACsMatchTorchvisionDocs(t *testing.T) {
	for name, want := range map[string]float64{
		"alexnet": 0.71, "resnet18": 1.81, "resnet50": 4.09, "resnext50_32x4d": 4.23, "wide_resnet50_2": 11.40,
		"vgg11_bn": 7.61, "densenet121": 2.83, "densenet161": 7.73, "mobilenet_v2": 0.30, "mobilenet_v3_large": 0.22,
		"mobilenet_v3_small": 0.06, "efficientnet_b0": 0.39, "efficientnet_b1": 0.69, "efficientnet_b2": 1.09,
		"efficientnet_b3": 1.83, "regnet_y_400mf": 0.40, "regnet_y_800mf": 0.83, "regnet_y_1_6gf": 1.61,
		"convnext_tiny": 4.46, "convnext_small": 8.68,
	} {
		size := map[string]int{"efficientnet_b1": 240, "efficientnet_b2": 288, "efficientnet_b3": 300}[name]
		if size == 0 {
			size = 224
		}
		a, err := Get(name)
		if err != nil {
			t.Fatal(err)
		}
		n, err := a.MACs(size, size)
		if err != nil {
			t.Fatal(err)
		}
		if g := float64(n) / 1e9; math.Abs(g-want) > math.Max(0.01*want, 0.006) {
			t.Errorf("%s: %.3f GMACs at %dx%d, torchvision's docs say %.2f", name, g, size, size, want)
		}
	}
	a, _ := Get("resnet50")
	n224, _ := a.MACs(224, 224)
	n128, err := a.MACs(128, 128)
	if err != nil {
		t.Fatal(err)
	}
	if r := float64(n128) / float64(n224); math.Abs(r-128.0*128/(224*224)) > 0.03 {
		t.Errorf("resnet50: MACs at 128 / 224 = %.3f, want about the area ratio %.3f", r, 128.0*128/(224*224))
	}
}

// TestSeedDependsOnTheNameOnly: a model's random-weight seed is the run's
// seed plus a hash of its name: distinct for every registered architecture,
// unchanged by its listing order, and shifted one to one by the run's seed.
func TestSeedDependsOnTheNameOnly(t *testing.T) {
	seen := map[int64]string{}
	for _, a := range All() {
		s := a.Seed(1)
		if b, dup := seen[s]; dup {
			t.Errorf("%s and %s share random-weight seed %d", a.Name, b, s)
		}
		seen[s] = a.Name
		moved := a
		moved.Order += 100
		if moved.Seed(1) != s || a.Seed(5) != s+4 {
			t.Errorf("%s: seed %d, moved in the listing %d, run seed 5 gives %d", a.Name, s, moved.Seed(1), a.Seed(5))
		}
	}
	// A known answer: FNV-1a of "resnet50" is 0xea38d543720f1831 (from the
	// FNV spec's 64-bit offset basis and prime, in Python), shifted right 33.
	if got, want := (Arch{Name: "resnet50"}).Seed(0), int64(0xea38d543720f1831>>33); got != want {
		t.Errorf("resnet50 seed %d, want %d", got, want)
	}
}
