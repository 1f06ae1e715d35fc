import Testing

@testable import VitessSandbox

/// The `scheduled` text as the operator renders it: a strategic merge patch marshalled by yaml.v2
/// (`pkg/operator/reconciler/object.go` `describeDiff`; docs/operator-reference.md §C).
@Suite("scheduled text: strategic merge patch rendered by yaml.v2")
struct ScheduledTextTests {
    @Test(
        "Strings are quoted as yaml.v2 quotes them",
        arguments: [
            ("*", "'*'"), ("false", "\"false\""), ("true", "\"true\""), ("yes", "\"yes\""), ("on", "\"on\""),
            ("null", "\"null\""), ("~", "\"~\""), ("", "\"\""), ("8080", "\"8080\""), ("1.5", "\"1.5\""),
            ("0x1F", "\"0x1F\""), ("1e3", "\"1e3\""), ("plain", "plain"), ("vitess/lite:v22.0.0", "vitess/lite:v22.0.0"),
            ("a: b", "'a: b'"), ("a #b", "'a #b'"), ("-flag", "-flag"), ("- item", "'- item'"), (" lead", "' lead'"),
            ("@at", "'@at'"), ("%pct", "'%pct'"), ("it's", "it's"), ("{x}", "'{x}'"), ("1:20", "\"1:20\""),
            ("2001-12-14", "\"2001-12-14\""), ("10Gi", "10Gi"), ("100m", "100m"),
        ])
    func quoting(_ example: (text: String, rendered: String)) {
        #expect(ScheduledText.string(example.text) == example.rendered)
    }

    @Test("Map keys follow yaml.v2's order: non-letters first, digit runs as numbers")
    func keyOrder() {
        let keys = ["b", "a10", "a2", "A", "_x", "1"]
        // `_` and `1` are both non-letters: compared as numbers, `_x` (no digits, 0) comes before `1`.
        #expect(keys.sorted(by: ScheduledText.keyOrder) == ["_x", "1", "A", "a2", "a10", "b"])
    }

    @Test("A Pod's containers and init containers merge by name; only changed fields, with the key")
    func podPatch() {
        let current: JSON = [
            "spec": [
                "containers": [
                    ["name": "vttablet", "image": "v1", "args": ["--a=1"]], ["name": "mysqld", "image": "m1"],
                ],
                "initContainers": [["name": "init-vt-root", "image": "v1"]],
            ]
        ]
        var desired = current
        desired[path: ["spec", "containers"]] = [
            ["name": "vttablet", "image": "v2", "args": ["--a=1"]], ["name": "mysqld", "image": "m1"],
        ]
        desired[path: ["spec", "initContainers"]] = [["name": "init-vt-root", "image": "v2"]]
        let patch = ScheduledText.patch(from: current, to: desired, mergeKeys: ScheduledText.podMergeKeys)
        #expect(
            patch.map(ScheduledText.render) == """
                spec:
                  containers:
                  - image: v2
                    name: vttablet
                  initContainers:
                  - image: v2
                    name: init-vt-root

                """)
    }

    @Test("CRD lists are atomic, removed keys are null, equal objects give no patch")
    func crdPatch() {
        let current: JSON = ["images": ["vttablet": "v1", "vtorc": "v1"], "list": [1, 2], "gone": "x"]
        let desired: JSON = ["images": ["vttablet": "v2", "vtorc": "v1"], "list": [1, 3]]
        #expect(
            ScheduledText.describe(currentSpec: current, desiredSpec: desired) == """
                spec:
                  gone: null
                  images:
                    vttablet: v2
                  list:
                  - 1
                  - 3

                """)
        #expect(ScheduledText.describe(currentSpec: current, desiredSpec: current) == nil)
    }

    @Test("A removed element of a merged list is a $patch: delete entry")
    func deletedElement() {
        let current: JSON = ["containers": [["name": "a", "image": "x"], ["name": "b", "image": "y"]]]
        let desired: JSON = ["containers": [["name": "a", "image": "x"]]]
        let patch = ScheduledText.patch(from: current, to: desired, mergeKeys: ScheduledText.podMergeKeys)
        #expect(patch == ["containers": [["name": "b", "$patch": "delete"]]])
    }

    @Test("Multi-line strings are literal blocks")
    func literal() {
        #expect(ScheduledText.render(["a": "x\ny"]) == "a: |-\n  x\n  y\n")
    }
}
