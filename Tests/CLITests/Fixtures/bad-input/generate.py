#!/usr/bin/env python3
"""Writes the bad-input corpus (plans/, kubeconfigs/, state-files/).

The files are checked in; this script documents how the binary ones were made and re-creates them:
    python3 Tests/CLITests/Fixtures/bad-input/generate.py
state-files/ is derived from valid-state.json (a real checkpoint written by `plan apply` against the
sandbox, stopped at its approval gate). manifest.json, the expectations, is edited by hand.
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = "apiVersion: vtop-rollout/v1\nkind: RolloutPlan\nmetadata: {name: bad}\nspec:\n  cluster: example\n"


def write(kind, name, data):
    os.makedirs(os.path.join(HERE, kind), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(HERE, kind, name), "wb") as f:
        f.write(data)


def stages(body):
    return HEADER + "  stages:\n" + body


def plans():
    p = lambda name, data: write("plans", name, data)
    p("empty.yaml", b"")
    p("whitespace-only.yaml", "   \n\n  \n")
    p("comment-only.yaml", "# nothing but a comment\n")
    p("truncated-flow.yaml", HEADER + "  stages: [{name: a, release: tablets, select: {keyspace: comm")
    p("truncated-quoted.yaml", HEADER + '  stages:\n    - name: "a\n      release: tablets\n')
    p("truncated-mid-key.yaml", HEADER + "  stages:\n    - name: a\n      relea")
    p("tab-indentation.yaml", HEADER + "  stages:\n\t- name: a\n\t  release: tablets\n")
    rnd = random.Random(9)
    p("binary-junk.yaml", bytes(rnd.randrange(256) for _ in range(2048)))
    p("invalid-utf8.yaml", HEADER.encode() + b"  stages:\n    - name: caf\xc3\x28\n      release: tablets\n")
    p("utf8-bom-with-error.yaml", b"\xef\xbb\xbf" + stages("    - name: a\n      release: tablets\n      selct: {}\n").encode())
    p("utf16-bom.yaml", b"\xff\xfe" + stages("    - {name: a, release: tablets}\n").encode("utf-16-le"))
    p("nul-byte.yaml", HEADER.encode() + b"  stages:\n    - name: a\x00b\n      release: tablets\n")
    p("wrong-kind.yaml", HEADER.replace("RolloutPlan", "Deployment") + "  stages: [{name: a, release: tablets}]\n")
    p("unknown-api-version.yaml", HEADER.replace("vtop-rollout/v1", "vtop-rollout/v9") + "  stages: [{name: a, release: tablets}]\n")
    p("missing-api-version.yaml", "\n".join(HEADER.split("\n")[1:]) + "  stages: [{name: a, release: tablets}]\n")
    p("root-is-sequence.yaml", "- apiVersion: vtop-rollout/v1\n- kind: RolloutPlan\n")
    p("root-is-scalar.yaml", "just a sentence\n")
    p("stages-is-string.yaml", HEADER + "  stages: all of them\n")
    p("stage-name-is-list.yaml", stages("    - name: [a, b]\n      release: tablets\n"))
    p("huge-concurrency.yaml", stages("    - name: a\n      release: tablets\n      maxConcurrent: {shards: 99999999999999999999999999}\n"))
    p("float-limit.yaml", stages("    - name: a\n      release: tablets\n      select: {limit: 1e400}\n"))
    p("negative-duration.yaml", stages("    - name: a\n      release: tablets\n      soak: -5m\n"))
    p("invalid-duration.yaml", stages("    - name: a\n      release: tablets\n      soak: five minutes\n"))
    p("huge-duration.yaml", stages("    - name: a\n      release: tablets\n      timeout: 99999999999999999999h\n"))
    p("dependency-cycle-three.yaml", stages(
        "    - {name: a, release: tablets, dependsOn: c}\n"
        "    - {name: b, release: cells, dependsOn: a}\n"
        "    - {name: c, release: keyspaces, dependsOn: b}\n"))
    p("self-dependency.yaml", stages("    - {name: a, release: tablets, dependsOn: a}\n"))
    p("duplicate-stage-names.yaml", stages("    - {name: a, release: tablets}\n    - {name: a, release: cells}\n"))
    p("unknown-dependency.yaml", stages("    - {name: a, release: tablets, dependsOn: nowhere}\n"))
    p("deep-flow-nesting.yaml", HEADER + "  stages: " + "[" * 50000 + "\n")
    p("deep-block-nesting.yaml", HEADER + "".join(" " * (i + 2) + "k:\n" for i in range(1200)))
    laughs = "a0: &a0 [\"lol\"]\n" + "".join(
        "a%d: &a%d [%s]\n" % (i, i, ", ".join(["*a%d" % (i - 1)] * 10)) for i in range(1, 12))
    p("alias-bomb.yaml", laughs)
    p("undefined-alias.yaml", stages("    - name: *nothing\n      release: tablets\n"))
    p("two-documents.yaml", stages("    - {name: a, release: tablets}\n") + "---\n" + HEADER)
    p("duplicate-key.yaml", HEADER + "  cluster: other\n  stages: [{name: a, release: tablets}]\n")
    p("unknown-health-check.yaml", stages("    - name: a\n      release: tablets\n      healthChecks: [{pingEverything: {}}]\n"))
    p("empty-command-check.yaml", stages("    - name: a\n      release: tablets\n      healthChecks: [{command: {argv: []}}]\n"))
    p("unknown-release.yaml", stages("    - {name: a, release: databases}\n"))
    p("huge-scalar.yaml", stages("    - name: " + "x" * 300000 + "\n      release: tablets\n"))
    p("gate-two-kinds.yaml", stages("    - name: g\n      gate: {approval: {message: ok}, wait: {duration: 1m}}\n"))
    p("ruby-tag.yaml", stages("    - !ruby/object:Stage {name: a, release: tablets}\n"))
    p("crlf-with-error.yaml", stages("    - name: a\n      release: tablets\n      selct: {}\n").replace("\n", "\r\n"))
    p("control-character.yaml", stages("    - name: a\x07b\n      release: tablets\n"))


def kubeconfigs():
    def kc(name, text):
        write("kubeconfigs", name, text)
    cluster = "clusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\n"
    user = "users:\n- name: u\n  user: {token: abc}\n"
    ctx = "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
    base = "apiVersion: v1\nkind: Config\n"
    kc("empty-file.yaml", "")
    kc("missing-current-context.yaml", base + cluster + user + ctx)
    kc("unknown-context.yaml", base + cluster + user + ctx + "current-context: nowhere\n")
    kc("missing-cluster.yaml", base + user + ctx + "current-context: x\n")
    kc("missing-user.yaml", base + cluster + ctx + "current-context: x\n")
    kc("missing-server.yaml", base + "clusters:\n- name: c\n  cluster: {}\n" + user + ctx + "current-context: x\n")
    kc("bad-base64-ca.yaml", base + "clusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1', certificate-authority-data: '!!not base64!!'}\n" + user + ctx + "current-context: x\n")
    kc("bad-base64-client-cert.yaml", base + cluster + "users:\n- name: u\n  user: {client-certificate-data: '%%%', client-key-data: '%%%'}\n" + ctx + "current-context: x\n")
    kc("nonexistent-ca-file.yaml", base + "clusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1', certificate-authority: /nonexistent/ca.crt}\n" + user + ctx + "current-context: x\n")
    kc("nonexistent-client-cert.yaml", base + cluster + "users:\n- name: u\n  user: {client-certificate: /nonexistent/client.crt, client-key: /nonexistent/client.key}\n" + ctx + "current-context: x\n")
    kc("cert-without-key.yaml", base + cluster + "users:\n- name: u\n  user: {client-certificate-data: 'aGVsbG8='}\n" + ctx + "current-context: x\n")
    kc("exec-plugin-missing.yaml", base + cluster + "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: vtop-no-such-auth-plugin\n      installHint: install the vtop test plugin\n" + ctx + "current-context: x\n")
    kc("exec-wrong-api-version.yaml", base + cluster + "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1alpha1\n      command: /bin/true\n" + ctx + "current-context: x\n")
    kc("legacy-auth-provider.yaml", base + cluster + "users:\n- name: u\n  user:\n    auth-provider: {name: gcp}\n" + ctx + "current-context: x\n")
    kc("wrong-api-version.yaml", "apiVersion: v2\nkind: Config\n" + cluster + user + ctx + "current-context: x\n")
    kc("wrong-kind.yaml", "apiVersion: v1\nkind: Pod\n" + cluster + user + ctx + "current-context: x\n")
    kc("invalid-yaml.yaml", base + "clusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'\n")
    kc("tab-indentation.yaml", base + "clusters:\n\t- name: c\n")
    kc("clusters-is-mapping.yaml", base + "clusters: {c: {server: 'https://127.0.0.1:1'}}\n" + user + ctx + "current-context: x\n")
    kc("binary-junk.yaml", bytes(random.Random(7).randrange(256) for _ in range(1024)))
    kc("insecure-with-ca.yaml", base + "clusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true, certificate-authority-data: 'aGVsbG8='}\n" + user + ctx + "current-context: x\n")


def state_files():
    base = json.load(open(os.path.join(HERE, "state-files", "valid-state.json")))
    text = json.dumps(base, indent=2, sort_keys=True)

    def st(name, data):
        write("state-files", name, data)

    def variant(name, edit):
        doc = json.loads(text)
        edit(doc)
        st(name, json.dumps(doc, indent=2, sort_keys=True))

    st("empty.json", b"")
    st("whitespace-only.json", "  \n")
    st("truncated.json", text[: len(text) // 2])
    st("not-an-object.json", "[1, 2, 3]\n")
    st("yaml-not-json.json", "apiVersion: vtop-rollout/state-v1\nstatus: running\n")
    st("binary-junk.json", bytes(random.Random(11).randrange(256) for _ in range(1024)))
    st("invalid-utf8.json", text.replace('"upgrade-v18"', '"upgrade-\udcff"', 1).encode("utf-8", "surrogateescape"))
    st("utf8-bom.json", b"\xef\xbb\xbf" + text.replace("state-v1", "state-v0").encode())
    st("trailing-garbage.json", text + "\n}}} not json\n")
    st("deeply-nested.json", '{"apiVersion": "vtop-rollout/state-v1", "plan": ' + "[" * 100000 + "]" * 100000 + "}")
    variant("wrong-api-version.json", lambda d: d.update(apiVersion="vtop-rollout/v1"))
    variant("future-version.json", lambda d: d.update(apiVersion="vtop-rollout/state-v2"))
    variant("missing-api-version.json", lambda d: d.pop("apiVersion"))
    variant("api-version-number.json", lambda d: d.update(apiVersion=1))
    variant("missing-graph.json", lambda d: d.pop("graph"))
    variant("missing-steps.json", lambda d: d.pop("steps"))
    variant("status-is-number.json", lambda d: d.update(status=3))
    variant("unknown-status.json", lambda d: d.update(status="sleeping"))
    variant("unknown-phase.json", lambda d: d["steps"]["keyspace/customer"].update(phase="halfway"))
    variant("bad-timestamp.json", lambda d: d.update(createdAt="yesterday at noon"))
    variant("steps-is-array.json", lambda d: d.update(steps=[]))
    variant("graph-hash-mismatch.json", lambda d: d.update(graphHash="0" * 64))
    variant("unknown-step-kind.json", lambda d: d["graph"]["steps"][0].update(kind="releaseEverything"))
    variant("invalid-duration.json", lambda d: d["graph"]["steps"][0].update(timeout="forever"))
    variant("huge-number.json", lambda d: d["graph"]["capacities"].update({"shard:commerce/-": 10 ** 400}))
    variant("negative-capacity.json", lambda d: d["graph"]["capacities"].update({"shard:commerce/-": -1}))
    variant("null-cluster.json", lambda d: d.update(cluster=None))


plans()
kubeconfigs()
state_files()
