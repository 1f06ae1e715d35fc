import Foundation
import RolloutPlan

/// Reads plan files for the commands: the I/O half of plan loading.
enum PlanFile {
    /// The file's bytes, or a diagnostic that says why they could not be read. Reading stops past
    /// the parser's size limit, so a huge file is never loaded whole.
    static func read(_ path: String) -> Result<[UInt8], Diagnostic> {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return .failure(
                Diagnostic(
                    .inputUnreadable, .error, "cannot read '\(path)': it is a directory; give plan files", at: nil,
                    path: .root))
        }
        // The real size, so a too-large file is reported with its size even though only the
        // first bytes past the limit are read.
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        if let size, size > YAMLComposer.maxInputBytes {
            return .failure(.inputTooLarge(bytes: size, limit: YAMLComposer.maxInputBytes))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "it cannot be read" : "it does not exist"
            return .failure(
                Diagnostic(
                    .inputUnreadable, .error, "cannot open '\(path)': \(reason)", at: nil,
                    path: .root))
        }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: YAMLComposer.maxInputBytes + 1) ?? Data()
            return .success([UInt8](data))
        } catch {
            return .failure(
                Diagnostic(
                    .inputUnreadable, .error, "cannot read '\(path)': \(error.localizedDescription)",
                    at: nil, path: .root))
        }
    }
}
