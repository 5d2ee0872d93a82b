import Foundation

/// The resources this process has used so far.
package struct ResourceUsage: Sendable, Equatable {
    /// The largest resident set size the process has reached, in bytes.
    package var peakResidentBytes: Int
    /// CPU time spent in user mode, summed over all threads, in seconds.
    package var userCPUSeconds: Double
    /// CPU time spent in the kernel on the process's behalf, in seconds.
    package var systemCPUSeconds: Double

    /// User plus system CPU time, in seconds.
    package var cpuSeconds: Double { userCPUSeconds + systemCPUSeconds }

    package init(peakResidentBytes: Int, userCPUSeconds: Double, systemCPUSeconds: Double) {
        self.peakResidentBytes = peakResidentBytes
        self.userCPUSeconds = userCPUSeconds
        self.systemCPUSeconds = systemCPUSeconds
    }

    /// The usage of the current process now.
    ///
    /// The peak is the larger of `getrusage`'s `ru_maxrss` and, on Linux, `VmHWM` from
    /// `/proc/self/status`.
    package static func current() -> ResourceUsage {
        var usage = rusage()
        #if os(Linux)
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let maxRSSBytes = usage.ru_maxrss * 1024  // kilobytes on Linux
        #else
            getrusage(RUSAGE_SELF, &usage)
            let maxRSSBytes = usage.ru_maxrss  // bytes on Darwin
        #endif
        return ResourceUsage(
            peakResidentBytes: max(Int(maxRSSBytes), peakResidentBytesFromProcStatus() ?? 0),
            userCPUSeconds: seconds(usage.ru_utime),
            systemCPUSeconds: seconds(usage.ru_stime))
    }

    /// `VmHWM` (peak resident set size) from `/proc/self/status`, in bytes, or `nil` where
    /// that file does not exist.
    package static func peakResidentBytesFromProcStatus() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
            return nil
        }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 3, fields[2] == "kB", let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }

    private static func seconds(_ time: timeval) -> Double {
        Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000
    }
}
