#!/bin/sh
# What a user does today without vtop-rollout: release an External-strategy upgrade by hand with kubectl.
# `vtop-bench rollout` runs it against the sandbox as the baseline and measures it from the sandbox's side.
#
#   KUBECONFIG=sandbox.kubeconfig NAMESPACE=bench CLUSTER=bench IMAGE=vitess/lite:v22.0.0 sh kubectl-loop.sh
#
# Every keyspace is released, then shard by shard, one tablet at a time (non-primaries first, primary last):
# annotate the Pod released, then poll once a second until the new Pod runs IMAGE, is Ready, and the
# VitessShard reports its tablet available. POLL changes the interval (seconds, default 1).
set -eu
: "${NAMESPACE:?}" "${CLUSTER:?}" "${IMAGE:?}"
POLL=${POLL:-1}
k() { kubectl -n "$NAMESPACE" "$@"; }
released=rollout.planetscale.com/released
scheduled='{.metadata.annotations.rollout\.planetscale\.com/scheduled}'

# Waits until `kubectl get $1 -o jsonpath=$2` prints something.
wait_for() {
    until [ -n "$(k get "$1" -o jsonpath="$2")" ]; do sleep "$POLL"; done
}

for vtk in $(k get vtk -l "planetscale.com/cluster=$CLUSTER" -o name); do
    k annotate "$vtk" "$released=" --overwrite >/dev/null
done

for vts in $(k get vts -l "planetscale.com/cluster=$CLUSTER" -o name); do
    wait_for "$vts" "$scheduled"
    k annotate "$vts" "$released=" --overwrite >/dev/null
    keyspace=$(k get "$vts" -o jsonpath='{.metadata.labels.planetscale\.com/keyspace}')
    shard=$(k get "$vts" -o jsonpath='{.metadata.labels.planetscale\.com/shard}')
    primary=$(k get "$vts" -o jsonpath='{.status.masterAlias}')
    pods=$(k get pods -l "planetscale.com/component=vttablet,planetscale.com/keyspace=$keyspace,planetscale.com/shard=$shard" \
        -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
    # Non-primaries first, the primary (its name contains its alias) last.
    ordered="$(echo "$pods" | grep -v -- "-$primary-" || true) $(echo "$pods" | grep -- "-$primary-" || true)"
    for pod in $ordered; do
        alias=$(echo "$pod" | sed 's/^.*-vttablet-\(.*-[0-9]\{10\}\)-[0-9a-f]*$/\1/')
        wait_for "pod/$pod" "$scheduled"
        k annotate "pod/$pod" "$released=" --overwrite >/dev/null
        while :; do
            sleep "$POLL"
            state=$(k get "pod/$pod" --ignore-not-found \
                -o jsonpath='{.spec.containers[0].image} {.status.conditions[?(@.type=="Ready")].status}')
            available=$(k get "$vts" -o jsonpath="{.status.tablets.$alias.available}")
            [ "$state" = "$IMAGE True" ] && [ "$available" = "True" ] && break
        done
    done
done
