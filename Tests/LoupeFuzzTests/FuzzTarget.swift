import Foundation

/// One input format and the library entry point the CLI reads it with.
struct FuzzTarget {
    /// A valid input: the files of one case, one of which is mutated.
    struct Seed {
        /// Files written unchanged beside the mutated one, by path relative to the case folder.
        var fixed: [String: [UInt8]] = [:]
        /// The path of the mutated file, relative to the case folder.
        var path: String
        /// What is mutated: the file's bytes, or what `wrap` puts in a container (a gzip
        /// payload, a zip member, a safetensors header, a checkpoint's architecture JSON).
        var bytes: [UInt8]
        /// Makes the file from (mutated) `bytes`, so a mutation inside a container reaches the
        /// parser behind the container's checksums and lengths. Identity by default.
        var wrap: @Sendable ([UInt8]) -> [UInt8] = { $0 }

        /// The file without mutation.
        var file: [UInt8] { wrap(bytes) }
    }

    /// The format's name in reports and in `LOUPE_FUZZ_FORMATS`.
    var name: String
    /// Valid inputs, made by Loupe's own writers.
    var seeds: [Seed]
    /// How the seeds' bytes are mutated.
    var style: Mutator.Style
    /// Reads the case through the entry point the CLI uses; `file` is the mutated file and
    /// `folder` the case folder holding it and the fixed files.
    var read: (_ folder: URL, _ file: URL) throws -> Void

    /// The mutated file of one case: a seed and a second seed to splice from, chosen by
    /// `random`, mutated and wrapped.
    func mutatedCase(random: inout FuzzRandom) -> (seed: Seed, file: [UInt8]) {
        let seed = random.pick(seeds)
        let other = random.pick(seeds).bytes
        return (seed, seed.wrap(Mutator.mutate(seed.bytes, other: other, style: style, random: &random)))
    }
}
