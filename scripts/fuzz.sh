#!/usr/bin/env bash
# Builds and runs a libFuzzer target: scripts/fuzz.sh plan-parser|kubeconfig|watch-decoder [SECONDS]
#
# The targets (Fuzz/*) are not SwiftPM targets, so `swift build` and `swift test` never see them. This
# script compiles the modules a target needs straight from Sources/ with coverage instrumentation and
# AddressSanitizer (swiftc -sanitize=fuzzer,address), into .build/fuzz/TARGET. Yams comes from the
# SwiftPM checkout, so run `swift build` once first. Crashes are written to .build/fuzz/TARGET/crashes/;
# the corpus grows in .build/fuzz/TARGET/corpus/ and starts from the seeds in Fuzz/TARGET/seeds/ plus
# the project's own fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target=${1:?usage: scripts/fuzz.sh plan-parser|kubeconfig|watch-decoder [SECONDS]}
seconds=${2:-60}
yams=$root/.build/checkouts/Yams/Sources
[[ -d $yams ]] || { echo "Yams is not checked out: run swift build first" >&2; exit 64; }

out=$root/.build/fuzz/$target
mkdir -p "$out/obj" "$out/corpus" "$out/crashes"
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6 -DSWIFT_PACKAGE -module-cache-path "$out/cache")

# A module from sources: its .swiftmodule and one object file, in $out/obj.
module() {
    local name=$1
    shift
    swiftc "${flags[@]}" -wmo -module-name "$name" -emit-module -emit-module-path "$out/obj/$name.swiftmodule" \
        -emit-object -o "$out/obj/$name.o" -I "$out/obj" -I "$yams/CYaml/include" -Xcc -I"$root/Sources/CCurl" "$@"
}

echo "building $target in $out" >&2
if [[ ! -f $out/obj/CYaml.stamp ]]; then
    for file in "$yams"/CYaml/src/*.c; do
        clang -c -O1 -g -fsanitize=fuzzer-no-link,address -I "$yams/CYaml/include" "$file" \
            -o "$out/obj/cyaml-$(basename "$file" .c).o"
    done
    touch "$out/obj/CYaml.stamp"
fi
module Yams "$yams"/Yams/*.swift
module VitessModel "$root"/Sources/VitessModel/*.swift
case $target in
plan-parser)
    module RolloutPlan "$root"/Sources/RolloutPlan/*.swift
    swiftc "${flags[@]}" -module-name FuzzPlanParser -I "$out/obj" -I "$yams/CYaml/include" \
        "$root/Fuzz/PlanParser/FuzzPlanParser.swift" "$out"/obj/*.o -o "$out/fuzzer"
    seeds=("$root/Fuzz/PlanParser/seeds" "$root/plans" "$root/Tests/RolloutPlanTests/Fixtures"
        "$root/Tests/CLITests/Fixtures/bad-input/plans")
    ;;
kubeconfig | watch-decoder)
    entry=$root/Fuzz/Kubeconfig/FuzzKubeconfig.swift
    seeds=("$root/Fuzz/Kubeconfig/seeds" "$root/Tests/CLITests/Fixtures/bad-input/kubeconfigs")
    if [[ $target == watch-decoder ]]; then
        entry=$root/Fuzz/WatchDecoder/FuzzWatchDecoder.swift
        seeds=("$root/Fuzz/WatchDecoder/seeds")
    fi
    # The entry is compiled into KubeClient itself, so it reaches internal API.
    module KubeClient "$root"/Sources/KubeClient/*.swift "$entry"
    swiftc "${flags[@]}" -module-name FuzzMain -I "$out/obj" -emit-executable "$out"/obj/*.o -lcurl \
        -o "$out/fuzzer"
    ;;
*)
    echo "unknown target $target (plan-parser, kubeconfig, watch-decoder)" >&2
    exit 64
    ;;
esac

existing=()
for dir in "${seeds[@]}"; do [[ -d $dir ]] && existing+=("$dir"); done
echo "running $target for $seconds s" >&2
"$out/fuzzer" "$out/corpus" "${existing[@]}" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$out/crashes/" -print_final_stats=1
