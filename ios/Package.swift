// swift-tools-version:5.9
// The Doorstep core for iOS: the generated Swift bindings (Sources/DoorstepFFI,
// from scripts/gen-bindings.sh) over DoorstepFFI.xcframework (from
// ios/build-xcframework.sh, not committed: build it on a Mac first).
import PackageDescription

let package = Package(
    name: "DoorstepFFI",
    platforms: [.iOS(.v15)],
    products: [
        .library(name: "DoorstepFFI", targets: ["DoorstepFFI"]),
    ],
    targets: [
        .binaryTarget(name: "DoorstepFFIFFI", path: "DoorstepFFI.xcframework"),
        .target(
            name: "DoorstepFFI",
            dependencies: ["DoorstepFFIFFI"],
            path: "Sources/DoorstepFFI",
            exclude: ["DoorstepFFIFFI.h", "DoorstepFFIFFI.modulemap"]
        ),
    ]
)
