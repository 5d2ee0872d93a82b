/// The order in which remove-and-retrain takes input elements: by decreasing squared
/// attribution, each channel value on its own, ties broken by the lower element index.
package enum ElementRanking {
    /// Indices `0..<scores.count` ordered by decreasing `score * score` (computed in `Double`,
    /// so it is exact), equal squares by increasing index.
    ///
    /// - Precondition: every score is finite.
    package static func order(bySquared scores: UnsafeBufferPointer<Float>) -> [Int32] {
        let squares = scores.map { Double($0) * Double($0) }
        var order = Array(0..<Int32(scores.count))
        order.sort { a, b in
            let (x, y) = (squares[Int(a)], squares[Int(b)])
            return x != y ? x > y : a < b
        }
        return order
    }

    /// `order(bySquared:)` of every map in `maps` (`elementsPerMap` values each, map after
    /// map), concatenated.
    package static func orders(maps: [Float], elementsPerMap: Int) -> [Int32] {
        precondition(elementsPerMap > 0 && maps.count % elementsPerMap == 0, "maps are not whole")
        var orders: [Int32] = []
        orders.reserveCapacity(maps.count)
        maps.withUnsafeBufferPointer { all in
            for start in stride(from: 0, to: all.count, by: elementsPerMap) {
                orders += order(bySquared: UnsafeBufferPointer(rebasing: all[start..<(start + elementsPerMap)]))
            }
        }
        return orders
    }
}
