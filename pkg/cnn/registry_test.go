package cnn

import (
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
