import LoupeSupport

/// The memory an architecture needs to train, added up layer by layer with checked
/// arithmetic while the architecture is built, and checked against the memory budget before
/// any tensor is allocated.
///
/// An inference pass keeps the output of every layer until it ends, so the outputs of all
/// layers for one image must fit the budget too.
///
/// Training keeps ``copiesPerParameter`` copies of every parameter (the weights, their
/// gradients, up to two optimizer moments, and the packed forms the products use), each of
/// 4 bytes, and holds at least the largest activation of one image. An architecture whose
/// parameter count or activation size overflows `Int`, or whose training memory exceeds the
/// budget (4 GiB unless `LOUPE_MEMORY_BUDGET` says otherwise, see `MemoryBudget`), is
/// refused with an error naming the layer.
struct ArchitectureFootprint {
    /// Copies of each parameter training keeps: weights, gradients, two optimizer moments
    /// (Adam; SGD keeps one momentum buffer) and packed forms.
    static let copiesPerParameter = 5
    /// Bytes of a stored scalar (`Float`).
    static let bytesPerScalar = 4

    /// The budget the footprint is checked against.
    let budget: MemoryBudget
    /// Parameters and buffers so far.
    private(set) var parameterCount = 0
    /// Scalars of the largest activation of one image so far (the input counts).
    private(set) var largestActivation = 0
    /// Scalars of all activations of one image so far (the input counts): what a forward
    /// pass records on a tape per image. Checked like the largest.
    private(set) var totalActivation = 0

    init(budget: MemoryBudget = .current) { self.budget = budget }

    /// Bytes that training with the layers added so far needs.
    var trainingBytes: Int? {
        guard
            let parameters = CheckedSize.product([parameterCount, Self.copiesPerParameter, Self.bytesPerScalar]),
            let activation = CheckedSize.product(largestActivation, Self.bytesPerScalar)
        else { return nil }
        return CheckedSize.sum([parameters, activation])
    }

    /// Records the input of the network, of `shape` without the batch dimension.
    mutating func addInput(_ shape: [Int]) throws(ModelError) {
        try addActivation(shape, of: "input")
    }

    /// Records a built layer with no sub-layers: its parameters and buffers, and its output
    /// of `output` shape, then checks the total against the budget.
    mutating func add(_ layer: any Layer, label: String, output: [Int]) throws(ModelError) {
        for spec in layer.parameterSpecs + layer.bufferSpecs {
            guard let count = CheckedSize.product(spec.shape),
                let total = CheckedSize.sum([parameterCount, count])
            else {
                throw ModelError(
                    "\(label): \(spec.name) of shape \(spec.shape) has more elements than a size can hold",
                    isSizeLimit: true)
            }
            parameterCount = total
        }
        try addActivation(output, of: label)
    }

    private mutating func addActivation(_ shape: [Int], of label: String) throws(ModelError) {
        guard let count = CheckedSize.product(shape) else {
            throw ModelError("\(label): shape \(shape) has more elements than a size can hold", isSizeLimit: true)
        }
        largestActivation = max(largestActivation, count)
        guard let total = CheckedSize.sum([totalActivation, count]) else {
            throw ModelError("\(label): the activations of one image overflow a size", isSizeLimit: true)
        }
        totalActivation = total
        guard let bytes = trainingBytes else {
            throw ModelError(
                "\(label): \(parameterCount) parameters and an activation of \(largestActivation) values per image overflow a size",
                isSizeLimit: true)
        }
        do {
            try budget.check(
                CheckedSize.product(totalActivation, Self.bytesPerScalar) ?? .max,
                for: "\(label): the outputs of every layer for one image (\(totalActivation) values)")
            try budget.check(
                bytes,
                for:
                    "\(label): training \(parameterCount) parameters (\(Self.copiesPerParameter) copies of \(Self.bytesPerScalar) bytes each) and activations of \(largestActivation) values per image"
            )
        } catch {
            throw ModelError("\(error)", isSizeLimit: true)
        }
    }
}
