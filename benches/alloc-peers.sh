#!/usr/bin/env bash
# The counting allocators side by side: builds the `alloc` bench once per
# global allocator (one cargo feature each, none for `System`), runs the
# binaries in turn, ROUNDS times over (so that a busy spell of the machine
# hits them all), keeps each figure's best run, and prints one Markdown table
# with the ratio of each figure to `System`'s in the same run.
#
#     benches/alloc-peers.sh            # ROUNDS=3 by default
#     ROUNDS=1 benches/alloc-peers.sh   # quicker, noisier
set -euo pipefail
cd "$(dirname "$0")"

rounds=${ROUNDS:-3}
features=(
    ""
    alloc-memsize
    alloc-memsize-sites
    alloc-allocation-counter
    alloc-stats-alloc
    alloc-peak-alloc
    alloc-cap
    alloc-dhat
)

bins=()
for f in "${features[@]}"; do
    bin=$(cargo bench -p memsize-benches --bench alloc --no-run --message-format=json \
        ${f:+--features "$f"} 2>/dev/null |
        jq -r 'select(.reason == "compiler-artifact" and .target.name == "alloc") | .executable // empty' |
        tail -n 1)
    [ -x "$bin" ] || { echo "no binary built for feature '${f:-none}'" >&2; exit 1; }
    bins+=("$bin")
done

runs=$(mktemp)
trap 'rm -f "$runs"' EXIT
for ((r = 1; r <= rounds; r++)); do
    for bin in "${bins[@]}"; do
        "$bin" --bench >>"$runs"
    done
done

# Fields: allocator, mode, workload, threads, ns per operation.
awk -F'\t' -v rounds="$rounds" '
    {
        key = $1 "\t" $2 "\t" $3 "\t" $4
        if (!(key in best) || $5 + 0 < best[key]) best[key] = $5 + 0
        if (!(($1 "\t" $2) in seen)) { seen[$1 "\t" $2] = 1; rows[++nrows] = $1 "\t" $2 }
        if (!($3 in seenw)) { seenw[$3] = 1; works[++nworks] = $3 }
    }
    END {
        printf "ns per operation, best of %d runs; in parentheses, the ratio to System in the same run\n\n", rounds
        printf "| allocator | mode |"
        for (w = 1; w <= nworks; w++) printf " %s, 1 thread | %s, 2 threads |", works[w], works[w]
        printf "\n|---|---|"
        for (w = 1; w <= nworks; w++) printf "---|---|"
        printf "\n"
        for (i = 1; i <= nrows; i++) {
            split(rows[i], rm, "\t")
            printf "| %s | %s |", rm[1], rm[2]
            for (w = 1; w <= nworks; w++) {
                for (t = 1; t <= 2; t++) {
                    k = rows[i] "\t" works[w] "\t" t
                    base = best["System\tidle\t" works[w] "\t" t]
                    if (!(k in best)) { printf " n/a |"; continue }
                    if (rm[1] == "System") printf " %.2f |", best[k]
                    else printf " %.2f (%.2f×) |", best[k], best[k] / base
                }
            }
            printf "\n"
        }
    }' "$runs"
