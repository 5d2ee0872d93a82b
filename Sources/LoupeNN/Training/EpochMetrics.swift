/// Metrics of one training epoch.
///
/// Encodes a non-finite number as JSON `null` (and decodes `null` as NaN), so that writing
/// metrics never fails however a run went: JSON has no NaN or infinity.
public struct EpochMetrics: Codable, Equatable, Sendable {
    public var epoch: Int
    public var step: Int
    public var learningRate: Float
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var testLoss: Double?
    public var testAccuracy: Double?
    public var seconds: Double
    public var imagesPerSecond: Double

    private enum CodingKeys: String, CodingKey {
        case epoch, step, learningRate, trainLoss, trainAccuracy, testLoss, testAccuracy, seconds, imagesPerSecond
    }

    public init(
        epoch: Int, step: Int, learningRate: Float, trainLoss: Double, trainAccuracy: Double, testLoss: Double?,
        testAccuracy: Double?, seconds: Double, imagesPerSecond: Double
    ) {
        self.epoch = epoch
        self.step = step
        self.learningRate = learningRate
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
        self.seconds = seconds
        self.imagesPerSecond = imagesPerSecond
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func number(_ key: CodingKeys) throws -> Double { try c.decodeIfPresent(Double.self, forKey: key) ?? .nan }
        epoch = try c.decode(Int.self, forKey: .epoch)
        step = try c.decode(Int.self, forKey: .step)
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? .nan
        trainLoss = try number(.trainLoss)
        trainAccuracy = try number(.trainAccuracy)
        testLoss = c.contains(.testLoss) ? try number(.testLoss) : nil
        testAccuracy = c.contains(.testAccuracy) ? try number(.testAccuracy) : nil
        seconds = try number(.seconds)
        imagesPerSecond = try number(.imagesPerSecond)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func number<Value: BinaryFloatingPoint & Encodable>(_ value: Value?, _ key: CodingKeys) throws {
            guard let value else { return }
            if value.isFinite { try c.encode(value, forKey: key) } else { try c.encodeNil(forKey: key) }
        }
        try c.encode(epoch, forKey: .epoch)
        try c.encode(step, forKey: .step)
        try number(learningRate, .learningRate)
        try number(trainLoss, .trainLoss)
        try number(trainAccuracy, .trainAccuracy)
        try number(testLoss, .testLoss)
        try number(testAccuracy, .testAccuracy)
        try number(seconds, .seconds)
        try number(imagesPerSecond, .imagesPerSecond)
    }
}
