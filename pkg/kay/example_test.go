package kay_test

import (
	"fmt"
	"os"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// Load a dataset folder in the NMA format (here a small simulated one),
// then select the study's classes and visual areas.
func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "kay-example")
	defer os.RemoveAll(dir)
	cfg, _ := synth.Profile("quick", 5)
	cfg.TrainCounts = map[string]int{"animal": 6, "artifact": 5, "geological formation": 3, "fungus": 2}
	cfg.TestCounts = map[string]int{"animal": 2, "artifact": 2, "geological formation": 1}
	if _, _, err := synth.Write(dir, cfg, nil); err != nil {
		fmt.Println(err)
		return
	}
	d, err := kay.Load(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	sel, _ := d.Select(kay.DefaultFilter())
	fmt.Printf("%d training and %d test images, %d voxels; kept %d / %d in classes %v\n",
		d.Train.Stimuli.N, d.Test.Stimuli.N, d.Voxels(), len(sel.Train.Y), len(sel.Test.Y), sel.Classes)
	if _, err := kay.Load(dir + "/missing"); err != nil {
		fmt.Println("a missing folder is an error naming the file")
	}
	// Output:
	// 16 training and 5 test images, 1054 voxels; kept 14 / 5 in classes [animal artifact geological formation]
	// a missing folder is an error naming the file
}
