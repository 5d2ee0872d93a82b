import LoupeRandom
import LoupeSupport
import LoupeTensor

/// A building block of a network: maps an input variable to an output variable, reading its
/// parameters from the forward context by their stable names.
///
/// Other modules define layers too, to substitute for built-in ones with
/// `Model.rewritingLayers(where:with:)` (quantized layers, for example); such a layer reads
/// its parameters with `ForwardContext.parameter(_:)`.
public protocol Layer: Sendable {
    /// The parameters this layer owns (full dotted names such as `conv1.weight`).
    var parameterSpecs: [ParameterSpec] { get }
    /// Non-trainable state this layer owns, such as batch norm running statistics.
    var bufferSpecs: [ParameterSpec] { get }
    /// The output shape for an input shape without the batch dimension, or an error naming
    /// the mismatch.
    func outputShape(for input: [Int]) throws(ModelError) -> [Int]
    /// Multiply-adds counted as two FLOPs, for one example, forward pass.
    func forwardFLOPs(for input: [Int]) -> Int
    /// Applies the layer.
    func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable
    /// The serialisable description of this layer.
    var description: LayerDescription { get }
    /// This layer with each of the layers it is made of replaced by `transform(layer)`; a
    /// layer made of no other layers returns itself (the default).
    func mappingSublayers(_ transform: (any Layer) -> any Layer) -> any Layer
}

extension Layer {
    public var parameterSpecs: [ParameterSpec] { [] }
    public var bufferSpecs: [ParameterSpec] { [] }
    public func forwardFLOPs(for input: [Int]) -> Int { 0 }
    public func mappingSublayers(_ transform: (any Layer) -> any Layer) -> any Layer { self }
}

/// What kind of tensor a parameter is: compression treats weights, biases and normalisation
/// parameters differently (biases and norm parameters are never pruned).
public enum ParameterRole: String, Codable, Sendable {
    case weight, bias, normalization, buffer
}

/// A named parameter's shape, role and initialisation.
public struct ParameterSpec: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var role: ParameterRole
    public var initialization: Initialization

    /// How a parameter's initial values are drawn.
    public enum Initialization: Sendable, Equatable {
        /// Uniform in (-bound, bound): PyTorch's default for linear and convolution layers
        /// uses bound = 1 / sqrt(fan-in) for weights and biases.
        case uniform(bound: Float)
        case constant(Float)
    }
}

/// The state a forward pass reads and records: the tape, the parameters bound as variables,
/// the mode, and the randomness of dropout.
public struct ForwardContext {
    public let tape: Tape
    /// Training mode uses batch statistics in batch norm and applies dropout.
    public var isTraining: Bool
    var parameters: [String: Variable]
    var buffers: [String: Tensor]
    /// Batch statistics recorded by batch norm layers in training mode, by layer name.
    public internal(set) var batchStatistics: [String: BatchStatistics] = [:]
    /// Randomness for dropout.
    public var generator: SeededGenerator
    /// Threads one operation may split its work across (fully connected layers split their
    /// rows), for a pass that runs alone rather than beside other passes: the same values.
    public var operationThreads = 1
    /// Whether stride-1 3 x 3 convolutions with frozen weights may take Winograd's form
    /// (`Variable.conv2d`); false where products must round as the lowered form does (the
    /// int8 simulation, whose next layer rounds them to its grid).
    public var allowsWinograd = true

    /// The parameter `name` (`conv1.weight`) bound to the tape; it must be one of the model's.
    public func parameter(_ name: String) -> Variable {
        guard let variable = parameters[name] else { preconditionFailure("parameter \(name) not bound") }
        return variable
    }

    /// The buffer `name` (`bn1.running_mean`); it must be one of the model's.
    public func buffer(_ name: String) -> Tensor {
        guard let tensor = buffers[name] else { preconditionFailure("buffer \(name) missing") }
        return tensor
    }
}

/// An error in a model's structure or in data that does not fit it: one line naming the
/// file, layer or setting, and the problem.
public struct ModelError: LoupeError, Equatable {
    /// The whole line, which names the file, layer or setting itself.
    public var problem: String
    /// Whether the error is a size that overflows or exceeds the memory budget (as opposed
    /// to layers that do not fit together or the data).
    public var isSizeLimit: Bool

    public init(_ problem: String, isSizeLimit: Bool = false) {
        self.problem = problem
        self.isSizeLimit = isSizeLimit
    }

    public var source: String { "" }
}
