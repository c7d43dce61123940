// The umbrella module: `import Perceptron` brings in every Perceptron module. Nothing else.

@_exported import PerceptronData
@_exported import PerceptronIO
@_exported import PerceptronNN
@_exported import PerceptronONNX
@_exported import PerceptronPlot
@_exported import PerceptronReport
@_exported import PerceptronTensor
@_exported import PerceptronTraining
@_exported import PerceptronVision
