import CYaml

/// Composes plan text into a single `YAMLNode`, reporting every problem as a diagnostic.
///
/// It reads libyaml's events (through Yams' bundled `CYaml` module) with an explicit stack, so:
/// - nesting is bounded by libyaml's own limit and never recurses in Swift;
/// - aliases are shared, not copied, and their expanded size is capped (`maxExpandedNodes`);
/// - every duplicate key is reported, and the first occurrence is kept;
/// - a second document is reported, not silently ignored.
public struct YAMLComposer {
    /// The largest plan file accepted, in bytes. Real plans are a few kilobytes.
    public static let maxInputBytes = 1 << 20
    /// The most nodes a document may expand to once aliases are followed.
    public static let maxExpandedNodes = 100_000

    /// The outcome: the root node (nil when the document could not be composed) and the findings.
    public struct Result: Sendable {
        /// The composed root, if composition got that far.
        public var root: YAMLNode?
        /// Every problem found in the text.
        public var diagnostics: [Diagnostic]
    }

    /// Checks the raw bytes (size, binary content, UTF-8) and composes the YAML.
    public static func compose(_ bytes: [UInt8]) -> Result {
        if bytes.count > maxInputBytes {
            return Result(root: nil, diagnostics: [.inputTooLarge(bytes: bytes.count, limit: maxInputBytes)])
        }
        if let nul = bytes.firstIndex(of: 0) {
            return Result(root: nil, diagnostics: [.inputBinary(at: position(ofByte: nul, in: bytes))])
        }
        if let bad = firstInvalidUTF8Offset(bytes) {
            return Result(root: nil, diagnostics: [.inputInvalidUTF8(at: position(ofByte: bad, in: bytes))])
        }
        var composer = EventComposer()
        return composer.run(bytes)
    }

    /// The 1-based line and column of a byte offset, counting columns in Unicode scalars.
    static func position(ofByte offset: Int, in bytes: [UInt8]) -> SourcePosition {
        var line = 1
        var column = 1
        var i = 0
        while i < offset && i < bytes.count {
            if bytes[i] == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if bytes[i] & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return SourcePosition(line: line, column: column)
    }

    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}

/// One document being built from events.
private struct EventComposer {
    /// An open collection. A class, so appending to it never copies the collected children.
    private final class Frame {
        let isMapping: Bool
        let start: SourcePosition
        let anchor: String?
        let tag: String?
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        var pendingKey: YAMLNode?
        var merges: [YAMLNode] = []
        var keys: [String: SourcePosition] = [:]
        var weight = 1

        init(isMapping: Bool, start: SourcePosition, anchor: String?, tag: String?) {
            self.isMapping = isMapping
            self.start = start
            self.anchor = anchor
            self.tag = tag
        }
    }

    private var stack: [Frame] = []
    private var anchors: [String: YAMLNode] = [:]
    private var diagnostics: [Diagnostic] = []
    private var root: YAMLNode?

    /// Thrown internally to stop composing; the diagnostic is already recorded.
    private struct Stop: Error {}

    mutating func run(_ bytes: [UInt8]) -> YAMLComposer.Result {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return .init(root: nil, diagnostics: [.yamlSyntax("the YAML parser could not start", at: .start)])
        }
        defer { yaml_parser_delete(&parser) }
        var documents = 0
        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    diagnostics.append(Self.syntaxDiagnostic(parser))
                    return
                }
                defer { yaml_event_delete(&event) }
                let type = event.type
                if type == YAML_STREAM_END_EVENT { return }
                if type == YAML_DOCUMENT_START_EVENT {
                    documents += 1
                    if documents > 1 {
                        diagnostics.append(.multipleDocuments(at: Self.position(event.start_mark)))
                        return
                    }
                    continue
                }
                do {
                    try handle(&event)
                } catch {
                    return
                }
            }
        }
        if (documents == 0 || (root?.isNull ?? false)) && diagnostics.isEmpty {
            return .init(root: nil, diagnostics: [.emptyDocument()])
        }
        return .init(
            root: diagnostics.contains { $0.severity == .error && isFatal($0.id) } ? nil : root,
            diagnostics: diagnostics)
    }

    private func isFatal(_ id: DiagnosticID) -> Bool {
        [.yamlSyntax, .yamlNestingLimit, .yamlAliasLimit, .yamlUndefinedAlias, .planMultipleDocuments].contains(id)
    }

    private mutating func handle(_ event: inout yaml_event_t) throws {
        let start = Self.position(event.start_mark)
        switch event.type {
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text = Self.string(data.value, length: data.length) ?? ""
            let style: YAMLScalar.Style
            switch data.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE, YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .quoted
            case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: style = .block
            default: style = .plain
            }
            let node = YAMLNode(.scalar(YAMLScalar(text: text, style: style)), at: start, tag: Self.cString(data.tag))
            try add(node, anchor: Self.cString(data.anchor))
        case YAML_ALIAS_EVENT:
            let name = Self.cString(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                diagnostics.append(.undefinedAlias(name, at: start))
                throw Stop()
            }
            // Shared, not copied: diagnostics inside it point at the anchored text, but an
            // expansion limit is reported at the alias that crossed it.
            try add(target, anchor: nil, at: start)
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            stack.append(
                Frame(
                    isMapping: false, start: start, anchor: Self.cString(data.anchor),
                    tag: Self.cString(data.tag)))
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            stack.append(
                Frame(
                    isMapping: true, start: start, anchor: Self.cString(data.anchor),
                    tag: Self.cString(data.tag)))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return }
            if frame.isMapping {
                applyMerges(frame.merges, into: &frame.pairs)
                try add(YAMLNode(.mapping(frame.pairs), at: frame.start, tag: frame.tag), anchor: frame.anchor)
            } else {
                try add(YAMLNode(.sequence(frame.items), at: frame.start, tag: frame.tag), anchor: frame.anchor)
            }
        default:
            break
        }
    }

    /// YAML 1.1 merge keys (`<<: *defaults`): explicit keys win over merged ones.
    private mutating func applyMerges(_ merges: [YAMLNode], into pairs: inout [YAMLPair]) {
        var present = Set(pairs.map(\.name))
        for source in merges {
            let maps: [YAMLNode]
            if case .sequence(let items) = source.content { maps = items } else { maps = [source] }
            for map in maps {
                guard case .mapping(let merged) = map.content else {
                    diagnostics.append(
                        .yamlSyntax(
                            "a merge key (<<) needs a mapping or a list of mappings",
                            at: map.position))
                    continue
                }
                for pair in merged where !present.contains(pair.name) {
                    present.insert(pair.name)
                    pairs.append(pair)
                }
            }
        }
    }

    private mutating func add(_ node: YAMLNode, anchor: String?, at position: SourcePosition? = nil) throws {
        if let anchor { anchors[anchor] = node }
        guard let top = stack.last else {
            root = node
            return
        }
        top.weight = try checkedWeight(top.weight + node.weight, at: position ?? node.position)
        guard top.isMapping else {
            top.items.append(node)
            return
        }
        guard let key = top.pendingKey else {
            top.pendingKey = node
            return
        }
        top.pendingKey = nil
        guard case .scalar(let scalar) = key.content else {
            diagnostics.append(.complexKey(at: key.position))
            return
        }
        if scalar.text == "<<" && scalar.style == .plain {
            top.merges.append(node)
        } else if let first = top.keys[scalar.text] {
            diagnostics.append(.duplicateKey(scalar.text, at: key.position, first: first))
        } else {
            top.keys[scalar.text] = key.position
            top.pairs.append(YAMLPair(key: key, value: node))
        }
    }

    private mutating func checkedWeight(_ weight: Int, at position: SourcePosition) throws -> Int {
        if weight > YAMLComposer.maxExpandedNodes {
            diagnostics.append(.aliasLimit(limit: YAMLComposer.maxExpandedNodes, at: position))
            throw Stop()
        }
        return weight
    }

    private static func syntaxDiagnostic(_ parser: yaml_parser_t) -> Diagnostic {
        let problem = cString(parser.problem) ?? "invalid YAML"
        let context = cString(parser.context)
        let position = self.position(parser.problem_mark)
        if problem.contains("Maximum nesting level") || (context ?? "").contains("Maximum nesting level") {
            return .nestingLimit(at: position)
        }
        let message = context.map { "\(problem) \($0)" } ?? problem
        return .yamlSyntax(message, at: position)
    }

    private static func position(_ mark: yaml_mark_t) -> SourcePosition {
        SourcePosition(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private static func cString(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private static func cString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String? {
        guard let pointer else { return nil }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }
}
