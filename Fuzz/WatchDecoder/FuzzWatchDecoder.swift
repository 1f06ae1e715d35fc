import Foundation

/// libFuzzer entry: a watch stream, split into chunks at arbitrary points, decodes into events or
/// `KubeError.malformedResponse`, never a crash. Compiled into the KubeClient module by
/// scripts/fuzz.sh, so it reaches the internal LineSplitter and WatchEventDecoding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWatchDecoder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(UnsafeBufferPointer(start: $0, count: size)) } ?? Data()
    // The first byte picks the chunk size, so the fuzzer also explores events split across reads.
    let chunk = max(1, Int(bytes.first ?? 64))
    var splitter = LineSplitter()
    var offset = bytes.startIndex
    while offset < bytes.endIndex {
        let end = min(offset + chunk, bytes.endIndex)
        for line in splitter.append(bytes[offset..<end]) {
            _ = try? WatchEventDecoding.decode(line)
        }
        offset = end
    }
    return 0
}
