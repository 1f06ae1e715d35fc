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
echo "demo: done"
