/// The version of Loupe recorded in every manifest a workflow writes.
public enum ToolVersion {
    /// `loupe --version` prints it; `loupe verify --rerun` refuses a run recorded by another.
    public static let current = "0.1.0"
}
