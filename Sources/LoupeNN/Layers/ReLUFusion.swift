import LoupeTensor

/// A layer that can run together with a ReLU after it as one operation, with the same values
/// and gradients as the two layers one after the other. `Sequential` decides when it does.
package protocol ReLUFusible: Layer {
    /// The layer followed by ReLU.
    func rectified(_ input: Variable, _ context: inout ForwardContext) -> Variable
}

/// A layer that can run together with a ReLU and a 2 x 2, stride-2 max pooling after it as
/// one operation, with the same values and gradients as the three layers one after the
/// other. `Sequential` decides when it does.
package protocol ReLUMaxPoolFusible: Layer {
    /// The layer followed by ReLU and 2 x 2 max pooling.
    func rectifiedMaxPooled2x2(_ input: Variable, _ context: inout ForwardContext) -> Variable
}
