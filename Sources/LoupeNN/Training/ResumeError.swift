import LoupeSupport

/// A saved training state that does not fit the run it is to resume: a position that is not
/// the end of an epoch of the run, or optimizer state that does not fit the model.
public enum ResumeError: LoupeError, Equatable {
    /// A field of the state (`epoch`, `step`, `optimizer state`) does not fit this run.
    case field(name: String, problem: String)
    /// The optimizer state does not fit the model's parameters.
    case optimizerState(OptimizerStateError)

    public var source: String {
        switch self {
        case .field: ""
        case .optimizerState(let error): error.source
        }
    }

    public var problem: String {
        switch self {
        case .field(let name, let problem): "\(name) \(problem)"
        case .optimizerState(let error): error.problem
        }
    }
}
