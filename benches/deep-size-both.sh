#!/usr/bin/env bash
# The deep_size bench under both global allocators: builds it with memsize's
# `CountingAlloc<System>` (the default) and with `System` (the feature
# `deep-size-system`), runs the two binaries one after the other, and prints
# both sets of tables, each headed by its allocator. Arguments pick cases, as
# for the bench itself.
#
#     benches/deep-size-both.sh            # every case, about 3.5 minutes
#     benches/deep-size-both.sh BTree      # only the cases whose title contains "BTree"
set -euo pipefail
cd "$(dirname "$0")"

build() {
    cargo bench -p memsize-benches --bench deep_size --no-run --message-format=json "$@" 2>/dev/null |
        jq -r 'select(.reason == "compiler-artifact" and .target.name == "deep_size") | .executable // empty' |
        tail -n 1
}
counting=$(build)
system=$(build --features deep-size-system)
for bin in "$counting" "$system"; do
    [ -x "$bin" ] || { echo "no deep_size binary built" >&2; exit 1; }
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$counting" --bench "$@" >"$out/counting"
"$system" --bench "$@" >"$out/system"
for f in counting system; do
    # The tables: from the allocator's line to the end.
    sed -n '/^Global allocator:/,$p' "$out/$f"
    echo
done
