import Foundation

/// libFuzzer entry: kubeconfig text is parsed and resolved to a connection the way `status` does,
/// and ends in a connection or a `KubeconfigError`, never a crash. File references resolve against
/// a directory that does not exist, so nothing outside the input is read. Compiled into the
/// KubeClient module by scripts/fuzz.sh, so it may use internal API.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKubeconfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(UnsafeBufferPointer(start: $0, count: size)) } ?? Data()
    guard let text = String(data: bytes, encoding: .utf8) else { return 0 }
    guard let config = try? Kubeconfig.parse(text, path: "fuzz", directory: "/nonexistent-vtop-fuzz") else {
        return 0
    }
    _ = Kubeconfig.merge([config, config])
    let environment = LoaderEnvironment(variables: [:], now: Date(timeIntervalSince1970: 1_800_000_000))
    _ = try? ConnectionLoader.resolve(config, options: ConnectionOptions(), environment: environment)
    return 0
}
