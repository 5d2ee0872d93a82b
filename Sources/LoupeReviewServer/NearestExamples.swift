import Foundation
import LoupeData

/// The training examples nearest to an example by Euclidean distance between pixels (as the
/// models see them: bytes divided by 255), computed on demand and remembered.
final class NearestExamples: Sendable {
    /// One neighbour.
    struct Neighbour: Sendable, Equatable, Encodable {
        var id: Int
        var label: Int
        var distance: Double
    }

    let training: Dataset
    /// The position of each training example by id.
    let positions: [Int: Int]
    private let cache = Locked<[Int: [Neighbour]]>([:])

    init(training: Dataset) {
        self.training = training
        positions = Dictionary(training.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The `count` training examples nearest to `image` (`[C, H, W]`), nearest first (ties by
    /// id); `excluding` leaves out the example itself when it is a training example.
    func nearest(to image: [Float], key: Int, excluding: Int?, count: Int = 5) -> [Neighbour] {
        if let known = cache.withLock({ $0[key] }) { return known }
        guard training.shape.pixelCount == image.count else { return [] }
        var best: [(distance: Float, position: Int)] = []
        let chunk = 1024
        for start in stride(from: 0, to: training.count, by: chunk) {
            let positions = Array(start..<min(training.count, start + chunk))
            let images = training.images(at: positions).scalars
            let size = image.count
            images.withUnsafeBufferPointer { pixels in
                image.withUnsafeBufferPointer { query in
                    for (slot, position) in positions.enumerated() where training.ids[position] != excluding {
                        var sum: Float = 0
                        let row = pixels.baseAddress! + slot * size
                        for i in 0..<size {
                            let d = row[i] - query[i]
                            sum += d * d
                        }
                        if best.count < count || sum < best[best.count - 1].distance {
                            best.append((sum, position))
                            best.sort {
                                ($0.distance, training.ids[$0.position]) < ($1.distance, training.ids[$1.position])
                            }
                            if best.count > count { best.removeLast() }
                        }
                    }
                }
            }
        }
        let neighbours = best.map {
            Neighbour(
                id: training.ids[$0.position], label: Int(training.labels[$0.position]),
                distance: Double($0.distance).squareRoot())
        }
        cache.withLock { $0[key] = neighbours }
        return neighbours
    }
}
