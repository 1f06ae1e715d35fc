#!/usr/bin/env python3
"""Regenerates docs/diagnostics.md: one section per diagnostic id, each with a failing example and
the real output of the built binary. Run from the repository root after `swift build`:

    python3 scripts/gen-diagnostics-doc.py > docs/diagnostics.md

Examples come from Tests/RolloutPlanTests/Fixtures (markers stripped) or are written below; live
examples run against Tests/RolloutEngineTests/Fixtures/upgrade-snapshot.yaml.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.getcwd()
BIN = os.path.join(ROOT, ".build/debug/vtop-rollout")
FIXTURES = os.path.join(ROOT, "Tests/RolloutPlanTests/Fixtures")
SNAPSHOT = os.path.join(ROOT, "Tests/RolloutEngineTests/Fixtures/upgrade-snapshot.yaml")
HEAD = "apiVersion: vtop-rollout/v1\nkind: RolloutPlan\nmetadata: {name: example}\nspec:\n  cluster: example\n  namespace: example\n"

# id: (severity, when, fix, example) where example is None (use a fixture), a plan text (live when it
# starts with "live:"), or ("bytes", python expression, description).
RULES = {
    "input.unreadable": ("error", "The plan file does not exist or cannot be read.", "Check the path and permissions.",
                         ("missing", None, "a path that does not exist")),
    "input.too-large": ("error", "The file is larger than 1 MiB. Plans select components; they are kilobytes.",
                        "Split the rollout into several plans, or remove generated content.",
                        ("bytes", "b'# ' + b'x' * (1 << 20)", "a 1 MiB comment")),
    "input.binary": ("error", "The file contains a NUL byte, so it is not text.", "Point the command at the YAML file.",
                     ("bytes", "b'apiVersion: v1\\x00\\x01\\x02'", "a file with NUL bytes")),
    "input.invalid-utf8": ("error", "The file is not valid UTF-8; the position of the first bad byte is given.",
                           "Save the file as UTF-8.", ("bytes", "b'name: caf\\xc3(\\n'", "the bytes C3 28")),
    "yaml.syntax": ("error", "libyaml cannot parse the text: unclosed brackets, tabs used for indentation, control characters.",
                    "Fix the YAML at the position shown.", None),
    "yaml.nesting-limit": ("error", "The document nests deeper than 1000 levels (libyaml's limit).",
                           "Plans never nest this deep; the file is not a plan.", ("bytes", "b'[' * 1100", "1100 nested `[`")),
    "yaml.alias-limit": ("error", "Aliases expand past 100,000 nodes: the shape of an alias bomb (\"billion laughs\").",
                         "Plans never need this; remove the aliases.",
                         ("bytes", "b'a0: &a0 [lol]\\n' + b''.join(b'a%d: &a%d [%s]\\n' % (i, i, b', '.join([b'*a%d' % (i - 1)] * 10)) for i in range(1, 12))",
                          "eleven levels of ten aliases each")),
    "yaml.undefined-alias": ("error", "An alias (`*name`) refers to no anchor defined before it.",
                             "Define the anchor (`&name`) first, or remove the alias.", None),
    "yaml.duplicate-key": ("error", "A mapping repeats a key. The first value is used and every repeat is reported.",
                           "Remove or merge the repeated key.", None),
    "yaml.complex-key": ("error", "A mapping key is a list or a mapping.", "Use plain scalar keys.", None),
    "plan.empty-document": ("error", "The file holds no document (only comments, or nothing).",
                            "Write a plan; `vtop-rollout plan schema` and `plans/` show the shape.", None),
    "plan.multiple-documents": ("error", "The file holds more than one YAML document (`---`).",
                                "Write one plan per file.", None),
    "plan.unsupported-api-version": ("error", "`apiVersion` is not `vtop-rollout/v1`.", "Use `apiVersion: vtop-rollout/v1`.", None),
    "plan.wrong-kind": ("error", "`kind` is not `RolloutPlan`.", "Use `kind: RolloutPlan`.", None),
    "plan.unknown-key": ("error", "A key the plan language does not define; the closest known key is suggested.",
                         "Fix the spelling, or see docs/plan-reference.md for the keys of each object.", None),
    "plan.missing-key": ("error", "A required key is absent.", "Add it.", None),
    "plan.wrong-type": ("error", "A value has the wrong YAML type. Numbers and booleans are never taken as text: quote them.",
                        "Use the type shown; quote values such as `\"0\"`.", None),
    "plan.unknown-value": ("error", "A value is not one of the allowed words; the closest one is suggested.",
                           "Use one of the listed values.", None),
    "plan.empty-list": ("error", "A list that must have items is empty (`stages`, a selector list).", "Add items or remove the key.", None),
    "plan.duplicate-value": ("warning", "A list repeats a value.", "Remove the repeat.", None),
    "plan.invalid-name": ("error", "A plan, stage or namespace name is not a lower-case DNS label (a cluster name: subdomain).",
                          "Use a-z, 0-9 and '-', at most 63 characters.", None),
    "plan.invalid-duration": ("error", "A duration is malformed, has no unit, is zero where it must be positive, or exceeds 30 days.",
                              "Write durations such as `90s`, `10m`, `1h30m`, `500ms`.", None),
    "plan.invalid-percentage": ("error", "A percentage is not a whole number from 1% to 100%.", "Write `25%`.", None),
    "plan.invalid-limit": ("error", "A `limit` count is zero or negative.", "Use a count of at least 1, or a percentage.", None),
    "plan.invalid-concurrency": ("error", "A `maxConcurrent` value is zero or negative.",
                                 "Use at least 1; to pause, add a gate stage.", None),
    "plan.invalid-key-range": ("error", "A shard name or key range is not a Vitess key range (even-length hex bounds, start before end).",
                               "Write ranges such as `-80`, `80-`, `40-80`, `-`.", None),
    "plan.invalid-tablet-alias": ("error", "A tablet is not written `cell-uid`.", "Write aliases such as `zone1-2548885007`.", None),
    "plan.invalid-regex": ("error", "A regular expression (`matches`, `bodyMatches`) does not compile.", "Fix the expression.", None),
    "plan.invalid-url": ("error", "An http check URL is not absolute http(s), names no host, has white space, or uses an unknown placeholder.",
                         "Use `https://host/path`, with placeholders from docs/plan-reference.md.", None),
    "plan.invalid-status": ("error", "An `expectStatus` is outside 100-599.", "Use a real HTTP status.", None),
    "plan.empty-command": ("error", "A command check has no program (`argv` empty, or an empty `argv[0]`).",
                           "Give the program and its arguments as a list; no shell is involved.", None),
    "plan.invalid-time-window": ("error", "A window time is not `HH:MM` UTC, or a range is empty.", "Write `\"09:00\"` to `\"17:00\"`.", None),
    "plan.duplicate-stage": ("error", "Two stages share a name.", "Rename one; names are step ids and `plan approve` targets.", None),
    "plan.unknown-dependency": ("error", "`dependsOn` names a stage that does not exist; the closest name is suggested.",
                                "Fix the name.", None),
    "plan.dependency-cycle": ("error", "Stage dependencies form a cycle, shown in \"depends on\" order.", "Break the cycle.", None),
    "plan.choice-missing": ("error", "A stage is neither `release` nor `gate`, or a gate or health check names no kind.",
                            "Add exactly one of the listed keys.", None),
    "plan.choice-conflict": ("error", "A stage, gate or health check names more than one kind.",
                             "Keep one; split the rest into their own stages or checks.", None),
    "plan.selector-not-applicable": ("error", "A selector key cannot apply to what the stage releases (it would silently select everything).",
                                     "Remove it, or release a kind the key applies to.", None),
    "plan.option-not-applicable": ("warning", "A stage option or check has no effect for what the stage releases.",
                                   "Remove it, or move it to a stage where it applies.", None),
    "plan.tablet-order": ("error", "`tabletOrder` lists `primary`, `other`, or a role twice. The primary is always last.",
                          "List only `rdonly` and `replica`.", None),
    "plan.etcd-concurrency": ("error", "An etcdMembers stage asks for more than one member at a time.",
                              "Remove `maxConcurrent` or set `total: 1`; quorum needs one at a time.", None),
    "plan.soak-exceeds-timeout": ("warning", "A stage's soak is at least its timeout, so it times out while soaking.",
                                  "Raise `timeout` or shorten `soak`.", None),
    "live.cluster-not-found": ("error", "`spec.cluster` is not a VitessCluster in the namespace.", "Fix the name or the namespace.",
                               "live:" + HEAD.replace("cluster: example", "cluster: exmaple") + "  stages: [{name: all, release: tablets}]\n"),
    "live.not-external": ("error", "The cluster's updateStrategy is not External, so the operator ignores `released`.",
                          "Set `spec.updateStrategy.type: External` on the VitessCluster.", "live-immediate:" + HEAD + "  stages: [{name: all, release: tablets}]\n"),
    "live.cluster-not-observed": ("warning", "The operator has not reconciled the VitessCluster's latest spec; more may become pending.",
                                  "Wait until `status.observedGeneration` equals `metadata.generation`.", "live-lagging:" + HEAD + "  stages: [{name: all, release: tablets}]\n"),
    "live.unknown-keyspace": ("error", "A selector names a keyspace that does not exist.", "Fix the name.",
                              "live:" + HEAD + "  stages: [{name: a, release: tablets, select: {keyspace: comerce}}]\n"),
    "live.unknown-shard": ("error", "A selector names a shard that does not exist (in the selected keyspaces).", "Fix the name.",
                           "live:" + HEAD + "  stages: [{name: a, release: tablets, select: {keyspace: customer, shard: \"-80\"}}]\n"),
    "live.unknown-cell": ("error", "A selector names a cell that does not exist.", "Fix the name.",
                          "live:" + HEAD + "  stages: [{name: a, release: cells, select: {cell: zone3}}]\n"),
    "live.unknown-tablet": ("error", "A selector names a tablet that does not exist.", "Fix the alias.",
                            "live:" + HEAD + "  stages: [{name: a, release: tablets, select: {tablet: zone1-0000000999}}]\n"),
    "live.unknown-object": ("error", "A selector names a Deployment or etcd Pod that does not exist.", "Fix the name.",
                            "live:" + HEAD + "  stages: [{name: a, release: deployments, select: {name: example-zone1-vtctld}}]\n"),
    "live.selector-matches-nothing": ("warning", "A stage releases nothing: its selector matches nothing that is or will be pending, or only what earlier stages release.",
                                      "Check the selector against `vtop-rollout status`.",
                                      "live:" + HEAD + "  stages:\n    - {name: all, release: tablets}\n    - {name: again, release: tablets, select: {keyspace: commerce}}\n"),
    "live.limit-resolves-to-zero": ("warning", "A stage's `limit` leaves it nothing to release.", "Remove the stage or its limit.",
                                    "live:" + HEAD + "  stages:\n    - {name: all, release: cells}\n    - {name: one-more, release: cells, select: {limit: 1}}\n"),
    "live.uncovered-change": ("warning", "Pending changes that no stage releases, one finding per kind; an error with `requireFullCoverage: true`.",
                              "Add stages for them, or accept that they stay pending.",
                              "live:" + HEAD + "  stages: [{name: cells, release: cells}]\n"),
    "live.expect-failed": ("error", "An `expect` guard does not hold for an object's pending `scheduled` text; the note shows the actual text.",
                           "Check what changed in the VitessCluster since the plan was reviewed.",
                           "live:" + HEAD + "  expect:\n    - {kind: keyspaces, contains: \"vitess/lite:v19.0.0\"}\n  stages: [{name: all, release: tablets}]\n"),
    "live.expect-matches-nothing": ("warning", "An `expect` guard selects no pending object, so it checks nothing.",
                                    "Fix its `kind` or selector.",
                                    "live:" + HEAD + "  expect:\n    - {kind: etcdMembers, contains: image}\n  stages: [{name: all, release: tablets}]\n"),
    "live.primary-without-candidate": ("error", "A stage releases the primary of a shard with fewer than two master-eligible tablets; a warning with `--allow-downtime`.",
                                       "Add a replica, or accept the downtime with `--allow-downtime`.", "live-lone:" + HEAD + "  stages: [{name: commerce, release: tablets, select: {keyspace: commerce}}]\n"),
    "live.primary-not-last": ("error", "A primary would be released by a stage that does not run after every stage releasing other tablets of its shard.",
                              "Select primaries in a later stage (`role: primary`), or order the stages.",
                              "live:" + HEAD + "  stages:\n    - {name: zone1, release: tablets, select: {cell: zone1}}\n    - {name: zone2, release: tablets, select: {cell: zone2}}\n"),
}


def focus(output, rule):
    """Keeps the blocks of `rule` (and the summary line when nothing else was dropped)."""
    blocks, current = [], []
    for line in output.splitlines():
        if re.match(r"^\S+:\d+:\d+: |^\S+: (error|warning|note)\[", line) or re.match(r"^\S+: (in)?valid \(", line):
            if current:
                blocks.append(current)
            current = [line]
        else:
            current.append(line)
    if current:
        blocks.append(current)
    kept = [b for b in blocks if "[%s]" % rule in b[0]]
    summary = [b for b in blocks if re.match(r"^\S+: (in)?valid \(", b[0])]
    dropped = len(blocks) - len(kept) - len(summary)
    lines = [l for b in kept for l in b]
    if dropped:
        lines.append("(%d other finding%s omitted)" % (dropped, "" if dropped == 1 else "s"))
    else:
        lines += [l for b in summary for l in b]
    return "\n".join(lines) if kept else output


def strip_fixture(text):
    lines = [l for l in text.splitlines(True) if not l.startswith("# expect «") and not l.startswith("# schema:")]
    return re.sub(r"«\d+»", "", "".join(lines))


def fixture_for(rule):
    for name in sorted(os.listdir(FIXTURES)):
        if name.startswith(("invalid-", "warn-")):
            text = open(os.path.join(FIXTURES, name), encoding="utf-8").read()
            if re.search(r"^# expect «\d+» %s$" % re.escape(rule), text, re.M):
                return strip_fixture(text)
    return None


def run(args, cwd):
    out = subprocess.run([BIN] + args, cwd=cwd, capture_output=True, text=True)
    return (out.stdout + out.stderr).rstrip("\n")


def snapshot_variant(kind, tmp):
    text = open(SNAPSHOT, encoding="utf-8").read()
    if kind == "live-immediate":
        text = text.replace("    updateStrategy:\n      type: External", "    updateStrategy:\n      type: Immediate")
    elif kind == "live-lagging":
        text = text.replace("  status:\n    observedGeneration: 2", "  status:\n    observedGeneration: 1", 1)
    elif kind == "live-lone":
        text = text.replace("    - cell: zone1\n      type: replica\n      replicas: 2", "    - cell: zone1\n      type: replica\n      replicas: 1", 1)
        text = text.replace("    - cell: zone2\n      type: replica\n      replicas: 1", "    - cell: zone2\n      type: rdonly\n      replicas: 1", 1)
    path = os.path.join(tmp, "snapshot.yaml")
    open(path, "w", encoding="utf-8").write(text)
    return path


def example(rule, spec):
    with tempfile.TemporaryDirectory() as tmp:
        if isinstance(spec, tuple):
            kind, expression, description = spec
            if kind == "missing":
                return description, None, run(["plan", "validate", "--offline", "plan.yaml"], tmp)
            open(os.path.join(tmp, "plan.yaml"), "wb").write(eval(expression))
            return description, None, run(["plan", "validate", "--offline", "plan.yaml"], tmp)
        text = spec if spec is not None else fixture_for(rule)
        live = None
        if text.startswith("live"):
            live, text = text.split(":", 1)
        open(os.path.join(tmp, "plan.yaml"), "w", encoding="utf-8").write(text)
        if live:
            snapshot = snapshot_variant(live, tmp)
            return None, text, run(["plan", "validate", "--snapshot", snapshot, "plan.yaml"], tmp).replace(tmp + "/", "")
        return None, text, run(["plan", "validate", "--offline", "plan.yaml"], tmp)


ids = [l.split('"')[1] for l in open(os.path.join(ROOT, "Sources/RolloutPlan/DiagnosticID.swift"))
       if "DiagnosticID(rawValue:" in l]
ids += [l.split('"')[1] for l in open(os.path.join(ROOT, "Sources/RolloutEngine/LiveDiagnostics.swift"))
        if "DiagnosticID(rawValue:" in l]
missing = [i for i in ids if i not in RULES]
if missing:
    sys.exit("no description for: " + ", ".join(missing))

def json_example():
    with tempfile.TemporaryDirectory() as tmp:
        open(os.path.join(tmp, "plan.yaml"), "w", encoding="utf-8").write(
            HEAD + "  stages:\n    - name: canary\n      release: tablets\n      selct: {keyspace: commerce}\n")
        return run(["plan", "validate", "--offline", "-o", "json", "plan.yaml"], tmp)


intro = open(os.path.join(ROOT, "scripts/diagnostics-intro.md"), encoding="utf-8").read().rstrip("\n")
print(intro.replace("{{JSON_EXAMPLE}}", json_example()))
for rule in ids:
    severity, when, fix, spec = RULES[rule]
    description, text, output = example(rule, spec)
    print("\n## %s\n" % rule)
    print("**%s.** %s\n" % (severity.capitalize(), when))
    if description:
        print("Example: %s.\n" % description)
    if text is not None:
        print("```yaml\n%s```\n" % (text if text.endswith("\n") else text + "\n"))
    print("```text\n%s\n```\n" % focus(output, rule))
    print("**Fix:** %s" % fix)
