import Foundation

/// The machine a run happened on.
public struct HostDescription: Codable, Equatable, Sendable {
    /// The operating system name and version.
    public var operatingSystem: String
    /// The CPU model, from `/proc/cpuinfo` on Linux; `nil` where unknown.
    public var cpuModel: String?
    /// The number of logical cores available to the process.
    public var coreCount: Int
    /// The numeric kernel path the run used (`avx512`, `avx2`, `generic`): results are
    /// bit-identical for the same seed, thread count and kernel path, since the paths sum in
    /// different orders. `nil` where not recorded.
    public var kernelPath: String?

    public init(operatingSystem: String, cpuModel: String?, coreCount: Int, kernelPath: String? = nil) {
        self.operatingSystem = operatingSystem
        self.cpuModel = cpuModel
        self.coreCount = coreCount
        self.kernelPath = kernelPath
    }

    /// A description of the machine this process runs on.
    public static func current() -> HostDescription {
        HostDescription(
            operatingSystem: ProcessInfo.processInfo.operatingSystemVersionString,
            cpuModel: cpuModel(
                fromCPUInfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""),
            coreCount: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The first `model name` value in the text of `/proc/cpuinfo`.
    static func cpuModel(fromCPUInfo text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
