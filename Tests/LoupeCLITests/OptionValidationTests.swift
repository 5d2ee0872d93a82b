import Foundation
import XCTest

/// Options and inputs are checked before a command creates its output folder (issue 12,
/// points 2 to 4): a bad option or an input that lies ends with one error line naming the
/// option or file, a non-zero exit without a signal, and no `--out` folder, not even an
/// empty one.
final class OptionValidationTests: CLITestCase {
    func outputExists(_ name: String = "out") -> Bool {
        FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent(name).path)
    }

    func assertRefusedBeforeOutput(
        _ arguments: [String], mentioning fragments: [String], environment: [String: String] = [:],
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let result = try loupe(arguments: arguments + ["--out", "out"], environment: environment)
        assertFailsCleanly(result, mentioning: fragments, file: file, line: line)
        XCTAssertFalse(outputExists(), "\(arguments): output folder created", file: file, line: line)
    }

    /// `--epochs 9223372036854775807` overflowed the step count inside training, after the
    /// output folder existed (train) or trapped (population, audit, difficulty).
    func testAnEpochCountWhoseStepsOverflowIsRefusedBeforeTheOutputFolder() throws {
        let epochs = "9223372036854775807"
        for command in [["train"], ["population"], ["audit"], ["difficulty"], ["benchmark", "invariance"]] {
            try assertRefusedBeforeOutput(
                command + ["--epochs", epochs], mentioning: ["epochs", epochs, "more steps than a count can hold"])
        }
    }

    /// `--out ""` made the current directory the run folder (every command wrote its files
    /// beside whatever was there); each command refuses it before reading anything.
    func testAnEmptyOutputFolderIsRefusedByEveryCommand() throws {
        let before = try FileManager.default.contentsOfDirectory(atPath: workDirectory.path)
        for command in [
            ["train"], ["population"], ["audit"], ["difficulty"],
            ["attribute", "--model-file", "m.safetensors", "--ids", "0"],
            ["benchmark", "invariance"], ["benchmark", "roar"], ["benchmark", "label-noise"],
        ] {
            let result = try loupe(arguments: command + ["--out", ""])
            assertFailsCleanly(result, mentioning: ["--out is empty"])
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workDirectory.path), before)
    }

    /// Pure option checks run in ArgumentParser's validate(), before any data is read.
    func testOptionsThatAreWrongOnTheirOwnAreRefusedBeforeAnything() throws {
        try assertRefusedBeforeOutput(["train", "--crop-padding=-1"], mentioning: ["--crop-padding", "-1"])
        try assertRefusedBeforeOutput(["train", "--hidden", ""], mentioning: ["--hidden", "''"])
        try assertRefusedBeforeOutput(
            ["train", "--model", "mlp", "--hidden", "4,,4"], mentioning: ["--hidden", "'4,,4'"])
        try assertRefusedBeforeOutput(["population", "--lr", "nan"], mentioning: ["--lr", "nan"])
        try assertRefusedBeforeOutput(["population", "--members", "0"], mentioning: ["--members", "0"])
        // A billion members asked for 80 GB (population) or took the machine's memory (audit).
        try assertRefusedBeforeOutput(
            ["population", "--members", "1000000000"], mentioning: ["--members must be between 1 and 10000"])
        try assertRefusedBeforeOutput(["audit", "--members", "100000000"], mentioning: ["--members", "100000000"])
        // A shift of 1e38 made the uncompensated mlp's outputs infinite, reported as equal.
        for shift in ["1e38", "-1001", "nan"] {
            try assertRefusedBeforeOutput(
                ["benchmark", "invariance", "--shift=\(shift)"], mentioning: ["--shift", "must be in [-1000, 1000]"])
        }
        // A blur of sigma 1e30 overflowed its radius; 1e9 asked for 48 GB.
        for sigma in ["1e30", "1e9", "0", "nan"] {
            try assertRefusedBeforeOutput(
                ["benchmark", "roar", "--methods", "random,blurred-random", "--blur-sigma", sigma],
                mentioning: ["--blur-sigma", "must be in (0, 100] pixels"])
        }
        try assertRefusedBeforeOutput(["audit", "--batch-size", "0"], mentioning: ["--batch-size", "0"])
        try assertRefusedBeforeOutput(
            ["difficulty", "--evaluate", "test"], mentioning: ["--evaluate test needs --checkpoints"])
        // A usage error (64) like the others, not a data error (1).
        for fraction in ["1.5", "nan", "0"] {
            let result = try loupe(arguments: ["train", "--test-fraction", fraction, "--out", "out"])
            assertFailsCleanly(result, mentioning: ["--test-fraction", fraction])
            XCTAssertEqual(result.status, 64, result.stderr)
        }
    }

    /// The training recipe's options are shared by every command that trains, and checked
    /// the same way in each.
    func testTheSharedTrainingOptionsAreCheckedByEveryCommandThatTrains() throws {
        for command in [["train"], ["population"], ["audit"], ["difficulty"], ["benchmark", "roar"]] {
            try assertRefusedBeforeOutput(command + ["--crop-padding=-1"], mentioning: ["--crop-padding", "-1"])
            try assertRefusedBeforeOutput(command + ["--momentum", "1.5"], mentioning: ["momentum", "1.5"])
            try assertRefusedBeforeOutput(command + ["--label-smoothing", "1"], mentioning: ["label smoothing", "1"])
            try assertRefusedBeforeOutput(command + ["--weight-decay", "nan"], mentioning: ["weight decay", "nan"])
        }
        try assertRefusedBeforeOutput(
            ["audit", "--crop-padding", "29"], mentioning: ["crop padding 29 is larger than the 28x28 images"])
    }

    /// A crop padding of 2^62 overflowed in the augmentation (a trap after the output folder
    /// was made); the padding is bounded by the image size.
    func testACropPaddingLargerThanTheImagesIsRefused() throws {
        try assertRefusedBeforeOutput(
            ["train", "--crop-padding", "4611686018427387904"],
            mentioning: ["crop padding 4611686018427387904", "28x28"])
    }

    /// 2^62 members per variant overflowed the member count (a trap).
    func testAMemberCountThatOverflowsIsRefused() throws {
        try assertRefusedBeforeOutput(
            ["population", "--members", "4611686018427387904"],
            mentioning: ["members", "4611686018427387904", "between 1 and 10000"])
    }

    /// difficulty keeps every epoch's training logits: their size is checked against the budget.
    func testDifficultyLogitsOverTheBudgetAreRefused() throws {
        try assertRefusedBeforeOutput(
            ["difficulty", "--epochs", "100000000"],
            mentioning: ["--epochs 100000000", "training logits", "over the memory budget of 4.0 GiB"])
    }

    /// Counts of work whose bookkeeping is sized up front are checked before anything is
    /// written: ROAR's planned retrains (2^62 aborted on a 43 GB allocation), confident
    /// learning's folds (2^62 never finished), difficulty's early epoch (refused only after
    /// the output folder existed) and a NaN label-noise fraction (silently ignored).
    func testWorkCountsAreCheckedBeforeTheOutputFolder() throws {
        _ = try write(Data((0..<20).map { "\($0 % 2),\($0),1,2,3\n" }.joined().utf8), to: "tiny.csv")
        let small = ["--data", "tiny.csv", "--model", "mlp", "--hidden", "4"]
        try assertRefusedBeforeOutput(
            ["benchmark", "roar"] + small + ["--retrains", "4611686018427387904"],
            mentioning: ["--retrains", "4611686018427387904", "overflows"])
        try assertRefusedBeforeOutput(
            ["benchmark", "roar"] + small + ["--retrains", "100000000"],
            mentioning: ["--retrains", "over the memory budget of 4.0 GiB"])
        try assertRefusedBeforeOutput(
            ["difficulty"] + small + ["--cl-folds", "4611686018427387904"],
            mentioning: ["--cl-folds 4611686018427387904", "16 training examples"])
        try assertRefusedBeforeOutput(
            ["difficulty"] + small + ["--early-epoch", "50"], mentioning: ["--early-epoch", "1...9"])
        try assertRefusedBeforeOutput(["train", "--label-noise", "nan"], mentioning: ["--label-noise", "nan"])
        // audit with only the dense variant trained the whole population first.
        try assertRefusedBeforeOutput(
            ["audit"] + small + ["--epochs", "1", "--members", "2", "--variants", "dense"],
            mentioning: ["--variants", "besides dense"])
    }

    /// Architecture files are read through InputFile: a FIFO or a file over the budget is
    /// refused by name, without blocking or reading it.
    func testArchitectureFilesThatAreNotRegularOrTooLargeAreRefused() throws {
        let fifo = workDirectory.appendingPathComponent("fifo.json")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        try assertRefusedBeforeOutput(
            ["train", "--model", "fifo.json"], mentioning: ["fifo.json", "not a regular file (a FIFO)"])
        _ = try write(Data(repeating: 0x20, count: 2 << 20), to: "large.json")
        _ = try write(Data((0..<20).map { "\($0 % 2),\($0),1,2,3\n" }.joined().utf8), to: "tiny.csv")
        try assertRefusedBeforeOutput(
            ["train", "--data", "tiny.csv", "--model", "large.json"],
            mentioning: ["large.json", "over the memory budget of 1.0 MiB"],
            environment: ["LOUPE_MEMORY_BUDGET": "1M"])
    }

    /// `"out": 1e30` was Foundation's "not valid JSON"; the field and the value are named.
    func testArchitectureSizesThatDoNotFitAnIntegerNameTheField() throws {
        _ = try write(
            Data(
                #"{"name": "x", "inputShape": [1, 28, 28], "layers": [{"type": "flatten"}, {"type": "linear", "out": 1e30}]}"#
                    .utf8), to: "out.json")
        try assertRefusedBeforeOutput(
            ["train", "--model", "out.json"],
            mentioning: ["out.json", "linear: out must be a whole number", "layers.1.out"])
        _ = try write(
            Data(#"{"name": "x", "inputShape": [1, 28.5, 28], "layers": []}"#.utf8), to: "shape.json")
        try assertRefusedBeforeOutput(
            ["train", "--model", "shape.json"], mentioning: ["shape.json", "inputShape[1]", "28.5"])
    }

    /// ArgumentParser's own messages quote arguments as given: they are escaped.
    func testUsageErrorsEscapeTheArguments() throws {
        let result = try loupe("train", "--bo\u{1b}[31mgus\nError: fake", "--out", "out")
        assertFailsCleanly(result, mentioning: [#"--bo\x1b[31mgus\nError: fake"#])
        XCTAssertEqual(result.status, 64)
        XCTAssertFalse(result.stderr.contains("\u{1b}"))
        XCTAssertTrue(result.stderr.contains("Usage: loupe train"), result.stderr)
        let invalid = try loupe("train", "--optimizer", "sg\u{7}d", "--out", "out")
        assertFailsCleanly(invalid, mentioning: [#"'sg\x07d'"#, "--optimizer"])
        XCTAssertFalse(outputExists())
        let help = try loupe("train", "--help")
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("OVERVIEW: Train a classifier"), help.stdout)
    }
}
