import LoupeAttribution
import LoupeRandom
import LoupeTensor
import XCTest

final class ElementRankingTests: XCTestCase {
    /// Each element's position equals the number of elements that beat it: a larger
    /// square, or an equal square at a lower index (an independent definition of the order).
    func testOrderMatchesPairwiseCounting() {
        var generator = SeededGenerator(seed: 3)
        // Few distinct values, so there are many ties, including of opposite signs.
        let scores: [Float] = (0..<200).map { _ in Float(generator.nextInt(below: 7) - 3) * 0.5 }
        let order = scores.withUnsafeBufferPointer { ElementRanking.order(bySquared: $0) }
        XCTAssertEqual(Set(order), Set(0..<200))
        for (position, element) in order.enumerated() {
            let mine = scores[Int(element)] * scores[Int(element)]
            let beaten = scores.indices.filter { other in
                let theirs = scores[other] * scores[other]
                return theirs > mine || (theirs == mine && other < Int(element))
            }.count
            XCTAssertEqual(position, beaten, "element \(element)")
        }
    }

    func testOrdersOfSeveralMapsAreConcatenated() {
        let maps: [Float] = [0, 3, -1, 2, 5, 0, 0, -5]
        XCTAssertEqual(ElementRanking.orders(maps: maps, elementsPerMap: 4), [1, 3, 2, 0, 0, 3, 1, 2])
    }
}
