import LoupeNN
import LoupeTensor

extension SparseInference {
    /// `model` with every weight tensor (parameter role `.weight`) magnitude-pruned on its own:
    /// of its `n` entries the `k = round(n * (1 - sparsity))` largest in absolute value are
    /// kept (ties go to the lower index) and the rest set to zero. Biases and normalisation
    /// parameters are untouched.
    public static func magnitudePruned(_ model: Model, sparsity: Double) -> Model {
        precondition((0...1).contains(sparsity), "sparsity must be in 0...1, got \(sparsity)")
        var pruned = model
        for (name, role) in model.parameterRoles where role == .weight {
            let weight = model.parameters[name]!
            let keep = Int((Double(weight.count) * (1 - sparsity)).rounded())
            let order = weight.scalars.indices.sorted { a, b in
                let (x, y) = (abs(weight.scalars[a]), abs(weight.scalars[b]))
                return x != y ? x > y : a < b
            }
            var scalars = [Float](repeating: 0, count: weight.count)
            for index in order.prefix(keep) { scalars[index] = weight.scalars[index] }
            pruned.parameters[name] = Tensor(shape: weight.shape, scalars: scalars)
        }
        return pruned
    }
}
