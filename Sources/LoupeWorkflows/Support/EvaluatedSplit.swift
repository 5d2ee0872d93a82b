/// Which split of the data a workflow looks at.
public enum EvaluatedSplit: String, CaseIterable, Sendable {
    case test, train
}
