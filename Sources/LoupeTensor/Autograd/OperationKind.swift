/// The operations the tape records; a caller can substitute the backward rule of any kind.
public enum OperationKind: String, Hashable, Sendable, CaseIterable {
    case leaf
    case matmul, linear, linearReLU, conv2d, conv2dReLUMaxPool2d
    case maxPool2d, avgPool2d, globalAvgPool, reluMaxPool2d
    case relu, leakyReLU, sigmoid, tanh
    case softmax, logSoftmax, crossEntropy
    case add, subtract, multiply, divide
    case reshape
    case sum, mean
    case batchNorm, batchNormReLU, conv2dBatchNorm, normalizeChannels, dropout
    case addReLU, batchNormAddReLU
}
