// swift-tools-version: 6.0
import PackageDescription

/// Numeric code is compiled with optimisation even in debug builds: unoptimised SIMD
/// loops run 50-500x slower, which would make the test suite crawl. Only LoupeKernelsAVX2 gets
/// CPU-specific flags, and so does LoupeKernelsAVX512; `KernelPath` calls into each only on CPUs
/// that have its instructions.
let optimized: [SwiftSetting] = [
    .unsafeFlags(["-O", "-enforce-exclusivity=unchecked"])
]

let package = Package(
    name: "Loupe",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "loupe", targets: ["loupe"]),
        .library(name: "LoupeTensor", targets: ["LoupeTensor"]),
        .library(name: "LoupeNN", targets: ["LoupeNN"]),
        .library(name: "LoupeData", targets: ["LoupeData"]),
        .library(name: "LoupeReport", targets: ["LoupeReport"]),
        .library(name: "LoupeCompress", targets: ["LoupeCompress"]),
        .library(name: "LoupeAudit", targets: ["LoupeAudit"]),
        .library(name: "LoupeAttribution", targets: ["LoupeAttribution"]),
        .library(name: "LoupeONNX", targets: ["LoupeONNX"]),
        .library(name: "LoupeWorkflows", targets: ["LoupeWorkflows"]),
        .library(name: "LoupeReview", targets: ["LoupeReview"]),
        .library(name: "LoupeReviewServer", targets: ["LoupeReviewServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // ONNX's protobuf encoding (LoupeONNX): the runtime of the code scripts/onnx-proto.sh generates.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // Human review (LoupeReview, LoupeReviewServer): verdicts in SQLite, served over HTTP.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // JPEG and PNG decoding through Debian's libjpeg-turbo and libpng, errors returned
        // as messages (a C shim: their error callbacks must longjmp, which Swift cannot).
        .target(name: "CImageDecoding", linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16")]),
        .target(name: "LoupeSupport", dependencies: ["CLoupePlatform"], swiftSettings: optimized),
        .target(name: "CLoupePlatform"),
        // Exact int8 products and the requantization between integer layers (generic C, AVX2,
        // AVX-512 VNNI; each SIMD function compiled for its instructions by a target attribute,
        // called only on CPUs that have them; no fused multiply-adds, so every path gives the
        // same bits).
        .target(name: "CLoupeIntegerKernels", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]),
        // exp, log, tanh and the sigmoid over buffers (generic C, AVX2, AVX-512; no fused
        // multiply-adds, so every path gives the same bits).
        .target(name: "CLoupeVectorMath", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]),
        .target(name: "LoupeKernelCore", dependencies: ["CLoupePlatform"], swiftSettings: optimized),
        .target(
            name: "LoupeKernelsAVX2", dependencies: ["LoupeKernelCore"],
            swiftSettings: [.unsafeFlags(["-O", "-enforce-exclusivity=unchecked", "-Xcc", "-mavx2", "-Xcc", "-mfma"])]),
        .target(
            name: "LoupeKernelsAVX512", dependencies: ["LoupeKernelCore"],
            swiftSettings: [
                .unsafeFlags([
                    "-O", "-enforce-exclusivity=unchecked", "-Xcc", "-mavx512f", "-Xcc", "-mavx512vl", "-Xcc",
                    "-mavx2", "-Xcc", "-mfma",
                ])
            ]),
        .target(
            name: "LoupeKernels",
            dependencies: [
                "CLoupePlatform", "CLoupeIntegerKernels", "CLoupeVectorMath", "LoupeKernelCore", "LoupeKernelsAVX2",
                "LoupeKernelsAVX512",
                "LoupeSupport",
            ],
            swiftSettings: optimized),
        .target(name: "LoupeRandom", swiftSettings: optimized),
        .target(
            name: "LoupeTensor", dependencies: ["LoupeKernels", "LoupeRandom", "LoupeSupport"], swiftSettings: optimized
        ),
        .target(
            name: "LoupeNN", dependencies: ["LoupeKernels", "LoupeRandom", "LoupeTensor", "LoupeData", "LoupeSupport"],
            swiftSettings: optimized),
        .target(
            name: "LoupeData", dependencies: ["LoupeRandom", "LoupeTensor", "LoupeSupport", "CZlib", "CImageDecoding"],
            resources: [.copy("Resources/mnist-5k")], swiftSettings: optimized),
        .target(name: "LoupeReport", dependencies: ["LoupeSupport", "CZlib"], swiftSettings: optimized),
        .target(
            name: "LoupeCompress",
            dependencies: ["LoupeNN", "LoupeData", "LoupeRandom", "LoupeTensor", "LoupeKernels", "LoupeSupport"],
            swiftSettings: optimized),
        .target(
            name: "LoupeAudit", dependencies: ["LoupeData", "LoupeRandom", "LoupeSupport"], swiftSettings: optimized),
        .target(
            name: "LoupeAttribution",
            dependencies: ["LoupeNN", "LoupeRandom", "LoupeTensor", "LoupeData", "LoupeSupport"],
            swiftSettings: optimized),
        // ONNX files: reading and writing the format, and turning graphs into Loupe models.
        .target(
            name: "LoupeONNX",
            dependencies: [
                "LoupeNN", "LoupeTensor", "LoupeSupport", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Format/onnx-subset.proto"], swiftSettings: optimized),
        // Every workflow a command runs, callable from Swift without a process.
        .target(
            name: "LoupeWorkflows",
            dependencies: [
                "LoupeKernels", "LoupeTensor", "LoupeNN", "LoupeData", "LoupeRandom", "LoupeReport", "LoupeSupport",
                "LoupeCompress", "LoupeAudit", "LoupeAttribution", "LoupeONNX", "CLoupePlatform",
            ],
            swiftSettings: optimized),
        // Human review: verdicts appended to SQLite, agreement between reviewers, the review
        // queues read from output folders; free of the NN stack and of HTTP.
        .target(
            name: "LoupeReview",
            dependencies: ["LoupeSupport", "LoupeReport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: optimized),
        // `loupe review`: the web app over LoupeReview (Hummingbird), its page embedded in the binary.
        .target(
            name: "LoupeReviewServer",
            dependencies: [
                "LoupeReview", "LoupeWorkflows", "LoupeData", "LoupeReport", "LoupeSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Assets"], swiftSettings: optimized),
        .executableTarget(
            name: "loupe",
            dependencies: [
                "CLoupePlatform", "LoupeKernels", "LoupeTensor", "LoupeNN", "LoupeData", "LoupeRandom", "LoupeReport",
                "LoupeSupport", "LoupeCompress", "LoupeAudit", "LoupeAttribution", "LoupeWorkflows",
                "LoupeReviewServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "loupe-bench",
            dependencies: [
                "CLoupePlatform", "LoupeKernels", "LoupeNN", "LoupeData", "LoupeRandom", "LoupeSupport", "LoupeTensor",
                "LoupeCompress",
                "LoupeAudit", "LoupeONNX",
            ],
            path: "Benchmarks/loupe-bench", swiftSettings: optimized),
        .testTarget(name: "LoupeSupportTests", dependencies: ["LoupeSupport", "CLoupePlatform"]),
        .testTarget(name: "LoupeRandomTests", dependencies: ["LoupeRandom"]),
        .testTarget(name: "LoupeKernelsTests", dependencies: ["LoupeKernels"]),
        .testTarget(
            name: "LoupeTensorTests", dependencies: ["LoupeTensor", "LoupeKernels", "LoupeRandom", "LoupeSupport"]),
        .testTarget(
            name: "LoupeNNTests", dependencies: ["LoupeNN", "LoupeData", "LoupeRandom", "LoupeTensor", "LoupeSupport"]),
        .testTarget(name: "LoupeDataTests", dependencies: ["LoupeData", "LoupeRandom", "LoupeTensor", "LoupeSupport"]),
        .testTarget(name: "LoupeReportTests", dependencies: ["LoupeReport", "LoupeSupport"]),
        .testTarget(
            name: "LoupeCompressTests",
            dependencies: ["LoupeCompress", "LoupeNN", "LoupeTensor", "LoupeKernels", "LoupeData", "LoupeRandom"]),
        .testTarget(name: "LoupeAuditTests", dependencies: ["LoupeAudit", "LoupeData", "LoupeRandom", "LoupeSupport"]),
        .testTarget(
            name: "LoupeAttributionTests",
            dependencies: ["LoupeAttribution", "LoupeNN", "LoupeTensor", "LoupeData", "LoupeRandom", "LoupeSupport"]),
        .testTarget(
            name: "LoupeWorkflowsTests",
            dependencies: [
                "LoupeWorkflows", "LoupeAttribution", "LoupeData", "LoupeNN", "LoupeRandom", "LoupeSupport",
                "LoupeONNX", "LoupeCompress", "LoupeTensor", "LoupeReport",
            ],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "LoupeONNXTests",
            dependencies: ["LoupeONNX", "LoupeNN", "LoupeTensor", "LoupeData", "LoupeRandom", "LoupeSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "LoupeReviewTests", dependencies: ["LoupeReview", "LoupeSupport"]),
        .testTarget(
            name: "LoupeReviewServerTests",
            dependencies: [
                "LoupeReviewServer", "LoupeReview", "LoupeWorkflows", "LoupeData", "LoupeSupport",
            ]),
        .testTarget(name: "LoupeCLITests", dependencies: ["loupe"], exclude: ["HostileInputs"]),
        // Optimised like the libraries: the mutation engine runs 20,000 cases per `swift test`.
        .testTarget(
            name: "LoupeFuzzTests",
            dependencies: [
                "LoupeData", "LoupeNN", "LoupeTensor", "LoupeAudit", "LoupeReport", "LoupeAttribution", "LoupeONNX",
                "LoupeSupport",
            ],
            swiftSettings: optimized),
    ]
)
