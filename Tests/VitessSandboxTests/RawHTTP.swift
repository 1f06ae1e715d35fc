import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny blocking HTTP/1.1 client over a loopback socket, so the tests exercise the server's real wire
/// format without depending on the tool's KubeClient.
struct RawHTTP {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: JSONValue { (try? JSONSerialization.jsonObject(with: body)).map(JSONValue.init) ?? .none }
    }

    /// A read-only view of parsed JSON for assertions.
    enum JSONValue {
        case none
        case value(Any)
        init(_ any: Any) { self = .value(any) }
        subscript(key: String) -> JSONValue {
            if case .value(let any) = self, let dict = any as? [String: Any], let next = dict[key] {
                return .value(next)
            }
            return .none
        }
        subscript(index: Int) -> JSONValue {
            if case .value(let any) = self, let list = any as? [Any], list.indices.contains(index) {
                return .value(list[index])
            }
            return .none
        }
        var string: String? { if case .value(let any) = self { any as? String } else { nil } }
        var int: Int? { if case .value(let any) = self { (any as? NSNumber)?.intValue } else { nil } }
        var count: Int { if case .value(let any) = self, let list = any as? [Any] { list.count } else { 0 } }
    }

    let port: Int

    func connect() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
        return fd
    }

    func send(_ fd: Int32, _ method: String, _ path: String, body: String?, contentType: String) {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let body {
            text += "Content-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        } else {
            text += "\r\n"
        }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, bytes.count) }
    }

    /// Sends one request and reads the whole response (the server closes after it).
    func request(
        _ method: String, _ path: String, body: String? = nil, contentType: String = "application/json"
    ) throws -> Response {
        let fd = try connect()
        defer { close(fd) }
        send(fd, method, path, body: body, contentType: contentType)
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return Self.parse(data)
    }

    /// Opens a watch and reads newline-delimited events until `until` says stop or the stream ends.
    func watch(_ path: String, until: ([String: Any]) -> Bool) throws -> [[String: Any]] {
        let fd = try connect()
        defer { close(fd) }
        send(fd, "GET", path, body: nil, contentType: "")
        var raw = Data()
        var events: [[String: Any]] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            raw.append(contentsOf: buffer[0..<count])
            events = Self.events(in: raw)
            if let last = events.last, until(last) { break }
        }
        return events
    }

    static func events(in raw: Data) -> [[String: Any]] {
        guard let split = raw.range(of: Data("\r\n\r\n".utf8)) else { return [] }
        let text = String(decoding: raw[split.upperBound...], as: UTF8.self)
        // "\r\n" is one Character in Swift, so normalise chunk framing before splitting into lines.
        return text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{") else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    static func parse(_ data: Data) -> Response {
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else {
            return Response(status: 0, headers: [:], body: Data())
        }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                    in: .whitespaces)
            }
        }
        return Response(status: status, headers: headers, body: Data(data[split.upperBound...]))
    }
}
