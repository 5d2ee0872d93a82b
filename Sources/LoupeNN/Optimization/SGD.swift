import LoupeSupport
import LoupeTensor

/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight
/// decay, following `torch.optim.SGD` with `dampening=0`.
///
/// For each parameter `p` with gradient `g`, at learning rate `lr`:
///
///     g = g + weightDecay * p                  // unless p is excluded from weight decay
///     b = g on the first step, else momentum * b + g
///     d = nesterov ? g + momentum * b : b      // d = g when momentum is 0
///     p = p - lr * d
public struct SGD: Optimizer {
    /// The momentum factor; 0 disables momentum and its buffers.
    public var momentum: Float
    /// Whether to use Nesterov momentum.
    public var nesterov: Bool
    /// The L2 penalty factor added to the gradient as `weightDecay * p`.
    public var weightDecay: Float
    public var excludedFromWeightDecay: Set<Int>
    /// Threads that update a large parameter at once (element ranges; the result does not
    /// depend on the count).
    public var threads = 1

    /// The momentum buffer of each parameter position, `nil` until first stepped.
    private var momentumBuffers: [Tensor?] = []

    private static let momentumBufferField = "momentum_buffer"

    /// Creates an SGD optimizer.
    ///
    /// - Precondition: `momentum` and `weightDecay` are non-negative; `nesterov` needs a
    ///   positive `momentum`.
    public init(
        momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0,
        excludedFromWeightDecay: Set<Int> = []
    ) {
        precondition(momentum >= 0, "momentum must be non-negative, got \(momentum)")
        precondition(!nesterov || momentum > 0, "Nesterov momentum needs a positive momentum")
        precondition(weightDecay >= 0, "weight decay must be non-negative, got \(weightDecay)")
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.excludedFromWeightDecay = excludedFromWeightDecay
    }

    public mutating func step(parameters: inout [Tensor], gradients: [Tensor], learningRate: Float) {
        checkGradients(gradients, match: parameters)
        for position in parameters.indices {
            gradients[position].withUnsafeBufferPointer { gradient in
                update(&parameters, at: position, learningRate: learningRate, gradient: gradient)
            }
        }
    }

    /// With momentum and two parts (two shards), the parts are added inside the update pass:
    /// one pass over memory instead of a summing pass and an update pass, with the same
    /// arithmetic (`part0 + part1`, then the update) and so the same result.
    public mutating func step(
        parameters: inout [Tensor], gradientParts: inout [[Tensor]], learningRate: Float, threads: Int
    ) {
        guard gradientParts.count == 2, momentum != 0 else {
            let gradients = GradientParts.sum(&gradientParts, threads: threads)
            step(parameters: &parameters, gradients: gradients, learningRate: learningRate)
            return
        }
        checkGradients(gradientParts[0], match: parameters)
        checkGradients(gradientParts[1], match: parameters)
        for position in parameters.indices {
            gradientParts[0][position].withUnsafeBufferPointer { first in
                gradientParts[1][position].withUnsafeBufferPointer { second in
                    update(
                        &parameters, at: position, learningRate: learningRate,
                        gradient: SumOfTwo(first: first, second: second))
                }
            }
        }
        for part in gradientParts.indices {
            for position in gradientParts[part].indices {
                TensorStoragePool.shared.recycle(&gradientParts[part][position])
            }
        }
    }

    /// Updates the parameter at `position` with the gradient `gradient[i]` of each element,
    /// in one pass (the momentum buffer is updated from the old parameter value, then the
    /// parameter), on up to `threads` threads by element ranges. Generic, so that each kind
    /// of gradient gets its own vectorised loops.
    private mutating func update<Gradient: GradientElements>(
        _ parameters: inout [Tensor], at position: Int, learningRate: Float, gradient: Gradient
    ) {
        if momentumBuffers.count < parameters.count {
            momentumBuffers += repeatElement(nil, count: parameters.count - momentumBuffers.count)
        }
        let decay = excludedFromWeightDecay.contains(position) ? 0 : weightDecay
        if momentum == 0 {
            parameters[position].withUnsafeMutableBufferPointer { parameter in
                for i in parameter.indices {
                    var direction = gradient[i]
                    if decay != 0 { direction += decay * parameter[i] }
                    parameter[i] -= learningRate * direction
                }
            }
            return
        }
        // Moved out of the array so that it is uniquely referenced and updated in place.
        var buffer = momentumBuffers[position].take()
        let isFirstStep = buffer == nil
        if let existing = buffer {
            precondition(
                existing.shape == parameters[position].shape,
                "momentum buffer \(position) has shape \(existing.shape), parameter has \(parameters[position].shape)"
            )
        } else {
            buffer = Tensor(zeros: parameters[position].shape)
        }
        let (momentum, nesterov) = (momentum, nesterov)
        parameters[position].withUnsafeMutableBufferPointer { parameter in
            buffer!.withUnsafeMutableBufferPointer { buffer in
                // The branch is hoisted so each loop vectorises.
                let keep: Float = isFirstStep ? 0 : momentum
                let (parameter, buffer) = (parameter, buffer)
                Parallel.forEachRange(count: parameter.count, threads: threads) { range in
                    if nesterov {
                        for i in range {
                            let direction = gradient[i] + decay * parameter[i]
                            buffer[i] = keep * buffer[i] + direction
                            parameter[i] -= learningRate * (direction + momentum * buffer[i])
                        }
                    } else {
                        for i in range {
                            buffer[i] = keep * buffer[i] + (gradient[i] + decay * parameter[i])
                            parameter[i] -= learningRate * buffer[i]
                        }
                    }
                }
            }
        }
        momentumBuffers[position] = buffer
    }

    public func stateTensors() -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for (position, buffer) in momentumBuffers.enumerated() {
            guard let buffer else { continue }
            tensors[OptimizerState.name(position: position, field: Self.momentumBufferField)] = buffer
        }
        return tensors
    }

    public mutating func restore(
        from stateTensors: [String: Tensor], parameterShapes: [[Int]]
    ) throws(OptimizerStateError) {
        let positions = try OptimizerState.positions(
            stateTensors, fields: [Self.momentumBufferField], parameterShapes: parameterShapes)
        var buffers: [Tensor?] = []
        for (position, fields) in positions.enumerated() {
            buffers.append(try OptimizerState.require(Self.momentumBufferField, in: fields, position: position))
        }
        momentumBuffers = buffers
    }
}

/// The gradient of each element of a parameter, by index.
protocol GradientElements {
    subscript(_ index: Int) -> Float { get }
}

extension UnsafeBufferPointer<Float>: GradientElements {}

/// Two shards' gradients, added as they are read.
private struct SumOfTwo: GradientElements {
    let first: UnsafeBufferPointer<Float>
    let second: UnsafeBufferPointer<Float>

    subscript(_ index: Int) -> Float { first[index] + second[index] }
}
