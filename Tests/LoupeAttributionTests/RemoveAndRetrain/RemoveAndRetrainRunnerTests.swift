import Foundation
import LoupeData
import LoupeNN
import LoupeSupport
import XCTest

@testable import LoupeAttribution

final class RemoveAndRetrainRunnerTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("roar-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func spec(
        methods: [String], percents: [Double] = [10, 50], retrains: Int = 2, epochs: Int = 4, trainCount: Int = 300,
        testCount: Int = 200
    ) -> RemoveAndRetrainSpec {
        var training = TrainingConfiguration()
        training.epochs = epochs
        training.batchSize = 16
        training.learningRate = 0.1
        return RemoveAndRetrainSpec(
            data: "signal", trainCount: trainCount, testCount: testCount,
            architecture: RemoveAndRetrainFixtures.tinyMLP, training: training, seed: 7, methods: methods,
            percents: percents, modes: [.roar, .kar], retrains: retrains)
    }

    func data(train: Int = 300, test: Int = 200) throws -> (Dataset, Dataset) {
        // Test ids overlap the training ids, as Fashion-MNIST's do.
        (
            try RemoveAndRetrainFixtures.signalInOneElement(count: train, seed: 1),
            try RemoveAndRetrainFixtures.signalInOneElement(count: test, seed: 2, firstID: 100)
        )
    }

    func accuracy(_ result: RemoveAndRetrainResult, _ method: String, _ percent: Double, _ mode: RetrainMode)
        -> Double
    {
        result.cells.first { $0.method == method && $0.percent == percent && $0.mode == mode }!.meanAccuracy
    }

    /// On data whose only signal is one element, the perfect explanation behaves as ROAR and
    /// KAR say it must: removing its top element leaves chance accuracy, keeping only its top
    /// elements keeps nearly all; the random control at 10% rarely removes that element.
    func testEndToEndOnDataWithAKnownAnswer() throws {
        let (train, test) = try data()
        let runner = try RemoveAndRetrainRunner(
            spec: spec(methods: ["oracle", "random", "blurred-random"], retrains: 1), directory: directory)
        let result = try runner.run(
            train: train, test: test,
            methods: [OracleAttribution(), RandomRankingControl(), BlurredRandomRankingControl()], threads: 2)
        XCTAssertGreaterThan(result.base.accuracy, 0.95, "the base model learns the signal")
        XCTAssertEqual(result.cells.count, 3 * 2 * 2)
        XCTAssertEqual(result.records.count, 12)
        XCTAssertEqual(result.trainedRetrains, 12)
        XCTAssertEqual(result.trainingImages, 12 * 300 * 4)
        XCTAssertLessThan(accuracy(result, "oracle", 10, .roar), 0.65, "signal removed from train and test")
        XCTAssertGreaterThan(accuracy(result, "oracle", 10, .kar), 0.95, "signal kept")
        XCTAssertGreaterThan(accuracy(result, "random", 10, .roar), 0.8, "90% of images keep the signal")
        let ranking = EstimatorRanking(summaries: result.cells).rows
        XCTAssertEqual(ranking.first?.method, "oracle")
        XCTAssertEqual(ranking.first?.roarBeatsRandom, true)
        XCTAssertEqual(ranking.first?.karBeatsRandom, true)
        // Every file is where the layout says.
        for path in [
            "roar.json", "base/model.safetensors", "base/base.json", "maps/oracle/train.npy", "maps/oracle/test.npy",
            "maps/blurred-random/maps.json", "cells/oracle/roar-10/retrain-000.json",
            "cells/blurred-random/kar-50/retrain-000.json",
        ] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent(path).path), path)
        }
        let maps = try NPYFile.read(directory.appendingPathComponent("maps/oracle/test.npy"))
        XCTAssertEqual(maps.shape, [200, 1, 4, 4])
    }

    /// A run interrupted after some retrains (their records missing, one torn, one map cache
    /// gone) resumes to exactly the results of an uninterrupted run, reusing what was done;
    /// and the results do not depend on the thread count.
    func testResumeAndThreadCountGiveIdenticalResults() throws {
        let (train, test) = try data(train: 120, test: 60)
        let spec = spec(methods: ["gradient", "random"], retrains: 2, epochs: 1, trainCount: 120, testCount: 60)
        let methods: [any AttributionMethod] = [Gradient(), RandomRankingControl()]
        let clean = try RemoveAndRetrainRunner(spec: spec, directory: directory)
            .run(train: train, test: test, methods: methods, threads: 2)

        let resumedDirectory = directory.appendingPathComponent("resumed")
        try FileManager.default.createDirectory(at: resumedDirectory, withIntermediateDirectories: true)
        for item in ["roar.json", "base", "maps", "cells"] {
            try FileManager.default.copyItem(
                at: directory.appendingPathComponent(item), to: resumedDirectory.appendingPathComponent(item))
        }
        let cells = resumedDirectory.appendingPathComponent("cells")
        try FileManager.default.removeItem(at: cells.appendingPathComponent("gradient/roar-50/retrain-001.json"))
        try FileManager.default.removeItem(at: cells.appendingPathComponent("random/kar-10"))
        try Data("{\"method\":".utf8).write(to: cells.appendingPathComponent("gradient/kar-10/retrain-000.json"))
        try FileManager.default.removeItem(at: resumedDirectory.appendingPathComponent("maps/random/maps.json"))
        // A record counting more correct answers than test images reported an accuracy above 1.
        let edited = cells.appendingPathComponent("gradient/roar-10/retrain-000.json")
        let text = try String(contentsOf: edited, encoding: .utf8)
        let range = try XCTUnwrap(text.range(of: #""correct"\s*:\s*[0-9]+"#, options: .regularExpression))
        try Data(text.replacingCharacters(in: range, with: #""correct" : 1000"#).utf8).write(to: edited)
        let resumed = try RemoveAndRetrainRunner(spec: spec, directory: resumedDirectory)
            .run(train: train, test: test, methods: methods, threads: 1)
        XCTAssertEqual(resumed.cells, clean.cells)
        var cleanBase = clean.base
        cleanBase.seconds = 0  // a record read back has no timing: that is in the run manifest
        XCTAssertEqual(resumed.base, cleanBase)
        XCTAssertEqual(resumed.records.map(\.correct), clean.records.map(\.correct))
        // random's maps were recomputed identically, so its ROAR records stayed valid.
        XCTAssertEqual(resumed.trainedRetrains, 1 + 2 + 1 + 1)
        XCTAssertEqual(resumed.reusedRetrains, 16 - 5)

        let single = directory.appendingPathComponent("single")
        let oneThread = try RemoveAndRetrainRunner(spec: spec, directory: single)
            .run(train: train, test: test, methods: methods, threads: 1)
        XCTAssertEqual(oneThread.cells, clean.cells)
        XCTAssertEqual(
            try Data(contentsOf: single.appendingPathComponent("maps/gradient/train.npy")),
            try Data(contentsOf: directory.appendingPathComponent("maps/gradient/train.npy")))
    }

    /// Cached maps holding NaN (their hash in maps.json updated to match) were used; freshly
    /// computed ones are refused, and so are cached ones now.
    func testCachedMapsThatAreNotFiniteAreRefused() throws {
        let cache = AttributionMapCache(root: directory, method: "gradient")
        try FileManager.default.createDirectory(at: cache.directory, withIntermediateDirectories: true)
        try NPYFile.write([0.5, .nan, 1, 2], shape: [1, 1, 2, 2], to: cache.url(.test))
        XCTAssertThrowsError(try cache.load(.test, shape: [1, 1, 2, 2])) {
            XCTAssertTrue("\($0)".contains("test.npy: non-finite attribution nan at value 1"), "\($0)")
        }
        try NPYFile.write([0.5, 3, 1, 2], shape: [1, 1, 2, 2], to: cache.url(.test))
        XCTAssertEqual(try cache.load(.test, shape: [1, 1, 2, 2]), [0.5, 3, 1, 2])
    }

    /// A changed map file is detected by its hash and recomputed; a directory holding another
    /// benchmark is refused.
    func testChangedFilesAreRecomputedAndOtherBenchmarksRefused() throws {
        let (train, test) = try data(train: 60, test: 40)
        let small = spec(methods: ["random"], percents: [50], retrains: 1, epochs: 1, trainCount: 60, testCount: 40)
        let first = try RemoveAndRetrainRunner(spec: small, directory: directory)
            .run(train: train, test: test, methods: [RandomRankingControl()], threads: 1)
        let mapURL = directory.appendingPathComponent("maps/random/test.npy")
        var bytes = try Data(contentsOf: mapURL)
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: mapURL)
        let second = try RemoveAndRetrainRunner(spec: small, directory: directory)
            .run(train: train, test: test, methods: [RandomRankingControl()], threads: 1)
        XCTAssertEqual(second.cells, first.cells)
        XCTAssertEqual(second.reusedRetrains, 2, "maps rebuilt byte for byte, so the retrains still match")
        XCTAssertNotEqual(try Data(contentsOf: mapURL), bytes)

        var other = small
        other.seed = 8
        XCTAssertThrowsError(try RemoveAndRetrainRunner(spec: other, directory: directory)) { error in
            XCTAssertTrue("\(error)".contains("roar.json"), "\(error)")
        }
        var more = small
        more.percents = [30, 50]
        XCTAssertNoThrow(try RemoveAndRetrainRunner(spec: more, directory: directory), "fractions may be added")
    }

    func testValidationNamesTheOption() {
        func problem(_ change: (inout RemoveAndRetrainSpec) -> Void) -> String {
            var spec = self.spec(methods: ["random"])
            change(&spec)
            do {
                try spec.validate()
                return "valid"
            } catch { return error.description }
        }
        XCTAssertEqual(problem { _ in }, "valid")
        XCTAssertEqual(problem { $0.percents = [0, 50] }, "--fractions: fraction 0 is outside (0, 100) percent")
        XCTAssertEqual(problem { $0.percents = [100] }, "--fractions: fraction 100 is outside (0, 100) percent")
        XCTAssertEqual(problem { $0.percents = [12.5, -3] }, "--fractions: fraction -3 is outside (0, 100) percent")
        XCTAssertEqual(problem { $0.retrains = 0 }, "--retrains: must be at least 1, got 0")
        XCTAssertEqual(problem { $0.methods = ["random", "random"] }, "--methods: method 'random' is listed twice")
        XCTAssertEqual(problem { $0.modes = [] }, "--modes: no mode given")
        XCTAssertThrowsError(try RetrainMode(parsing: "remove")) { error in
            XCTAssertEqual("\(error)", "--modes: unknown mode 'remove' (roar, kar)")
        }
        XCTAssertEqual(try RetrainMode(parsing: "KAR"), .kar)
    }
}
