import Foundation
import LoupeData

/// `--image-folder DIR`: the time to load an ImageFolder (CIFAR-10's 60,000 JPEGs in
/// Benchmarks/image-decode.sh): decoded from the files into an empty cache (the first run),
/// decoded without a cache, and read back from the cache (every later run); each the best of
/// `rounds`. The files are in the page cache after the first pass, as on a machine that has
/// read them before.
func runImageFolderSpeed(_ folder: String, rounds: Int) throws {
    let root = URL(fileURLWithPath: folder)
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-bench-cache-\(getpid())")
    defer { try? FileManager.default.removeItem(at: cache) }
    var images = 0
    func measure(_ name: String, cached: Bool, fresh: Bool) throws {
        var best = Double.infinity
        for _ in 0..<rounds {
            if fresh { try? FileManager.default.removeItem(at: cache) }
            var loaded: ImageFolder.Loaded?
            let time = try seconds {
                loaded = try ImageFolder.load(root, options: .init(cacheDirectory: cached ? cache : nil))
            }
            precondition(loaded!.fromCache == (cached && !fresh), "\(name): cache use not as intended")
            images = loaded!.train.count + (loaded!.test?.count ?? 0)
            best = min(best, time)
        }
        emit(["measurement": name, "seconds": best, "images": images, "images_per_second": Double(images) / best])
    }
    try measure("imagefolder decode, writing the cache (first run)", cached: true, fresh: true)
    try measure("imagefolder decode, no cache", cached: false, fresh: false)
    try measure("imagefolder load from the cache (later runs)", cached: true, fresh: false)
}
