import Foundation

/// Reads the `notAfter` date of the first certificate in a PEM bundle with a minimal DER walk, so an
/// expired client certificate is reported by date before any TLS handshake fails obscurely.
enum X509Validity {
    /// The first certificate's `notAfter`, or nil if the PEM cannot be read.
    static func notAfter(pem: Data) -> Date? {
        guard let der = firstCertificateDER(pem) else { return nil }
        var reader = DERReader(bytes: [UInt8](der))
        // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serial, signature,
        // issuer, validity SEQUENCE { notBefore, notAfter }, ... }, ... }
        guard var certificate = reader.enter(tag: 0x30), var tbs = certificate.enter(tag: 0x30) else { return nil }
        if tbs.peekTag == 0xA0 { _ = tbs.skip() }
        guard tbs.skip(), tbs.skip(), tbs.skip(), var validity = tbs.enter(tag: 0x30), validity.skip() else {
            return nil
        }
        guard let (tag, content) = validity.read() else { return nil }
        return parseTime(tag: tag, text: String(decoding: content, as: UTF8.self))
    }

    private static func firstCertificateDER(_ pem: Data) -> Data? {
        let text = String(decoding: pem, as: UTF8.self)
        guard let begin = text.range(of: "-----BEGIN CERTIFICATE-----"),
            let end = text.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<text.endIndex)
        else { return nil }
        return Data(base64Encoded: String(text[begin.upperBound..<end.lowerBound]), options: .ignoreUnknownCharacters)
    }

    /// Parses an ASN.1 UTCTime (tag 0x17) or GeneralizedTime (tag 0x18) in UTC.
    static func parseTime(tag: UInt8, text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        switch tag {
        case 0x17:  // UTCTime: YYMMDDHHMMSSZ, years 50-99 are 19xx.
            guard text.count >= 12, let year = Int(text.prefix(2)) else { return nil }
            formatter.dateFormat = "yyyyMMddHHmmss"
            return formatter.date(from: "\(year >= 50 ? 1900 + year : 2000 + year)" + text.dropFirst(2).prefix(10))
        case 0x18:  // GeneralizedTime: YYYYMMDDHHMMSSZ.
            formatter.dateFormat = "yyyyMMddHHmmss"
            return formatter.date(from: String(text.prefix(14)))
        default:
            return nil
        }
    }
}

/// A forward-only reader over DER tag-length-value items.
struct DERReader {
    private let bytes: [UInt8]
    private var position: Int
    private let end: Int

    /// Reads the whole buffer.
    init(bytes: [UInt8]) {
        self.init(bytes: bytes, start: 0, end: bytes.count)
    }

    private init(bytes: [UInt8], start: Int, end: Int) {
        self.bytes = bytes
        self.position = start
        self.end = end
    }

    /// The tag of the next item, without consuming it.
    var peekTag: UInt8? { position < end ? bytes[position] : nil }

    private mutating func header() -> (tag: UInt8, start: Int, length: Int)? {
        guard position + 2 <= end else { return nil }
        let tag = bytes[position]
        var length = Int(bytes[position + 1])
        var cursor = position + 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count > 0, count <= 4, cursor + count <= end else { return nil }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[cursor])
                cursor += 1
            }
        }
        guard cursor + length <= end else { return nil }
        return (tag, cursor, length)
    }

    /// Consumes the next item and returns its tag and contents.
    mutating func read() -> (UInt8, ArraySlice<UInt8>)? {
        guard let (tag, start, length) = header() else { return nil }
        position = start + length
        return (tag, bytes[start..<(start + length)])
    }

    /// Consumes the next item; false when none is left.
    mutating func skip() -> Bool { read() != nil }

    /// Consumes the next item if it has tag `expected` and returns a reader over its contents.
    mutating func enter(tag expected: UInt8) -> DERReader? {
        guard let (tag, start, length) = header(), tag == expected else { return nil }
        position = start + length
        return DERReader(bytes: bytes, start: start, end: start + length)
    }
}
