import LoupeAttribution
import LoupeData
import LoupeNN
import LoupeRandom
import LoupeSupport
import LoupeTensor

/// Small synthetic data for the remove-and-retrain tests.
enum RemoveAndRetrainFixtures {
    /// `count` 1x4x4 images of two classes whose only signal is element 0 (0.9 for class 1,
    /// 0.1 for class 0); the other elements are uniform noise. Ids start at `firstID`.
    static func signalInOneElement(count: Int, seed: UInt64, firstID: Int = 0) throws -> Dataset {
        var generator = SeededGenerator(seed: seed)
        var pixels: [Float] = []
        var labels: [Int64] = []
        for index in 0..<count {
            let label = Int64(index % 2)
            labels.append(label)
            pixels.append(label == 1 ? 0.9 : 0.1)
            for _ in 1..<16 { pixels.append(generator.nextUniform()) }
        }
        let dataset = try Dataset(
            name: "signal", shape: ImageShape(channels: 1, height: 4, width: 4), classCount: 2, floats: pixels,
            labels: labels)
        return firstID == 0 ? dataset : try dataset.withIDs(from: firstID)
    }

    /// A float dataset from explicit pixels (channel-major per image).
    static func dataset(_ pixels: [Float], shape: ImageShape, labels: [Int64], classCount: Int = 2) throws -> Dataset {
        try Dataset(name: "fixture", shape: shape, classCount: classCount, floats: pixels, labels: labels)
    }

    /// A small mlp for 1x4x4 inputs and two classes.
    static var tinyMLP: Architecture {
        Architecture.builtin("mlp", inputShape: [1, 4, 4], classes: 2, hiddenWidths: [8])!
    }
}

/// Scores element 0 highest and every other element zero: the perfect explanation of
/// ``RemoveAndRetrainFixtures/signalInOneElement(count:seed:firstID:)``.
struct OracleAttribution: AttributionMethod {
    var name: String { "oracle" }

    func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(InputError)
        -> Tensor
    {
        var maps = Tensor(zeros: images.shape)
        let size = images.count / images.shape[0]
        for example in 0..<images.shape[0] { maps.scalars[example * size] = 1 }
        return maps
    }
}

extension Dataset {
    /// The same examples with ids `first, first + 1, ...` (through a larger dataset and a
    /// subset, the only public way to choose ids).
    func withIDs(from first: Int) throws -> Dataset {
        let size = shape.pixelCount
        var pixels = [Float](repeating: 0, count: (first + count) * size)
        let own = images(at: Array(0..<count)).scalars
        pixels.replaceSubrange((first * size)..<((first + count) * size), with: own)
        let allLabels = [Int64](repeating: 0, count: first) + labels.map(Int64.init)
        let padded = try Dataset(name: name, shape: shape, classCount: classCount, floats: pixels, labels: allLabels)
        return padded.subset(Array(first..<(first + count)))
    }
}
