import Foundation
import LoupeTensor

/// The moment estimates and step counts of ``Adam`` and ``AdamW``, and the update they share.
struct AdamMoments: Sendable {
    /// One parameter's state, created on its first step.
    private struct ParameterState: Sendable {
        /// The number of updates applied to the parameter.
        var stepCount: Int
        /// The running average of gradients, PyTorch's `exp_avg`.
        var firstMoment: Tensor
        /// The running average of squared gradients, PyTorch's `exp_avg_sq`.
        var secondMoment: Tensor
    }

    private var states: [ParameterState?] = []

    private static let stepField = "step"
    private static let firstMomentField = "exp_avg"
    private static let secondMomentField = "exp_avg_sq"

    /// Applies one Adam update to every parameter.
    ///
    /// - Parameters:
    ///   - l2WeightDecay: Added to the gradient as `l2WeightDecay * p` (``Adam``).
    ///   - decoupledWeightDecay: Shrinks the parameter by `1 - lr * decoupledWeightDecay`
    ///     before the update (``AdamW``).
    mutating func step(
        parameters: inout [Tensor], gradients: [Tensor], learningRate: Float,
        beta1: Float, beta2: Float, epsilon: Float,
        l2WeightDecay: Float, decoupledWeightDecay: Float, excludedFromWeightDecay: Set<Int>
    ) {
        if states.count < parameters.count {
            states += repeatElement(nil, count: parameters.count - states.count)
        }
        // PyTorch computes these scalar factors in double precision.
        let firstMomentWeight = Float(1 - Double(beta1))
        let secondMomentWeight = Float(1 - Double(beta2))
        for position in parameters.indices {
            let isExcluded = excludedFromWeightDecay.contains(position)
            let l2Decay = isExcluded ? 0 : l2WeightDecay
            let shrink = isExcluded ? 1 : Float(1 - Double(learningRate) * Double(decoupledWeightDecay))
            let shape = parameters[position].shape
            // Moved out of the array so that its tensors are uniquely referenced and updated in place.
            var state =
                states[position].take()
                ?? ParameterState(
                    stepCount: 0, firstMoment: Tensor(zeros: shape), secondMoment: Tensor(zeros: shape))
            precondition(
                state.firstMoment.shape == shape,
                "Adam state \(position) has shape \(state.firstMoment.shape), parameter has \(shape)")
            state.stepCount += 1
            let biasCorrection1 = 1 - pow(Double(beta1), Double(state.stepCount))
            let biasCorrection2 = 1 - pow(Double(beta2), Double(state.stepCount))
            let stepSize = Float(Double(learningRate) / biasCorrection1)
            let biasCorrection2Root = Float(biasCorrection2.squareRoot())
            gradients[position].withUnsafeBufferPointer { gradient in
                parameters[position].withUnsafeMutableBufferPointer { parameter in
                    state.firstMoment.withUnsafeMutableBufferPointer { firstMoment in
                        state.secondMoment.withUnsafeMutableBufferPointer { secondMoment in
                            for i in parameter.indices {
                                parameter[i] *= shrink  // exact when shrink is 1
                                var g = gradient[i]
                                if l2Decay != 0 { g += l2Decay * parameter[i] }
                                firstMoment[i] = beta1 * firstMoment[i] + firstMomentWeight * g
                                secondMoment[i] = beta2 * secondMoment[i] + secondMomentWeight * g * g
                                let denominator = secondMoment[i].squareRoot() / biasCorrection2Root + epsilon
                                parameter[i] -= stepSize * (firstMoment[i] / denominator)
                            }
                        }
                    }
                }
            }
            states[position] = state
        }
    }

    /// The state as `state.<position>.{step,exp_avg,exp_avg_sq}` tensors.
    func stateTensors() -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for (position, state) in states.enumerated() {
            guard let state else { continue }
            tensors[OptimizerState.name(position: position, field: Self.stepField)] =
                OptimizerState.encodeStepCount(state.stepCount)
            tensors[OptimizerState.name(position: position, field: Self.firstMomentField)] =
                state.firstMoment
            tensors[OptimizerState.name(position: position, field: Self.secondMomentField)] =
                state.secondMoment
        }
        return tensors
    }

    /// Replaces the state with tensors produced by ``stateTensors()``, checked against the
    /// shapes of the parameters they belong to.
    mutating func restore(from stateTensors: [String: Tensor], parameterShapes: [[Int]]) throws(OptimizerStateError) {
        let positions = try OptimizerState.positions(
            stateTensors, fields: [Self.stepField, Self.firstMomentField, Self.secondMomentField],
            scalarFields: [Self.stepField], parameterShapes: parameterShapes)
        var restored: [ParameterState?] = []
        for (position, fields) in positions.enumerated() {
            let stepCount = try OptimizerState.decodeStepCount(
                OptimizerState.require(Self.stepField, in: fields, position: position),
                name: OptimizerState.name(position: position, field: Self.stepField))
            let firstMoment = try OptimizerState.require(
                Self.firstMomentField, in: fields, position: position)
            let secondMoment = try OptimizerState.require(
                Self.secondMomentField, in: fields, position: position)
            restored.append(ParameterState(stepCount: stepCount, firstMoment: firstMoment, secondMoment: secondMoment))
        }
        states = restored
    }
}
