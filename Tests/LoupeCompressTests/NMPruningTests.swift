import Foundation
import LoupeData
import LoupeNN
import LoupeRandom
import LoupeTensor
import XCTest

@testable import LoupeCompress

/// N:M semi-structured pruning: the masks (`NMPruner`), the policy around them, gradual and
/// one-shot pruning with them, and the population variants that use them.
final class NMPruningTests: XCTestCase {
    /// The naive reference: weight `i` of a row's group is kept when fewer than `n` weights of
    /// its group beat it (a larger magnitude, or an equal one at a lower index).
    func referenceMask(_ values: [Float], rows: Int, rowLength: Int, n: Int, m: Int) -> [Float] {
        var mask = [Float](repeating: 0, count: values.count)
        for row in 0..<rows {
            var start = 0
            while start < rowLength {
                let end = min(start + m, rowLength)
                for i in start..<end {
                    var beaten = 0
                    for j in start..<end where j != i {
                        let (a, b) = (abs(values[row * rowLength + j]), abs(values[row * rowLength + i]))
                        if a > b || (a == b && j < i) { beaten += 1 }
                    }
                    if beaten < n { mask[row * rowLength + i] = 1 }
                }
                start = end
            }
        }
        return mask
    }

    /// Random weights; with `ties`, drawn from five levels so that equal magnitudes are common.
    func randomValues(_ count: Int, ties: Bool, generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in
            ties ? Float(generator.nextInt(below: 5)) - 2 : generator.nextNormal()
        }
    }

    func testMaskMatchesNaiveReferenceOnRandomTensors() throws {
        var generator = SeededGenerator(seed: 42)
        let shapes: [[Int]] = [[5, 12], [7, 10], [3, 2, 3, 3], [4, 3, 5, 5], [2, 64], [9]]
        let patterns = [(2, 4), (1, 4), (3, 8), (1, 2), (5, 32), (7, 8), (2, 3)]
        for shape in shapes {
            for (n, m) in patterns {
                for ties in [false, true] {
                    let values = randomValues(shape.reduce(1, *), ties: ties, generator: &generator)
                    let pattern = try NMPattern(n: n, m: m)
                    let mask = NMPruner.mask(of: values, shape: shape, pattern: pattern, sparsity: pattern.sparsity)
                    let rows = shape.count >= 2 ? shape[0] : 1
                    let rowLength = values.count / rows
                    let context = "shape \(shape) \(n):\(m) ties \(ties)"
                    XCTAssertEqual(mask, referenceMask(values, rows: rows, rowLength: rowLength, n: n, m: m), context)
                    // Invariants: min(n, length) kept per group, every kept magnitude >= every removed one.
                    for row in 0..<rows {
                        for start in stride(from: 0, to: rowLength, by: m) {
                            let group = (row * rowLength + start)..<(row * rowLength + min(start + m, rowLength))
                            let kept = group.filter { mask[$0] == 1 }
                            let removed = group.filter { mask[$0] == 0 }
                            XCTAssertEqual(kept.count, min(n, group.count), context)
                            if let smallest = kept.map({ abs(values[$0]) }).min(),
                                let largest = removed.map({ abs(values[$0]) }).max()
                            {
                                XCTAssertGreaterThanOrEqual(smallest, largest, context)
                            }
                        }
                    }
                    XCTAssertEqual(
                        mask.filter { $0 == 0 }.count, pattern.removableCount(shape: shape), context)
                }
            }
        }
    }

    /// Hand-computed: groups run along `in` for a linear weight; ties keep the lower index; the
    /// trailing group keeps min(n, its length).
    func testLinearLayoutTiesAndTrailingGroup() throws {
        let values: [Float] = [
            1, -5, 3, 0.5, 2, -7,  // group [1, -5, 3, 0.5] keeps -5 and 3; trailing [2, -7] keeps both
            2, -2, 2, 2, 1, 1,  // all equal: indices 0 and 1 kept; trailing keeps both
        ]
        let twoOfFour = try NMPattern(n: 2, m: 4)
        XCTAssertEqual(
            NMPruner.mask(of: values, shape: [2, 6], pattern: twoOfFour, sparsity: twoOfFour.sparsity),
            [0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1])
        let oneOfFour = try NMPattern(n: 1, m: 4)
        XCTAssertEqual(
            NMPruner.mask(of: values, shape: [2, 6], pattern: oneOfFour, sparsity: oneOfFour.sparsity),
            [0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0])
        XCTAssertEqual(twoOfFour.removableCount(shape: [2, 6]), 4)
        XCTAssertEqual(oneOfFour.removableCount(shape: [2, 6]), 8)
        XCTAssertEqual(try NMPattern(n: 3, m: 4).removableCount(shape: [1, 6]), 1, "trailing 2 keep min(3, 2)")
    }

    /// A convolution weight [out, inC, kH, kW] is grouped along each filter's flattened
    /// inC * kH * kW weights, not along a spatial axis and never across filters.
    func testConvolutionLayoutGroupsAlongFlattenedInputPerFilter() throws {
        // [2, 2, 2, 2]: each filter has 8 weights, two groups of 4: channel 0's 2 x 2, channel 1's.
        let values: [Float] = [
            9, 8, 1, 2, 7, 0.1, 0.2, 6,  // filter 0
            0.1, 0.2, 0.3, 0.4, 5, 5, 5, 5,  // filter 1: small first group still keeps 2
        ]
        let pattern = try NMPattern(n: 2, m: 4)
        let mask = NMPruner.mask(of: values, shape: [2, 2, 2, 2], pattern: pattern, sparsity: pattern.sparsity)
        XCTAssertEqual(mask, [1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 1, 0, 0])
        // [2, 3, 1, 3]: 9 weights per filter; groups of 4 cross channel boundaries, trailing 1.
        let odd: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1]
        XCTAssertEqual(
            NMPruner.mask(of: odd, shape: [2, 3, 1, 3], pattern: pattern, sparsity: pattern.sparsity),
            [0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1])
    }

    func tinyModel(_ architecture: String = "mlp", hidden: [Int] = [8, 16], seed: UInt64 = 1) throws -> Model {
        let shape = architecture == "mlp" ? [1, 4, 4] : [1, 8, 8]
        return try Model(
            architecture: .builtin(architecture, inputShape: shape, classes: 3, hiddenWidths: hidden)!, seed: seed)
    }

    /// The first weight stays dense by default (as `prune:S`), `all` prunes it too; the last
    /// layer's 80% cap does not apply to a pattern; biases are never pruned; each pruned
    /// tensor whose rows are multiples of M ends at exactly 1 - N/M.
    func testPolicyFirstLayerDenseNoLastLayerCapBiasesUntouched() throws {
        var model = try tinyModel()  // fc1 [8, 16], fc2 [16, 8], fc3 [3, 16]
        var generator = SeededGenerator(seed: 0)
        let pattern = try NMPattern(n: 1, m: 8)
        let masks = try MagnitudePruner.masks(
            for: model, sparsity: pattern.sparsity, policy: PruningPolicy(pattern: pattern), generator: &generator)
        XCTAssertEqual(Set(masks.masks.keys), ["fc2.weight", "fc3.weight"], "the first layer stays dense")
        let biases = model.parameters.filter { $0.key.hasSuffix("bias") }
        let first = model.parameters["fc1.weight"]
        masks.apply(to: &model)
        XCTAssertEqual(model.parameters.filter { $0.key.hasSuffix("bias") }, biases)
        XCTAssertEqual(model.parameters["fc1.weight"], first)
        for row in model.weightSparsityPerTensor where row.name != "fc1.weight" {
            XCTAssertEqual(Double(row.zeros) / Double(row.weights), 0.875, "\(row.name): 1 - 1/8, not capped at 0.8")
        }
        let all = try MagnitudePruner.masks(
            for: model, sparsity: pattern.sparsity, policy: PruningPolicy(keepFirstLayerDense: false, pattern: pattern),
            generator: &generator)
        XCTAssertEqual(Set(all.masks.keys), ["fc1.weight", "fc2.weight", "fc3.weight"])
    }

    /// Model-level masks of a convolutional network equal the reference, filter by filter.
    func testConvolutionalModelMasksMatchReference() throws {
        let model = try tinyModel("cnn", hidden: [16])
        var generator = SeededGenerator(seed: 0)
        let pattern = try NMPattern(n: 2, m: 4)
        let policy = PruningPolicy(pattern: pattern)
        let masks = try MagnitudePruner.masks(
            for: model, sparsity: pattern.sparsity, policy: policy, generator: &generator)
        let names = policy.prunableNames(in: model)
        XCTAssertEqual(Set(masks.masks.keys), Set(names))
        XCTAssertFalse(names.contains(model.parameterNames[0]), "the first convolution stays dense")
        XCTAssertTrue(names.contains { model.parameters[$0]!.shape.count == 4 }, "a convolution is pruned")
        for name in names {
            let tensor = model.parameters[name]!
            let rows = tensor.shape[0]
            XCTAssertEqual(
                masks.masks[name]!.scalars,
                referenceMask(tensor.scalars, rows: rows, rowLength: tensor.count / rows, n: 2, m: 4), name)
            XCTAssertEqual(masks.masks[name]!.shape, tensor.shape)
            XCTAssertEqual(Int(masks.masks[name]!.sum), tensor.count / 2, "\(name): rows are multiples of 4")
        }
    }

    /// Below the pattern's sparsity: the tensor-wide count of the unstructured schedule, taken
    /// only from weights outside each group's n largest, smallest first.
    func testPartialSparsityRemovesSmallestRemovableWeights() throws {
        var generator = SeededGenerator(seed: 7)
        let pattern = try NMPattern(n: 2, m: 4)
        let shape = [6, 10]
        for ties in [false, true] {
            let values = randomValues(60, ties: ties, generator: &generator)
            let full = referenceMask(values, rows: 6, rowLength: 10, n: 2, m: 4)
            var previous = [Float](repeating: 1, count: 60)
            for sparsity in [0.0, 0.05, 0.1, 0.2, 0.3, pattern.sparsity] {
                let mask = NMPruner.mask(of: values, shape: shape, pattern: pattern, sparsity: sparsity)
                let removed = (0..<60).filter { mask[$0] == 0 }
                let expectedCount = min(pattern.removableCount(shape: shape), 60 - Int((60 * (1 - sparsity)).rounded()))
                XCTAssertEqual(removed.count, expectedCount, "sparsity \(sparsity)")
                XCTAssertTrue(removed.allSatisfy { full[$0] == 0 }, "only weights outside the n largest of a group")
                let stillRemovable = (0..<60).filter { full[$0] == 0 && mask[$0] == 1 }
                if let largest = removed.map({ abs(values[$0]) }).max(),
                    let smallest = stillRemovable.map({ abs(values[$0]) }).min()
                {
                    XCTAssertLessThanOrEqual(largest, smallest, "smallest removable first")
                }
                XCTAssertTrue((0..<60).allSatisfy { previous[$0] == 1 || mask[$0] == 0 }, "removal only grows")
                previous = mask
            }
            XCTAssertEqual(previous, full, "the pattern's sparsity gives the N:M mask")
        }
    }

    func testPolicyErrors() throws {
        let model = try tinyModel()
        var generator = SeededGenerator(seed: 0)
        let pattern = try NMPattern(n: 2, m: 4)
        for (policy, fragment) in [
            (PruningPolicy(scope: .global, pattern: pattern), "global"),
            (PruningPolicy(method: .random, pattern: pattern), "random"),
        ] {
            XCTAssertThrowsError(
                try MagnitudePruner.masks(for: model, sparsity: 0.5, policy: policy, generator: &generator)
            ) {
                XCTAssertTrue("\($0)".contains(fragment), "\($0)")
            }
        }
        XCTAssertThrowsError(
            try MagnitudePruner.masks(
                for: model, sparsity: 0.6, policy: PruningPolicy(pattern: pattern), generator: &generator)
        ) { XCTAssertTrue("\($0)".contains("beyond what the 2:4 pattern removes"), "\($0)") }
        XCTAssertThrowsError(
            try GradualPruning(
                schedule: PruningSchedule(finalSparsity: 0.9, beginStep: 0, endStep: 10),
                policy: PruningPolicy(pattern: pattern), seed: 0))
        for (n, m) in [(4, 2), (0, 4), (2, 2), (1, 33), (-1, 4)] {
            XCTAssertThrowsError(try NMPattern(n: n, m: m)) { XCTAssertTrue("\($0)".contains("\(n):\(m)"), "\($0)") }
        }
        XCTAssertThrowsError(try JSONDecoder().decode(NMPattern.self, from: Data(#"{"n":4,"m":2}"#.utf8)))
        XCTAssertEqual(try JSONDecoder().decode(NMPattern.self, from: JSONEncoder().encode(pattern)), pattern)
    }

    /// The gradual hook ramps on the schedule (the unstructured count at mid-schedule, only
    /// removable weights) and its last update leaves exactly the N:M masks.
    func testGradualHookRampsAndEndsExactlyNM() throws {
        var model = try tinyModel(hidden: [8, 16])
        let pattern = try NMPattern(n: 2, m: 4)
        let schedule = PruningSchedule(finalSparsity: pattern.sparsity, beginStep: 0, endStep: 10, frequency: 5)
        var hook = try GradualPruning(schedule: schedule, policy: PruningPolicy(pattern: pattern), seed: 0)
        hook.update(&model, step: 0)
        XCTAssertEqual(model.parameters["fc2.weight"]!.scalars.filter { $0 == 0 }.count, 0, "sparsity 0 at the start")
        hook.update(&model, step: 5)
        let middle = schedule.sparsity(atStep: 5)  // 0.5 - 0.5 * 0.125
        for name in ["fc2.weight", "fc3.weight"] {
            let n = model.parameters[name]!.count
            XCTAssertEqual(
                model.parameters[name]!.scalars.filter { $0 == 0 }.count,
                n - MagnitudePruner.keptCount(n, sparsity: middle), name)
        }
        hook.update(&model, step: 10)
        XCTAssertEqual(hook.lastUpdate, 10)
        for name in ["fc2.weight", "fc3.weight"] {
            let tensor = model.parameters[name]!
            let rows = tensor.shape[0]
            XCTAssertEqual(
                hook.masks.masks[name]!.scalars,
                referenceMask(tensor.scalars, rows: rows, rowLength: tensor.count / rows, n: 2, m: 4), name)
            XCTAssertEqual(tensor.scalars.filter { $0 == 0 }.count, tensor.count / 2, name)
        }
    }

    /// Every group of `tensor` (rows of length a multiple of `m`) has at most `n` non-zeros,
    /// and the mask exactly `n` ones, with every removed weight exactly zero.
    func assertNM(_ tensor: Tensor, mask: Tensor, n: Int, m: Int, _ message: String) {
        XCTAssertEqual(tensor.shape, mask.shape, message)
        let rowLength = tensor.count / tensor.shape[0]
        XCTAssertEqual(rowLength % m, 0, message)
        for start in stride(from: 0, to: tensor.count, by: m) {
            XCTAssertEqual(Int(mask.scalars[start..<start + m].reduce(0, +)), n, "\(message): group at \(start)")
        }
        XCTAssertTrue(
            zip(tensor.scalars, mask.scalars).allSatisfy { $1 == 1 || $0 == 0 }, "\(message): removed weights are zero")
    }

    /// A population of dense, gradual 2:4 and one-shot 2:4 members through `PopulationRunner`:
    /// the stored weights are N:M (the first layer dense), the one-shot masks held through
    /// fine-tuning (the kept weights moved, the removed stayed exactly zero), and a second run
    /// with the same seeds writes the same bytes.
    func testPopulationMembersAreNMAndDeterministic() throws {
        let splits = try DatasetLoader.load("mnist-5k")
        let train = splits.train.subset(Array(stride(from: 0, to: splits.train.count, by: 8)))
        let evaluate = splits.test.subset(Array(0..<200))
        var training = TrainingConfiguration()
        training.epochs = 2
        training.batchSize = 50
        training.learningRate = 0.05
        let architecture = Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [32, 16])!
        let pattern = try NMPattern(n: 2, m: 4)
        let variants: [CompressionVariant] = [.prunedNM(pattern), .oneShotNM(pattern, fineTuneEpochs: 1)]
        var bytes: [[Data]] = []
        var accuracies: [String: Double] = [:]
        for run in 0..<2 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "loupe-nm-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let spec = PopulationSpec(
                data: "mnist-5k", architecture: architecture, training: training, members: 1, firstSeed: 3,
                variants: variants)
            let result = try PopulationRunner(spec: spec, directory: directory).run(
                train: train, evaluate: evaluate, threads: 1)
            var files: [Data] = []
            let dense = try ModelCheckpoint(
                contentsOf: directory.appendingPathComponent("dense/000/model.safetensors")
            ).model
            for variant in variants {
                let url = directory.appendingPathComponent("\(variant.name)/000/model.safetensors")
                files.append(try Data(contentsOf: url))
                let checkpoint = try ModelCheckpoint(contentsOf: url)
                let model = checkpoint.model
                XCTAssertEqual(model.parameters["fc1.weight"]!.scalars.filter { $0 == 0 }.count, 0, "first layer dense")
                for name in ["fc2.weight", "fc3.weight"] {
                    let mask = try XCTUnwrap(checkpoint.masks[name], "\(variant.name) stores its \(name) mask")
                    assertNM(model.parameters[name]!, mask: mask, n: 2, m: 4, "\(variant.name) \(name)")
                }
                if case .oneShot = variant {
                    let initial = NMPruner.mask(of: dense.parameters["fc2.weight"]!, pattern: pattern)
                    XCTAssertEqual(checkpoint.masks["fc2.weight"], initial, "the mask of the dense member, kept")
                    let kept = zip(model.parameters["fc2.weight"]!.scalars, dense.parameters["fc2.weight"]!.scalars)
                        .enumerated().filter { initial.scalars[$0.offset] == 1 }
                    XCTAssertTrue(kept.contains { $0.element.0 != $0.element.1 }, "fine-tuning changed kept weights")
                }
                let record = try XCTUnwrap(result.records[variant]?.first)
                XCTAssertEqual(record.variant, variant.name)
                XCTAssertEqual(record.layerSparsity?["fc2.weight"], 0.5)
                XCTAssertEqual(record.layerSparsity?["fc3.weight"], 0.5)
                XCTAssertEqual(record.layerSparsity?["fc1.weight"], 0)
                accuracies[variant.name] = record.accuracy
            }
            accuracies["dense"] = result.records[.dense]!.first!.accuracy
            bytes.append(files)
            if run == 0 { XCTAssertEqual(variants.map { result.records[$0]!.count }, [1, 1]) }
        }
        XCTAssertEqual(bytes[0], bytes[1], "same seeds, same bytes")
        for (name, accuracy) in accuracies { XCTAssertGreaterThan(accuracy, 0.5, name) }
    }
}

final class NMVariantTests: XCTestCase {
    func testParsingNamesRoundTripAndSparsity() throws {
        let cases: [(String, String, Bool)] = [
            ("prune-2:4", "prune-2of4", true), ("PRUNE-2:4", "prune-2of4", true),
            ("prune-2:4:all", "prune-2of4-all", true), ("prune-1:32", "prune-1of32", true),
            ("oneshot-2:4", "oneshot-2of4-ft1", false), ("oneshot-2:4:3", "oneshot-2of4-ft3", false),
            ("oneshot-4:8:0:all", "oneshot-4of8-ft0-all", false), ("oneshot-1:2:all:2", "oneshot-1of2-ft2-all", false),
        ]
        for (text, name, trained) in cases {
            let variant = try CompressionVariant(parsing: text)
            XCTAssertEqual(variant.name, name, text)
            XCTAssertEqual(variant.isTrained, trained, text)
            XCTAssertEqual(try CompressionVariant(parsing: variant.specification), variant, text)
            XCTAssertTrue(variant.name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }, "file-safe \(name)")
            let json = try JSONEncoder().encode([variant])
            XCTAssertEqual(try JSONDecoder().decode([CompressionVariant].self, from: json), [variant])
            XCTAssertNoThrow(try variant.validate())
        }
        XCTAssertEqual(try CompressionVariant(parsing: "prune-2:4").specification, "prune-2:4")
        XCTAssertEqual(try CompressionVariant(parsing: "oneshot-2:4").specification, "oneshot-2:4:1")
        XCTAssertEqual(try CompressionVariant(parsing: "prune-2:4").sparsity, 0.5)
        XCTAssertEqual(try CompressionVariant(parsing: "oneshot-1:8").sparsity, 0.875)
        let pattern = try NMPattern(n: 2, m: 4)
        XCTAssertEqual(
            try CompressionVariant(parsing: "prune-2:4"),
            .pruned(sparsity: 0.5, policy: PruningPolicy(pattern: pattern)))
        XCTAssertNotEqual(try CompressionVariant(parsing: "prune-2:4"), try CompressionVariant(parsing: "prune:0.5"))
        XCTAssertNotEqual(
            try CompressionVariant(parsing: "prune-2:4").name, try CompressionVariant(parsing: "prune:0.5").name)
    }

    func testBadSpecificationsGiveOneLineNamingTheVariant() throws {
        let cases: [(String, String)] = [
            ("prune-4:2", "1 <= N < M <= 32, got 4:2"), ("prune-0:4", "got 0:4"), ("prune-2:x", "got 2:x"),
            ("prune-2:2", "got 2:2"), ("prune-1:33", "got 1:33"), ("prune-2", "got '2'"), ("prune-", "got ''"),
            ("prune-+2:4", "got +2:4"), ("prune-2:4:global", "unknown N:M pruning option 'global'"),
            ("prune-2:4:3", "unknown N:M pruning option '3'"), ("oneshot-2:4:-1", "unknown N:M pruning option '-1'"),
            ("oneshot-2:4:random", "option 'random'"), ("prune-2:4:", "option ''"), ("prune-0.90", "got '0.90'"),
        ]
        for (text, fragment) in cases {
            XCTAssertThrowsError(try CompressionVariant(parsing: text), text) { error in
                let line = "\(error)"
                XCTAssertTrue(line.contains("variant '\(text)'"), line)
                XCTAssertTrue(line.contains(fragment), "'\(fragment)' not in: \(line)")
                XCTAssertFalse(line.contains("\n"), line)
            }
        }
        let pattern = try NMPattern(n: 2, m: 4)
        XCTAssertThrowsError(
            try CompressionVariant.pruned(sparsity: 0.3, policy: PruningPolicy(pattern: pattern)).validate()
        ) {
            XCTAssertTrue("\($0)".contains("variant 'prune-2of4'"), "\($0)")
        }
        XCTAssertThrowsError(try CompressionVariant.oneShotNM(pattern, fineTuneEpochs: -1).validate())
    }
}
