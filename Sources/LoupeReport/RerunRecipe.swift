import LoupeSupport

/// What `loupe verify --rerun` needs to run a recorded command again into another folder.
public struct RerunRecipe: Codable, Equatable, Sendable {
    /// The placeholder in ``arguments`` for the output folder.
    public static let outputPlaceholder = "{out}"

    /// The arguments after the program name, with the output folder replaced by
    /// ``outputPlaceholder`` and the thread count stated even when it was the default.
    public var arguments: [String]
    /// The directory the command ran in, against which relative input paths resolve.
    public var workingDirectory: String

    public init(arguments: [String], workingDirectory: String) {
        self.arguments = arguments
        self.workingDirectory = workingDirectory
    }

    /// The recipe of a command run with `commandLine` (program name first) and `threads`
    /// threads: `--out` (or `--out=`) and its value become `--out {out}`, appended if the
    /// default was used, and `--threads N` is appended if absent. The sharding options
    /// (`--shard`, `--shards`, `--collect`) are dropped: a run its shard tasks made is re-run on
    /// one machine by the same command without them, to the same outputs.
    public init(commandLine: [String], threads: Int?, workingDirectory: String) {
        var arguments: [String] = []
        var sawOutput = false
        var sawThreads = false
        var index = 1
        while index < commandLine.count {
            let argument = commandLine[index]
            if argument == "--out", index + 1 < commandLine.count {
                arguments += ["--out", Self.outputPlaceholder]
                sawOutput = true
                index += 2
                continue
            }
            if argument == "--shard" || argument == "--shards" {
                index += 2
                continue
            }
            if argument == "--collect" || argument.hasPrefix("--shard=") || argument.hasPrefix("--shards=") {
                index += 1
                continue
            }
            if argument.hasPrefix("--out=") {
                arguments += ["--out", Self.outputPlaceholder]
                sawOutput = true
            } else {
                if argument == "--threads" || argument.hasPrefix("--threads=") { sawThreads = true }
                arguments.append(argument)
            }
            index += 1
        }
        if !sawOutput { arguments += ["--out", Self.outputPlaceholder] }
        if !sawThreads, let threads { arguments += ["--threads", String(threads)] }
        self.init(arguments: arguments, workingDirectory: workingDirectory)
    }

    /// The commands whose runs `verify --rerun` repeats: those that write a run folder.
    public static let repeatableCommands: Set<String> = [
        "train", "population", "audit", "difficulty", "attribute", "benchmark",
    ]

    /// Why this recipe cannot be run again as the repetition of a run recorded with
    /// `commandLine` and `threads`, or nil. A manifest's seal is only a hash, which anyone
    /// can recompute, so the recipe is not trusted: it must be the one the command line
    /// gives, of a command that writes a run folder, writing only to the folder the check
    /// chooses (an edited recipe ran `verify --rerun` on itself without end, started a
    /// review server that never returned, or wrote into another folder).
    public func problem(commandLine: [String], threads: Int) -> String? {
        guard let command = arguments.first, Self.repeatableCommands.contains(command) else {
            return "runs \(EscapedText.quoted(arguments.first ?? "")), not a command that writes a run folder"
        }
        let derived = RerunRecipe(commandLine: commandLine, threads: threads, workingDirectory: workingDirectory)
        guard derived.arguments == arguments else { return "does not match the recorded command line" }
        guard arguments.filter({ $0 == "--out" }).count == 1,
            arguments.filter({ $0 == Self.outputPlaceholder }).count == 1,
            !arguments.contains(where: { $0.hasPrefix("--out=") })
        else { return "must write to one output folder, the one the rerun chooses" }
        return nil
    }

    /// The arguments with the output folder filled in.
    public func arguments(output: String) -> [String] {
        arguments.map { $0 == Self.outputPlaceholder ? output : $0 }
    }
}
