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
common=$root/.build/fuzz/common
mkdir -p "$out/obj" "$out/corpus" "$out/crashes" "$common"
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6 -DSWIFT_PACKAGE
    -module-cache-path "$root/.build/fuzz/cache")

# A module from sources into directory $1: its .swiftmodule and one object file. Skipped when the
# object is newer than every source, so Yams and VitessModel are built once for all targets.
module() {
    local dir=$1 name=$2
    shift 2
    if [[ -f $dir/$name.o ]] && [[ -z $(find "$@" -newer "$dir/$name.o" 2>/dev/null) ]]; then return; fi
    echo "compiling $name" >&2
    swiftc "${flags[@]}" -wmo -module-name "$name" -emit-module -emit-module-path "$dir/$name.swiftmodule" \
        -emit-object -o "$dir/$name.o" -I "$common" -I "$out/obj" -I "$yams/CYaml/include" \
        -Xcc -I"$root/Sources/CCurl" "$@"
}

echo "building $target in $out" >&2
if [[ ! -f $common/CYaml.stamp ]]; then
    for file in "$yams"/CYaml/src/*.c; do
        clang -c -O1 -g -fsanitize=fuzzer-no-link,address -I "$yams/CYaml/include" "$file" \
            -o "$common/cyaml-$(basename "$file" .c).o"
    done
    touch "$common/CYaml.stamp"
fi
module "$common" Yams "$yams"/Yams/*.swift
module "$common" VitessModel "$root"/Sources/VitessModel/*.swift
case $target in
plan-parser)
    module "$out/obj" RolloutPlan "$root"/Sources/RolloutPlan/*.swift
    swiftc "${flags[@]}" -module-name FuzzPlanParser -I "$common" -I "$out/obj" -I "$yams/CYaml/include" \
        "$root/Fuzz/PlanParser/FuzzPlanParser.swift" "$common"/*.o "$out"/obj/*.o -o "$out/fuzzer"
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
    module "$out/obj" KubeClient "$root"/Sources/KubeClient/*.swift "$entry"
    swiftc "${flags[@]}" -module-name FuzzMain -emit-executable "$common"/*.o "$out"/obj/*.o -lcurl -o "$out/fuzzer"
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
