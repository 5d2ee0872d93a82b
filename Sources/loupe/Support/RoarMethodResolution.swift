import LoupeAttribution

/// The attribution method named `name` on the command line.
///
/// - Throws: `AttributionError` for a name it does not know.
func resolveAttributionMethod(_ name: String) throws -> any AttributionMethod {
    switch name {
    case "gradient": return Gradient()
    default: throw AttributionError(source: "--methods", problem: "unknown method '\(name)' (known: gradient)")
    }
}
