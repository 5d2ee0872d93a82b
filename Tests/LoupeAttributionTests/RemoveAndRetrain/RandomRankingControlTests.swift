import LoupeAttribution
import LoupeNN
import LoupeTensor
import XCTest

final class RandomRankingControlTests: XCTestCase {
    let model = try! Model(architecture: RemoveAndRetrainFixtures.tinyMLP, seed: 0)

    func images(_ count: Int) -> Tensor {
        Tensor(shape: [count, 1, 4, 4], scalars: (0..<(count * 16)).map { Float($0 % 5) })
    }

    /// The map ranks the elements in exactly the seed's permutation, which is a permutation.
    func testMapRanksElementsInTheSeedsPermutation() throws {
        let maps = try RandomRankingControl().attributions(images(2), targets: [0, 1], model: model, seeds: [11, 12])
        for (example, seed) in [UInt64(11), 12].enumerated() {
            let permutation = RandomRankingControl.permutation(count: 16, seed: seed)
            XCTAssertEqual(Set(permutation), Set(0..<16))
            let order = maps.scalars[(example * 16)..<((example + 1) * 16)].withUnsafeBufferPointer {
                ElementRanking.order(bySquared: $0)
            }
            XCTAssertEqual(order.map(Int.init), permutation)
        }
    }

    /// Same seeds, same maps; maps do not depend on the batch an example is computed in;
    /// different seeds give different orders.
    func testDeterministicAndIndependentOfBatching() throws {
        let control = RandomRankingControl()
        let seeds: [UInt64] = (0..<6).map { ExampleSeeds.seed(runSeed: 5, method: "random", split: .train, id: $0) }
        let whole = try control.attributions(images(6), targets: [0, 0, 0, 0, 0, 0], model: model, seeds: seeds)
        XCTAssertEqual(
            try control.attributions(images(6), targets: [0, 0, 0, 0, 0, 0], model: model, seeds: seeds).scalars,
            whole.scalars)
        var pieces: [Float] = []
        for range in [0..<2, 2..<3, 3..<6] {
            pieces += try control.attributions(
                images(range.count), targets: Array(repeating: 1, count: range.count), model: model,
                seeds: Array(seeds[range])
            ).scalars
        }
        XCTAssertEqual(pieces, whole.scalars)
        let rows = (0..<6).map { Array(whole.scalars[($0 * 16)..<(($0 + 1) * 16)]) }
        XCTAssertEqual(Set(rows).count, 6, "every example has its own order")
    }

    /// The permutation is uniform: over many seeds each element is first about equally often.
    func testPermutationIsUniform() {
        var firsts = [Int](repeating: 0, count: 8)
        for seed in 0..<8000 { firsts[RandomRankingControl.permutation(count: 8, seed: UInt64(seed))[0]] += 1 }
        for count in firsts { XCTAssertEqual(Double(count), 1000, accuracy: 150) }
    }

    func testExampleSeedsDependOnMethodSplitAndID() {
        let base = ExampleSeeds.seed(runSeed: 1, method: "random", split: .train, id: 3)
        XCTAssertEqual(base, ExampleSeeds.seed(runSeed: 1, method: "random", split: .train, id: 3))
        XCTAssertNotEqual(base, ExampleSeeds.seed(runSeed: 2, method: "random", split: .train, id: 3))
        XCTAssertNotEqual(base, ExampleSeeds.seed(runSeed: 1, method: "blurred-random", split: .train, id: 3))
        XCTAssertNotEqual(base, ExampleSeeds.seed(runSeed: 1, method: "random", split: .test, id: 3))
        XCTAssertNotEqual(base, ExampleSeeds.seed(runSeed: 1, method: "random", split: .train, id: 4))
    }
}
