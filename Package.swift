// swift-tools-version: 6.0
//
// vtop-rollout: staged, plan-driven rollouts for clusters run by planetscale/vitess-operator.
// The target split follows docs/architecture.md: a pure core (VitessModel, RolloutPlan) and an I/O
// shell (CCurl, the executable). Dependencies point down only.
import PackageDescription

let package = Package(
    name: "vtop-rollout",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vtop-rollout", targets: ["vtop-rollout"]),
        .executable(name: "vtop-bench", targets: ["vtop-bench"]),
        .library(name: "RolloutPlan", targets: ["RolloutPlan"]),
        .library(name: "VitessModel", targets: ["VitessModel"]),
        .library(name: "RolloutEngine", targets: ["RolloutEngine"]),
        .library(name: "KubeClient", targets: ["KubeClient"]),
        .library(name: "RolloutRuntime", targets: ["RolloutRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        // Only the sandbox's emulated API server uses these (design §7): HTTP/1.1 and mTLS.
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        // Only the sandbox: `--tls` makes a throwaway CA and server and client certificates at start-up.
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.1.0"),
    ],
    targets: [
        // System library over libcurl (Debian: libcurl4-openssl-dev). shim.h gives typed wrappers
        // because curl_easy_setopt is variadic and cannot be called from Swift directly.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // Pure: operator kinds, annotation and label keys, names and UIDs, key ranges, the
        // Inventory, and snapshot decoding (Yams decodes `kubectl get -o yaml` dumps).
        .target(name: "VitessModel", dependencies: [.product(name: "Yams", package: "Yams")]),
        // Pure: YAML plan -> Plan with source locations, diagnostics, static validation, schema.
        .target(
            name: "RolloutPlan",
            dependencies: ["VitessModel", .product(name: "Yams", package: "Yams")]
        ),
        // Pure: status reports and explanations, live validation, the planner and the executor
        // state machine. It takes values and returns values; the shell does the I/O.
        .target(
            name: "RolloutEngine",
            dependencies: ["RolloutPlan", "VitessModel", .product(name: "Yams", package: "Yams")]
        ),
        // I/O: kubeconfig, auth, REST over libcurl, retries, watches. Yams reads kubeconfig YAML.
        .target(
            name: "KubeClient",
            dependencies: ["CCurl", "VitessModel", .product(name: "Yams", package: "Yams")]
        ),
        // I/O shell: loads the Inventory from the API server; later the executor's driver, state
        // stores and the Lease lock.
        .target(name: "RolloutRuntime", dependencies: ["KubeClient", "RolloutEngine", "VitessModel"]),
        // I/O: emulated Kubernetes API server and vitess-operator. It shares only plain types and the
        // operator's name and UID algorithms with the tool, never tool logic (design §8).
        .target(
            name: "VitessSandbox",
            dependencies: [
                "VitessModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .executableTarget(
            name: "vtop-rollout",
            dependencies: [
                "RolloutRuntime",
                "KubeClient",
                "RolloutEngine",
                "RolloutPlan",
                "VitessModel",
                "VitessSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Benchmarks (docs/performance.md): separate from the tests, which never time anything.
        .executableTarget(
            name: "vtop-bench",
            dependencies: [
                "KubeClient", "RolloutEngine", "RolloutPlan", "RolloutRuntime", "VitessModel", "VitessSandbox",
            ]
        ),
        .testTarget(name: "CCurlTests", dependencies: ["CCurl"]),
        .testTarget(name: "VitessModelTests", dependencies: ["VitessModel"], exclude: ["Fixtures"]),
        // Fixtures are read from the source tree (#filePath), so they need no resource bundle.
        .testTarget(
            name: "RolloutPlanTests", dependencies: ["RolloutPlan"], exclude: ["Fixtures", "Golden", "schema_check.py"]),
        .testTarget(name: "RolloutEngineTests", dependencies: ["RolloutEngine", "VitessSandbox"], exclude: ["Golden", "Fixtures"]),
        // Yams reads docs/examples/github-workflow.yml, so the test runs the steps the docs show. VitessSandbox
        // reads the sandbox's history (RolloutFacts), as the demo and the benchmarks do.
        .testTarget(
            name: "CLITests",
            dependencies: ["vtop-rollout", "vtop-bench", "VitessSandbox", .product(name: "Yams", package: "Yams")],
            exclude: ["Fixtures"]),
        .testTarget(name: "RolloutRuntimeTests", dependencies: ["RolloutRuntime"]),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient"], exclude: ["Fixtures"]),
        // KubeClient only to prove our own client works against the sandbox (TLS, pagination), as kubectl does.
        .testTarget(
            name: "VitessSandboxTests",
            dependencies: ["VitessSandbox", "VitessModel", "KubeClient", .product(name: "Yams", package: "Yams")],
            exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
