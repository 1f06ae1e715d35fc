import Foundation
import RolloutPlan
import Testing

/// The JSON Schema and the decoder accept the same language.
@Suite struct SchemaTests {
    static let schemaURL = Repo.root.appendingPathComponent("schemas/rollout-plan.schema.json")

    @Test func embeddedSchemaIsTheCheckedInFile() {
        #expect(
            PlanSchema.json + "\n" == Repo.text(Self.schemaURL),
            "run scripts/embed-schema.sh after editing schemas/rollout-plan.schema.json")
    }

    @Test func schemaPropertiesMatchTheDecoderKeyTables() throws {
        let object = try JSONSerialization.jsonObject(with: Data(PlanSchema.json.utf8)) as? [String: Any]
        let schema = try #require(object)
        let defs = try #require(schema["$defs"] as? [String: [String: Any]])
        for (name, keys) in PlanKeys.bySchemaDefinition {
            let definition = name == "#" ? schema : defs[name]
            let properties =
                try #require(definition, "schema has no definition '\(name)'")["properties"]
                as? [String: Any] ?? [:]
            #expect(Set(properties.keys) == Set(keys), "definition '\(name)' and PlanKeys disagree")
        }
        // Every closed object in the schema must be covered, so a new definition cannot drift.
        for (name, definition) in defs where definition["additionalProperties"] as? Bool == false {
            #expect(PlanKeys.bySchemaDefinition[name] != nil, "PlanKeys has no table for schema definition '\(name)'")
        }
    }

    @Test func everyExamplePlanDeclaresTheSchema() {
        for name in Repo.files(in: Repo.root.appendingPathComponent("plans")) {
            let text = Repo.text(Repo.root.appendingPathComponent("plans/\(name)"))
            #expect(text.hasPrefix("# yaml-language-server: $schema=../schemas/rollout-plan.schema.json\n"), "\(name)")
        }
    }

    /// Python's jsonschema validates every example plan and valid fixture, and agrees with each
    /// invalid fixture's `# schema:` verdict.
    @Test func pythonJSONSchemaAgreesWithTheDecoder() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("vtop-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        var expected: [String: String] = [:]
        for name in Repo.files(in: Repo.root.appendingPathComponent("plans")) {
            expected[Repo.root.appendingPathComponent("plans/\(name)").path] = "accept"
        }
        for name in Repo.files(in: Repo.fixtures) {
            let fixture = MarkedFixture(Repo.text(Repo.fixtures.appendingPathComponent(name)))
            let verdict = name.hasPrefix("valid-") ? "accept" : fixture.schemaVerdict
            guard verdict != "n/a" else { continue }
            let file = tmp.appendingPathComponent(name)
            try fixture.text.write(to: file, atomically: true, encoding: .utf8)
            expected[file.path] = verdict
        }
        let script = Repo.root.appendingPathComponent("Tests/RolloutPlanTests/schema_check.py").path
        guard let output = try runPython([script, Self.schemaURL.path] + expected.keys.sorted()) else { return }
        let verdicts = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: String])
        #expect(verdicts.count == expected.count)
        for (file, want) in expected.sorted(by: { $0.key < $1.key }) {
            let got = verdicts[file] ?? "missing"
            let name = URL(fileURLWithPath: file).lastPathComponent
            if want == "accept" {
                #expect(got == "valid", "\(name): schema says \(got)")
            } else {
                #expect(got.hasPrefix("invalid"), "\(name): the decoder rejects it but the schema says \(got)")
            }
        }
    }

    /// Runs python3; returns nil (and records why) when python3, jsonschema or PyYAML is missing.
    private func runPython(_ arguments: [String]) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            print("skipping the Python schema check: python3 is not available")
            return nil
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 3 || process.terminationStatus == 127 {
            print("skipping the Python schema check: \(errors)")
            return nil
        }
        try #require(process.terminationStatus == 0, "schema_check.py failed: \(errors)")
        return String(decoding: data, as: UTF8.self)
    }
}
