/// One attribute condition defining a subgroup, for example `sex=F`.
public struct SubgroupCondition: Sendable, Equatable, CustomStringConvertible {
    /// The attribute column.
    public var column: String
    /// The required value.
    public var value: String

    public init(column: String, value: String) {
        self.column = column
        self.value = value
    }

    /// `column=value`.
    public var description: String { "\(column)=\(value)" }
}
