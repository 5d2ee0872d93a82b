/// The direction of a Fisher-Yates walk. Both walks draw the same bounds in the same order
/// (`n`, `n - 1`, ..., 2, each with `nextInt(below:)`) and give uniform permutations, but
/// not the same permutation for the same draws: a walk from the start is a walk from the end
/// of the reversed array with every draw `r` replaced by `bound - 1 - r`. Each call site keeps
/// the walk its recorded results were made with.
package enum FisherYatesWalk: Sendable {
    /// Durstenfeld's walk: for `i` from `n - 1` down to 1, swap element `i` with element
    /// `nextInt(below: i + 1)`. Training batch orders, dataset splits, label noise and random
    /// pruning use it.
    case fromEnd
    /// The walk of the standard library's `shuffle(using:)` (Swift 4.2 to 6.3): for `i` from 0
    /// up to `n - 2`, swap element `i` with element `i + nextInt(below: n - i)`. Confident
    /// learning's folds, first made with `shuffled(using:)`, and `sample(_:from:)` use it,
    /// now reproducible on any toolchain.
    case fromStart
}

extension MutableCollection where Self: RandomAccessCollection, Index == Int {
    /// Shuffles in place by a Fisher-Yates `walk` whose swaps depend only on `generator`'s
    /// state (unlike `shuffle(using:)`, whose algorithm the standard library may change).
    package mutating func fisherYatesShuffle(
        using generator: inout some RandomNumberGenerator, walk: FisherYatesWalk = .fromEnd
    ) {
        fisherYatesSteps(count - 1, using: &generator, walk: walk)
    }

    /// The first `steps` swaps of a Fisher-Yates `walk` (`steps <= count - 1`): from the
    /// start, they leave a uniform sample without replacement in the first `steps` elements.
    mutating func fisherYatesSteps(
        _ steps: Int, using generator: inout some RandomNumberGenerator, walk: FisherYatesWalk
    ) {
        guard steps > 0 else { return }
        let (first, n) = (startIndex, count)
        for step in 0..<steps {
            switch walk {
            case .fromEnd:
                let i = first + n - 1 - step
                swapAt(i, first + generator.nextInt(below: n - step))
            case .fromStart:
                let i = first + step
                swapAt(i, i + generator.nextInt(below: n - step))
            }
        }
    }
}

extension RandomNumberGenerator {
    /// `count` distinct positions drawn uniformly from `0..<population`, in ascending order:
    /// the first `count` steps of a Fisher-Yates walk from the start over `0..<population`.
    package mutating func sample(_ count: Int, from population: Int) -> [Int] {
        precondition(count >= 0 && count <= population, "cannot draw \(count) of \(population)")
        var positions = Array(0..<population)
        positions.fisherYatesSteps(min(count, population - 1), using: &self, walk: .fromStart)
        return positions[0..<count].sorted()
    }
}
