#!/usr/bin/env bash
# `make demo`: the zero-setup tour. It validates every shipped plan offline, then shows what a
# reviewer sees when a plan is wrong. Needs only a build (`make build`).
set -uo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug/vtop-rollout

echo "== vtop-rollout $($bin --version): validating the shipped plans"
$bin plan validate --offline --strict plans/*.yaml || exit $?

echo
echo "== what a reviewer sees for a plan with mistakes (exit code 2 is expected here)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/broken.yaml" <<'PLAN'
apiVersion: vtop-rollout/v1
kind: RolloutPlan
metadata: {name: broken}
spec:
  cluster: example
  stages:
    - name: canary
      release: tablets
      select: {keyspace: customer, type: rdonly, limit: 0}
      timeout: 30
    - name: vtgate
      release: vtgates
      dependsOn: [canery]
PLAN
(cd "$tmp" && "$OLDPWD/$bin" plan validate --offline broken.yaml)
status=$?
[ "$status" -eq 2 ] || { echo "demo: expected exit code 2, got $status" >&2; exit 1; }
echo
echo "== status of an example cluster mid-upgrade (from a kubectl -o yaml snapshot)"
snapshot=Tests/RolloutEngineTests/Fixtures/upgrade-snapshot.yaml
$bin status --snapshot "$snapshot" --no-color | head -20
echo "   ..."

echo
echo "== the steps plans/upgrade-vttablet-canary.yaml compiles to on that cluster"
$bin plan show plans/upgrade-vttablet-canary.yaml --snapshot "$snapshot" | head -16
echo "   ..."

echo
echo "== the sandbox: an emulated Kubernetes API server and vitess-operator on 127.0.0.1"
kubeconfig="$tmp/sandbox.kubeconfig"
$bin sandbox --speed 500 --kubeconfig-out "$kubeconfig" > "$tmp/sandbox.log" 2>&1 &
sandbox=$!
trap 'kill $sandbox 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do grep -q "sandbox ready" "$tmp/sandbox.log" && break; sleep 0.1; done
cat "$tmp/sandbox.log"
server=$(sed -n 's/.*server=\([^ ]*\).*/\1/p' "$tmp/sandbox.log")

echo
echo "== an SRE changes the vttablet image (what kubectl patch would send)"
python3 - "$server" <<'PY'
import json, sys, urllib.request
body = json.dumps({"spec": {"images": {"vttablet": "vitess/lite:v18.0.0"}}}).encode()
request = urllib.request.Request(sys.argv[1] + "/apis/planetscale.com/v2/namespaces/example/vitessclusters/example",
                                 data=body, method="PATCH", headers={"Content-Type": "application/merge-patch+json"})
urllib.request.urlopen(request).read()
print("patched VitessCluster example: vttablet vitess/lite:v18.0.0")
PY
$bin status --kubeconfig "$kubeconfig" --no-color | head -9
echo "   ..."

echo
echo "== release one rdonly canary tablet; vtop-rollout releases its keyspace and shard first"
$bin release tablet zone1-3798380744 --kubeconfig "$kubeconfig"

echo
echo "== the primary is refused while other tablets of its shard are pending (exit code 13)"
$bin release tablet zone1-2548885007 --kubeconfig "$kubeconfig"
echo "exit code: $?"

echo
echo "demo: done"
