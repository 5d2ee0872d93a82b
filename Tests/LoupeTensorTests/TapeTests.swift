import LoupeRandom
import LoupeSupport
import LoupeTensor
import XCTest

final class TapeTests: XCTestCase {
    func testGradientAccumulatesOverRepeatedUse() {
        let tape = Tape()
        let x = tape.variable(Tensor(shape: [3], scalars: [1, -2, 3]))
        let y = (x * x + x).sum()  // dy/dx = 2x + 1
        XCTAssertEqual(tape.gradients(of: y)[x]?.scalars, [3, -3, 7])
    }

    func testConstantsReceiveNoGradient() {
        let tape = Tape()
        let x = tape.variable(Tensor(shape: [2], scalars: [1, 2]))
        let c = tape.constant(Tensor(shape: [2], scalars: [5, 6]))
        let gradients = tape.gradients(of: (x * c).sum())
        XCTAssertEqual(gradients[x]?.scalars, [5, 6])
        XCTAssertNil(gradients[c])
        XCTAssertFalse((c * c).requiresGradient)
    }

    /// The seed selects one logit per row: the gradient of that logit with respect to the input.
    func testSeedGivesPerRowInputGradient() {
        let tape = Tape()
        let x = tape.variable(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))
        let w = tape.constant(Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, 1, 1]))
        let logits = x.linear(weight: w, bias: nil)
        let seed = Tensor(shape: [2, 3], scalars: [0, 1, 0, 1, 0, 0])
        XCTAssertEqual(tape.gradients(of: logits, seed: seed)[x]?.scalars, [0, 1, 1, 0])
    }

    /// Guided backpropagation replaces ReLU's rule: only positive gradients pass, and only
    /// where the forward input was positive.
    func testBackwardOverrideReplacesRule() {
        let tape = Tape()
        tape.backwardOverrides[.relu] = { inputs, _, gradient in
            [gradient.zipWith(inputs[0]) { g, x in x > 0 && g > 0 ? g : 0 }]
        }
        let x = tape.variable(Tensor(shape: [4], scalars: [1, -1, 2, 3]))
        let w = tape.constant(Tensor(shape: [4], scalars: [1, 1, -1, 2]))
        let y = (x.relu() * w).sum()
        XCTAssertEqual(tape.gradients(of: y)[x]?.scalars, [1, 0, 0, 2])
        let plain = Tape()
        let x2 = plain.variable(x.value)
        XCTAssertEqual(plain.gradients(of: (x2.relu() * plain.constant(w.value)).sum())[x2]?.scalars, [1, 0, -1, 2])
    }

    func testTensorCopyOnWrite() {
        let a = Tensor(shape: [2], scalars: [1, 2])
        var b = a
        b.scalars[0] = 9
        XCTAssertEqual(a.scalars, [1, 2])
        XCTAssertEqual(b.scalars, [9, 2])
    }

    func testBroadcastShapeRules() {
        XCTAssertEqual(Tensor.broadcastShape([2, 3], [3]), [2, 3])
        XCTAssertEqual(Tensor.broadcastShape([4, 3, 1, 1], [1, 5]), [4, 3, 1, 5])
        XCTAssertNil(Tensor.broadcastShape([2, 3], [2]))
        let row = Tensor(shape: [3], scalars: [1, 2, 3])
        XCTAssertEqual(row.expanded(to: [2, 3]).scalars, [1, 2, 3, 1, 2, 3])
        XCTAssertEqual(row.expanded(to: [2, 3]).summed(toShape: [3]).scalars, [2, 4, 6])
        let column = Tensor(shape: [2, 1], scalars: [1, 2])
        XCTAssertEqual(column.expanded(to: [2, 3]).scalars, [1, 1, 1, 2, 2, 2])
    }

    func testSeededGeneratorIsReproducible() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        var c = SeededGenerator(seed: 43)
        let sa = (0..<5).map { _ in a.next() }
        XCTAssertEqual(sa, (0..<5).map { _ in b.next() })
        XCTAssertNotEqual(sa, (0..<5).map { _ in c.next() })
        var n = SeededGenerator(seed: 1)
        let normals = (0..<20_000).map { _ in Double(n.nextNormal()) }
        let mean = normals.reduce(0, +) / 20_000
        let variance = normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20_000
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
    }
}

final class TapeLifetimeTests: XCTestCase {
    /// Backward rules must not capture variables: a variable retains its tape, so a captured
    /// one would keep every tensor of every step alive (a leak that grew by gigabytes).
    func testTapeIsReleasedAfterUse() {
        weak var released: Tape?
        do {
            let tape = Tape()
            released = tape
            let x = tape.variable(Tensor(repeating: 1, shape: [2, 1, 4, 4]))
            let w = tape.variable(Tensor(repeating: 0.1, shape: [3, 1, 3, 3]))
            let b = tape.variable(Tensor(zeros: [3]))
            let h = x.conv2d(weight: w, bias: b, padding: 1).relu().maxPool2d(kernel: 2).flattened()
            let fw = tape.variable(Tensor(repeating: 0.1, shape: [2, 12]))
            let fb = tape.variable(Tensor(zeros: [2]))
            let loss = (h.linear(weight: fw, bias: fb) * tape.constant(Tensor(2))).crossEntropy(labels: [0, 1])
            _ = tape.gradients(of: loss)
        }
        XCTAssertNil(released, "the tape outlived its variables: a backward rule retains it")
    }
}

final class ParallelTests: XCTestCase {
    func testMapKeepsOrderAndReleasesResults() {
        final class Token {}
        weak var released: Token?
        do {
            let values = Parallel.map(count: 7, threads: 2) { index -> (Int, Token) in (index * index, Token()) }
            XCTAssertEqual(values.map(\.0), [0, 1, 4, 9, 16, 25, 36])
            released = values[3].1
        }
        XCTAssertNil(released, "Parallel.map retained a result")
    }

    func testRangesCoverAndBalance() {
        XCTAssertEqual(Parallel.ranges(count: 10, parts: 3), [0..<3, 3..<6, 6..<10])
        XCTAssertEqual(Parallel.ranges(count: 2, parts: 4), [0..<1, 1..<2])
    }
}
