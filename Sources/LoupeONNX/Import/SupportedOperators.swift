/// The ONNX operators Loupe turns into layers, and those it folds away.
enum SupportedOperators {
    /// Operators that become layers or are absorbed by a neighbour (a bias `Add` after a
    /// `MatMul`, a residual `Add`, a final `Softmax`, `Sub` then `Div` by per-channel
    /// constants, weights stored as int8 codes behind a `DequantizeLinear`).
    static let layers: Set<String> = [
        "Conv", "Gemm", "MatMul", "Add", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "MaxPool", "AveragePool",
        "GlobalAveragePool", "ReduceMean", "BatchNormalization", "Flatten", "Reshape", "Squeeze", "Identity",
        "Dropout", "Softmax", "Sub", "Div", "QuantizeLinear", "DequantizeLinear",
    ]
    /// Operators of the constant sub-graphs exporters write (folded at import, see
    /// ``ConstantFolding``); `Squeeze` and `Reshape` also appear on the data path.
    static let shapeArithmetic: Set<String> = [
        "Shape", "Gather", "Unsqueeze", "Concat", "Constant", "Expand", "CastLike", "Cast",
    ]

    static let all = layers.union(shapeArithmetic)

    /// The inputs each operator needs at least (the rest are optional).
    static let minimumInputs: [String: Int] = [
        "Conv": 2, "Gemm": 2, "MatMul": 2, "Add": 2, "Sub": 2, "Div": 2, "BatchNormalization": 5, "Reshape": 2,
        "Expand": 2, "CastLike": 2, "Gather": 2, "QuantizeLinear": 2, "DequantizeLinear": 2, "Constant": 0,
        "Concat": 1,
    ]

    /// The supported opsets of the default domain: those the reader accepts.
    static let opsets = FormatLimits.opsets

    /// One line for an error: the supported operators, sorted.
    static var list: String { all.sorted().joined(separator: ", ") }
}
