import ArgumentParser

/// Checks `--out` before anything runs: an empty path would make the current directory the
/// run folder, mixing the run's files with whatever is there.
func validateOutputFolder(_ out: String) throws {
    guard !out.isEmpty else { throw ValidationError("--out is empty; name the output folder") }
}
