package cnn

// registry is the model zoo: one entry per architecture, in listing order
// (the original study's five first). A new architecture of an existing
// family is one entry here; a new family adds its constructor in a file of
// its own. Weight file names carry the hash prefix torchvision publishes.
var registry = []Arch{
	{Name: "vgg11_bn", Family: "vgg", Features: 4096, Weights: "vgg11_bn-6002323d.pth", Order: 0, Study: true,
		Init: Init{LinearStd: 0.01}, forward: vgg11BN},
	{Name: "resnet50", Family: "resnet", Features: 2048, Weights: "resnet50-0676ba61.pth", Order: 1, Study: true,
		Init: Init{LinearBias: true}, forward: resnet(false, []int{3, 4, 6, 3}, 1, 64)},
	{Name: "resnext50_32x4d", Family: "resnet", Features: 2048, Weights: "resnext50_32x4d-7cdf4587.pth", Order: 2, Study: true,
		Init: Init{LinearBias: true}, forward: resnet(false, []int{3, 4, 6, 3}, 32, 4)},
	{Name: "densenet121", Family: "densenet", Features: 1024, Weights: "densenet121-a639ec97.pth", Order: 3, Study: true,
		Init: Init{ConvFanIn: true}, forward: densenet121},
	{Name: "mobilenet_v3_large", Family: "mobilenet", Features: 1280, Weights: "mobilenet_v3_large-8738ca79.pth", Order: 4, Study: true,
		Init: Init{LinearStd: 0.01}, forward: mobilenetV3Large},
	{Name: "resnet18", Family: "resnet", Features: 512, Weights: "resnet18-f37072fd.pth", Order: 5,
		Init: Init{LinearBias: true}, forward: resnet(true, []int{2, 2, 2, 2}, 1, 64)},
}
