package cnn

// registry is the model zoo: one entry per architecture, in listing order
// (the original study's five first). A new architecture of an existing
// family is one entry here; a new family adds its constructor in a file of
// its own. Weight file names carry the hash prefix torchvision publishes.
var registry = []Arch{
	{Name: "vgg11_bn", Family: "vgg", Features: 4096, Weights: "vgg11_bn-6002323d.pth", Order: 0, Study: true,
		Init: Init{LinearStd: 0.01}, stages: vgg(vggA, true)},
	{Name: "resnet50", Family: "resnet", Features: 2048, Weights: "resnet50-0676ba61.pth", Order: 1, Study: true,
		Init: Init{LinearBias: true}, stages: resnet(false, []int{3, 4, 6, 3}, 1, 64)},
	{Name: "resnext50_32x4d", Family: "resnet", Features: 2048, Weights: "resnext50_32x4d-7cdf4587.pth", Order: 2, Study: true,
		Init: Init{LinearBias: true}, stages: resnet(false, []int{3, 4, 6, 3}, 32, 4)},
	{Name: "densenet121", Family: "densenet", Features: 1024, Weights: "densenet121-a639ec97.pth", Order: 3, Study: true,
		Init: Init{ConvFanIn: true}, stages: densenet(32, []int{6, 12, 24, 16}, 64)},
	{Name: "mobilenet_v3_large", Family: "mobilenet", Features: 1280, Weights: "mobilenet_v3_large-8738ca79.pth", Order: 4, Study: true,
		Init: Init{LinearStd: 0.01}, stages: mobilenetV3(mobilenetV3LargeBlocks, 1280)},
	{Name: "resnet18", Family: "resnet", Features: 512, Weights: "resnet18-f37072fd.pth", Order: 5,
		Init: Init{LinearBias: true}, stages: resnet(true, []int{2, 2, 2, 2}, 1, 64)},
	// The rest of torchvision's families built here (issue 14's zoo).
	{Name: "resnet34", Family: "resnet", Features: 512, Weights: "resnet34-b627a593.pth", Order: 6,
		Init: Init{LinearBias: true}, stages: resnet(true, []int{3, 4, 6, 3}, 1, 64)},
	{Name: "resnet101", Family: "resnet", Features: 2048, Weights: "resnet101-63fe2227.pth", Order: 7,
		Init: Init{LinearBias: true}, stages: resnet(false, []int{3, 4, 23, 3}, 1, 64)},
	{Name: "resnet152", Family: "resnet", Features: 2048, Weights: "resnet152-394f9c45.pth", Order: 8,
		Init: Init{LinearBias: true}, stages: resnet(false, []int{3, 8, 36, 3}, 1, 64)},
	{Name: "resnext101_32x8d", Family: "resnet", Features: 2048, Weights: "resnext101_32x8d-8ba56ff5.pth", Order: 9,
		Init: Init{LinearBias: true}, stages: resnet(false, []int{3, 4, 23, 3}, 32, 8)},
	{Name: "resnext101_64x4d", Family: "resnet", Features: 2048, Weights: "resnext101_64x4d-173b62eb.pth", Order: 10,
		Init: Init{LinearBias: true}, stages: resnet(false, []int{3, 4, 23, 3}, 64, 4)},
	{Name: "wide_resnet50_2", Family: "resnet", Features: 2048, Weights: "wide_resnet50_2-95faca4d.pth", Order: 11,
		Init: Init{LinearBias: true}, stages: resnet(false, []int{3, 4, 6, 3}, 1, 128)},
	{Name: "wide_resnet101_2", Family: "resnet", Features: 2048, Weights: "wide_resnet101_2-32ee1156.pth", Order: 12,
		Init: Init{LinearBias: true}, stages: resnet(false, []int{3, 4, 23, 3}, 1, 128)},
	{Name: "densenet161", Family: "densenet", Features: 2208, Weights: "densenet161-8d451a50.pth", Order: 13,
		Init: Init{ConvFanIn: true}, stages: densenet(48, []int{6, 12, 36, 24}, 96)},
	{Name: "densenet169", Family: "densenet", Features: 1664, Weights: "densenet169-b2777c0a.pth", Order: 14,
		Init: Init{ConvFanIn: true}, stages: densenet(32, []int{6, 12, 32, 32}, 64)},
	{Name: "densenet201", Family: "densenet", Features: 1920, Weights: "densenet201-c1103571.pth", Order: 15,
		Init: Init{ConvFanIn: true}, stages: densenet(32, []int{6, 12, 48, 32}, 64)},
	{Name: "vgg11", Family: "vgg", Features: 4096, Weights: "vgg11-8a719046.pth", Order: 16,
		Init: Init{LinearStd: 0.01}, stages: vgg(vggA, false)},
	{Name: "vgg13", Family: "vgg", Features: 4096, Weights: "vgg13-19584684.pth", Order: 17,
		Init: Init{LinearStd: 0.01}, stages: vgg(vggB, false)},
	{Name: "vgg16", Family: "vgg", Features: 4096, Weights: "vgg16-397923af.pth", Order: 18,
		Init: Init{LinearStd: 0.01}, stages: vgg(vggD, false)},
	{Name: "vgg19", Family: "vgg", Features: 4096, Weights: "vgg19-dcbb9e9d.pth", Order: 19,
		Init: Init{LinearStd: 0.01}, stages: vgg(vggE, false)},
	{Name: "vgg13_bn", Family: "vgg", Features: 4096, Weights: "vgg13_bn-abd245e5.pth", Order: 20,
		Init: Init{LinearStd: 0.01}, stages: vgg(vggB, true)},
	{Name: "vgg16_bn", Family: "vgg", Features: 4096, Weights: "vgg16_bn-6c64b313.pth", Order: 21,
		Init: Init{LinearStd: 0.01}, stages: vgg(vggD, true)},
	{Name: "vgg19_bn", Family: "vgg", Features: 4096, Weights: "vgg19_bn-c79401a0.pth", Order: 22,
		Init: Init{LinearStd: 0.01}, stages: vgg(vggE, true)},
	{Name: "mobilenet_v3_small", Family: "mobilenet", Features: 1024, Weights: "mobilenet_v3_small-047dcff4.pth", Order: 23,
		Init: Init{LinearStd: 0.01}, stages: mobilenetV3(mobilenetV3SmallBlocks, 1024)},
	{Name: "alexnet", Family: "alexnet", Features: 4096, Weights: "alexnet-owt-7be5be79.pth", Order: 24,
		Init: Init{TorchDefault: true}, stages: alexnet()},
	{Name: "mobilenet_v2", Family: "mobilenet", Features: 1280, Weights: "mobilenet_v2-b0353104.pth", Order: 25,
		Init: Init{LinearStd: 0.01}, stages: mobilenetV2()},
	{Name: "efficientnet_b0", Family: "efficientnet", Features: efficientNetFeatures(1.0), Weights: "efficientnet_b0_rwightman-3dd342df.pth", Order: 26,
		Init: Init{LinearUniformOut: true}, stages: efficientnet(1.0, 1.0)},
	{Name: "efficientnet_b1", Family: "efficientnet", Features: efficientNetFeatures(1.0), Weights: "efficientnet_b1_rwightman-533bc792.pth", Order: 27,
		Init: Init{LinearUniformOut: true}, stages: efficientnet(1.0, 1.1)},
	{Name: "efficientnet_b2", Family: "efficientnet", Features: efficientNetFeatures(1.1), Weights: "efficientnet_b2_rwightman-bcdf34b7.pth", Order: 28,
		Init: Init{LinearUniformOut: true}, stages: efficientnet(1.1, 1.2)},
	{Name: "efficientnet_b3", Family: "efficientnet", Features: efficientNetFeatures(1.2), Weights: "efficientnet_b3_rwightman-cf984f9c.pth", Order: 29,
		Init: Init{LinearUniformOut: true}, stages: efficientnet(1.2, 1.4)},
	{Name: "regnet_y_400mf", Family: "regnet", Features: 440, Weights: "regnet_y_400mf-c65dace8.pth", Order: 30,
		Init: Init{LinearStd: 0.01, ConvBiasDefault: true}, stages: regnetY(regnetY400MF, 8)},
	{Name: "regnet_y_800mf", Family: "regnet", Features: 784, Weights: "regnet_y_800mf-1b27b58c.pth", Order: 31,
		Init: Init{LinearStd: 0.01, ConvBiasDefault: true}, stages: regnetY(regnetY800MF, 16)},
	{Name: "regnet_y_1_6gf", Family: "regnet", Features: 888, Weights: "regnet_y_1_6gf-b11a554e.pth", Order: 32,
		Init: Init{LinearStd: 0.01, ConvBiasDefault: true}, stages: regnetY(regnetY1_6GF, 24)},
	{Name: "convnext_tiny", Family: "convnext", Features: 768, Weights: "convnext_tiny-983f1562.pth", Order: 33,
		Init: Init{ConvStd: 0.02, LinearStd: 0.02}, stages: convnext(convnextTiny)},
	{Name: "convnext_small", Family: "convnext", Features: 768, Weights: "convnext_small-0c510722.pth", Order: 34,
		Init: Init{ConvStd: 0.02, LinearStd: 0.02}, stages: convnext(convnextSmall)},
}

// gflops are torchvision's documented operations per 224 x 224 image, in
// billions (its weights tables' GFLOPS): Arch.Cost's relative cost.
var gflops = map[string]float64{
	"vgg11_bn": 7.61, "resnet50": 4.09, "resnext50_32x4d": 4.23, "densenet121": 2.83, "mobilenet_v3_large": 0.22,
	"resnet18": 1.81, "resnet34": 3.66, "resnet101": 7.8, "resnet152": 11.51, "resnext101_32x8d": 16.41,
	"resnext101_64x4d": 15.46, "wide_resnet50_2": 11.4, "wide_resnet101_2": 22.75, "densenet161": 7.73,
	"densenet169": 3.36, "densenet201": 4.29, "vgg11": 7.61, "vgg13": 11.31, "vgg16": 15.47, "vgg19": 19.63,
	"vgg13_bn": 11.31, "vgg16_bn": 15.47, "vgg19_bn": 19.63, "mobilenet_v3_small": 0.06, "alexnet": 0.71,
	"mobilenet_v2": 0.3, "efficientnet_b0": 0.39, "efficientnet_b1": 0.69, "efficientnet_b2": 1.09,
	"efficientnet_b3": 1.83, "regnet_y_400mf": 0.4, "regnet_y_800mf": 0.83, "regnet_y_1_6gf": 1.61,
	"convnext_tiny": 4.46, "convnext_small": 8.68,
}

// Cost is the architecture's relative cost in a study, for splitting
// models into tasks of equal work (study --jobs): 2 (what every model
// costs whatever its size: BatchNorm adaptation's passes, the heads'
// training) plus its GFLOPS; 2 plus the zoo's median (4.09) for an
// architecture registered by a user.
func (a Arch) Cost() float64 {
	if g, ok := gflops[a.TorchName()]; ok {
		return 2 + g
	}
	return 2 + 4.09
}
