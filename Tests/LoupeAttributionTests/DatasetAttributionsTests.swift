import LoupeAttribution
import LoupeData
import LoupeNN
import LoupeTensor
import XCTest

final class DatasetAttributionsTests: XCTestCase {
    /// The same run seed gives the same maps whatever the batch size and thread count, and an
    /// example's map is the one it gets alone, seeded by its id.
    func testMapsDoNotDependOnBatchesOrThreads() throws {
        let model = Fixtures.cnn()
        let data = Fixtures.dataset(10, shape: [1, 8, 8], classes: 4)
        let targets = try AttributionTarget.predicted.classes(for: data, model: model)
        let methods: [any AttributionMethod] = [
            SmoothGrad(noiseStandardDeviation: 0.15, samples: 4), RandomAttribution(),
            VarGrad(base: IntegratedGradients(steps: 3), noiseStandardDeviation: 0.15, samples: 3), GuidedBackprop(),
        ]
        for method in methods {
            let reference = try method.attributions(
                of: data, targets: targets, model: model, runSeed: 42, batchSize: 10)
            XCTAssertEqual(reference.shape, [10, 1, 8, 8])
            for (batchSize, threads) in [(1, 1), (3, 2), (7, 3)] {
                let maps = try method.attributions(
                    of: data, targets: targets, model: model, runSeed: 42, threads: threads, batchSize: batchSize)
                XCTAssertEqual(maps.scalars, reference.scalars, "\(method.name) batch \(batchSize) threads \(threads)")
            }
            let alone = try method.attributions(
                data.images(at: [6]), targets: [targets[6]], model: model,
                seeds: [exampleSeed(runSeed: 42, id: data.ids[6])])
            XCTAssertEqual(alone.scalars, Array(reference.scalars[(6 * 64)..<(7 * 64)]), method.name)
        }
        let otherSeed = try RandomAttribution().attributions(of: data, targets: targets, model: model, runSeed: 43)
        let firstSeed = try RandomAttribution().attributions(of: data, targets: targets, model: model, runSeed: 42)
        XCTAssertNotEqual(otherSeed.scalars, firstSeed.scalars)
    }

    /// Subsets keep their ids, and with them their seeds and maps.
    func testSubsetKeepsEachExamplesMap() throws {
        let model = Fixtures.mlp()
        let data = Fixtures.dataset(8, shape: [1, 6, 6], classes: 4)
        let targets = try AttributionTarget.label.classes(for: data, model: model)
        let all = try RandomAttribution().attributions(of: data, targets: targets, model: model, runSeed: 1)
        let subset = data.subset([5, 2])
        let part = try RandomAttribution().attributions(
            of: subset, targets: [targets[5], targets[2]], model: model, runSeed: 1)
        XCTAssertEqual(part.scalars, Array(all.scalars[(5 * 36)..<(6 * 36)] + all.scalars[(2 * 36)..<(3 * 36)]))
    }

    func testTargets() throws {
        let model = Fixtures.mlp()
        let data = Fixtures.dataset(5, shape: [1, 6, 6], classes: 4)
        let logits = model.logits(data.images(at: Array(0..<5)))
        let predicted = try AttributionTarget.predicted.classes(for: data, model: model)
        for row in 0..<5 {
            let values = Array(logits.scalars[(row * 4)..<(row * 4 + 4)])
            XCTAssertEqual(values[predicted[row]], values.max())
        }
        XCTAssertEqual(try AttributionTarget.label.classes(for: data, model: model), data.labels.map(Int.init))
        XCTAssertEqual(try AttributionTarget(parsing: "3").classes(for: data, model: model), [3, 3, 3, 3, 3])
        assertAttributionError(["--target", "class 4", "0..<4"]) {
            _ = try AttributionTarget.fixed(4).classes(for: data, model: model)
        }
        assertAttributionError(["--target", "'best'"]) { _ = try AttributionTarget(parsing: "best") }
    }
}
