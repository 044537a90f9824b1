// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for the pure parsers. Kept out of the root package so its normal builds never
// see the sanitizer flags; run.sh builds it with -sanitize=fuzzer,address (see FUZZING.md).
let targets = ["FuzzRequestHead", "FuzzFrames", "FuzzClientMessage", "FuzzForm", "FuzzToken", "FuzzVAPID", "FuzzWebPush", "FuzzConfig"]

let package = Package(
    name: "simplepush-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "simplepush", path: ".."),
    ],
    targets: [
        // The invariant check and libFuzzer's driver, shared by every target.
        .target(name: "FuzzSupport",
                // `@_extern(c)` declares libFuzzer's driver with the C calling convention.
                swiftSettings: [.enableExperimentalFeature("Extern")]),
    ] + targets.map { name in
        .executableTarget(
            name: name,
            dependencies: ["FuzzSupport", .product(name: "Parsers", package: "simplepush")])
    },
    swiftLanguageModes: [.v6]
)
