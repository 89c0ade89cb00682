// Package nb keeps the GoNB notebooks thin: each cell calls one of its
// functions and displays the result. GoNB runs every cell as a fresh
// program, so the functions that compute something expensive do it on the
// first call, save it in the cache, and reopen it on later calls.
//
// Data and backends: Dataset (the $DT_DATA_DIR folder, else the embedded
// simulated dataset, generated on first use), MustDataset, About; Backend
// (the backend for fully connected training), Backbone (a CNN with the
// cached ImageNet weights, else seeded random ones, saying which); Seed,
// the notebooks' run seed.
//
// Analyses, each as the CLI runs it with its defaults: FMRI (the decoder),
// CNN (a backbone's stimulus classifier), Encoding (Kay et al.'s Gabor
// encoding model), Layers (the layer-wise comparison with every visual
// area), Study (the whole study and its results); BatchNormModes compares a
// head trained on adapted and on frozen BatchNorm statistics under blur;
// ZooTable lists the model registry.
//
// Display: Show (7 x 4.5 inches) and Square (5 x 5) show a figure inline,
// LayerFigure one of the layer-wise figures. Outside a notebook the display
// calls do nothing harmful, so the same code runs in tests.
package nb
