#!/usr/bin/env bash
# What the size derives cost at compile time: generates one scratch crate
# per derive (memsize, deepsize, get-size2, mem_dbg) plus one with no derive,
# each holding the same N types (N/3 structs with named fields, N/3 generic
# structs, N/3 enums), and times a debug `cargo build` and `cargo check` of
# each (its dependencies built beforehand, so only the crate itself is
# timed; best of REPS rounds over all the crates).
#
# Incremental compilation is off (CARGO_INCREMENTAL=0): every timed run
# compiles the crate from scratch, as a clean build or CI does.
#
# Two ways to split the macro's own time from the cost of the code it
# writes, both needing a nightly toolchain (columns n/a without one):
# - `-Ztime-passes`: rustc's own timing of macro expansion
#   (`macro_expand_crate`, which runs the proc macros) and of the whole
#   compilation, on a nightly build of the crate; macro expansion less the
#   baseline's is what the derive macro costs.
# - an "expanded" crate: the crate's source after macro expansion
#   (`-Zunpretty=expanded`), compiled with the stable toolchain as plain code
#   with no derive, where that compiles (mem_dbg's expansion calls
#   compiler-internal panics in `const` items, which only the macro may).
#   The derive crate's time less the expanded crate's is what running the
#   macro costs; the expanded crate's less the baseline's, the generated code.
#
#     benches/derive-compile-time.sh              # N=1000 REPS=5
#     INSTRUCTIONS=1 benches/derive-compile-time.sh
#
# With INSTRUCTIONS=1, also counts the instructions rustc executes for one
# `cargo check` of each crate (`valgrind --tool=callgrind`, a minute or so
# each): unlike the times, the same on a busy machine.
#     N=300 REPS=1 benches/derive-compile-time.sh
#
# The crates go under $CARGO_TARGET_DIR (or the workspace's target/), in
# derive-compile-time/, and are not part of the workspace.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
n=${N:-1000}
reps=${REPS:-5}
root=${CARGO_TARGET_DIR:-$repo/target}/derive-compile-time
mkdir -p "$root"
# One target dir for all scratch crates: the dependencies are built once.
export CARGO_TARGET_DIR=$root/target
export CARGO_INCREMENTAL=0

variants=(baseline memsize deepsize get-size2 mem_dbg)

dep() {
    case $1 in
        baseline) ;;
        memsize) echo "memsize = { path = \"$repo/memsize\" }" ;;
        deepsize) echo 'deepsize = "0.2.0"' ;;
        get-size2) echo 'get-size2 = { version = "0.11.1", features = ["derive"] }' ;;
        mem_dbg) echo 'mem_dbg = "0.4.4"' ;;
    esac
}

derive() {
    case $1 in
        baseline) ;;
        memsize) echo '#[derive(memsize::SizeOf)]' ;;
        deepsize) echo '#[derive(deepsize::DeepSizeOf)]' ;;
        get-size2) echo '#[derive(get_size2::GetSize)]' ;;
        mem_dbg) echo '#[derive(mem_dbg::MemSize)]' ;;
    esac
}

# The crate `$1` (a directory name) with dependency line `$2` and source on
# stdin.
make_crate() {
    local dir=$root/$1
    mkdir -p "$dir/src"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "dct-$(echo "$1" | tr '_' '-')"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
$2

[workspace]
TOML
    # The workspace's lock file: the same versions as the benches.
    cp "$repo/Cargo.lock" "$dir/Cargo.lock"
    cat >"$dir/src/lib.rs"
}

generate() {
    local d
    d=$(derive "$1")
    echo '#![allow(dead_code)]'
    for ((i = 0; i < n; i++)); do
        case $((i % 3)) in
            0) cat <<RS
$d
pub struct S$i {
    pub id: u64,
    pub name: String,
    pub tags: Vec<String>,
    pub extra: Option<Box<u32>>,
}
RS
                ;;
            1) cat <<RS
$d
pub struct G$i<T> {
    pub value: T,
    pub values: Vec<T>,
    pub label: String,
}
RS
                ;;
            2) cat <<RS
$d
pub enum E$i {
    Empty,
    Pair(u64, String),
    Named { bytes: Vec<u8>, note: Option<String> },
}
RS
                ;;
        esac
    done
}

# Seconds `cargo $1` takes on crate `$2` after touching its source.
timed() {
    local t0 t1
    touch "$root/$2/src/lib.rs"
    t0=$(date +%s.%N)
    (cd "$root/$2" && cargo "$1" -q 2>/dev/null)
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc
}

# The smaller of two numbers, the first possibly empty.
min() {
    if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc)" = 1 ]; then echo "$2"; else echo "$1"; fi
}

# Seconds rustc (nightly, `-Ztime-passes`) spends on macro expansion and in
# all on crate `$1`, best of `reps` each: "expand total".
passes() {
    local out e t be="" bt=""
    for ((r = 0; r < reps; r++)); do
        touch "$root/$1/src/lib.rs"
        out=$(cd "$root/$1" && CARGO_TARGET_DIR=$root/target-nightly \
            cargo +nightly rustc -q --lib -- -Ztime-passes 2>&1)
        e=$(echo "$out" | awk '$NF == "macro_expand_crate" { sub(";", "", $2); print $2 }')
        t=$(echo "$out" | awk '$NF == "total" { sub(";", "", $2); print $2 }' | tail -n 1)
        if [ -z "$be" ] || [ "$(echo "$e < $be" | bc)" = 1 ]; then be=$e; fi
        if [ -z "$bt" ] || [ "$(echo "$t < $bt" | bc)" = 1 ]; then bt=$t; fi
    done
    echo "$be $bt"
}

nightly=false
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then nightly=true; fi

for v in "${variants[@]}"; do
    generate "$v" | make_crate "$v" "$(dep "$v")"
    (cd "$root/$v" && cargo build -q && cargo check -q)
    if $nightly && [ "$v" != baseline ]; then
        # The expansion, without the prelude lines only the compiler may
        # write, as plain code depending on the same crate.
        (cd "$root/$v" && cargo +nightly rustc -q --lib -- -Zunpretty=expanded 2>/dev/null) |
            grep -v -e '^#!\[feature(prelude_import)\]' -e '^#\[prelude_import\]' -e '^use std::prelude::rust_20[0-9]*::\*;' \
                -e '^#\[macro_use\]' -e '^extern crate std;' |
            make_crate "$v-expanded" "$(dep "$v")"
        if ! (cd "$root/$v-expanded" && cargo build -q 2>/dev/null && cargo check -q 2>/dev/null); then
            rm -r "$root/$v-expanded"
        fi
    fi
    if $nightly; then
        (cd "$root/$v" && CARGO_TARGET_DIR=$root/target-nightly cargo +nightly build -q)
    fi
done

echo "Compile time of $n types (debug, no incremental, dependencies built beforehand), best of $reps, in seconds"
echo
echo "| derive | cargo check | ÷ deepsize | cargo build | ÷ deepsize | check, expansion as plain code | build, expansion as plain code | nightly rustc: macro expansion / total |"
echo "|---|---|---|---|---|---|---|---|"
# Round after round over every crate, so that a busy spell of the machine
# hits them all; the best round of each counts.
declare -A check build echeck ebuild
for ((r = 0; r < reps; r++)); do
    for v in "${variants[@]}"; do
        check[$v]=$(min "${check[$v]:-}" "$(timed check "$v")")
        build[$v]=$(min "${build[$v]:-}" "$(timed build "$v")")
        if [ -d "$root/$v-expanded" ]; then
            echeck[$v]=$(min "${echeck[$v]:-}" "$(timed check "$v-expanded")")
            ebuild[$v]=$(min "${ebuild[$v]:-}" "$(timed build "$v-expanded")")
        fi
    done
done
for v in "${variants[@]}"; do
    ec=n/a eb=n/a tp=n/a
    if [ -d "$root/$v-expanded" ]; then
        ec=$(printf '%.2f' "${echeck[$v]}") eb=$(printf '%.2f' "${ebuild[$v]}")
    fi
    if $nightly; then
        read -r e t < <(passes "$v")
        tp="$e / $t"
    fi
    printf '| %s | %.2f | %.2f× | %.2f | %.2f× | %s | %s | %s |\n' "$v" "${check[$v]}" \
        "$(echo "${check[$v]} / ${check[deepsize]}" | bc -l)" "${build[$v]}" \
        "$(echo "${build[$v]} / ${build[deepsize]}" | bc -l)" "$ec" "$eb" "$tp"
done
echo
echo "The baseline (no derive) is mostly cargo's own start-up: compare the derives with each other."

if [ "${INSTRUCTIONS:-0}" = 1 ]; then
    echo
    echo "| derive | rustc instructions, cargo check | ÷ deepsize |"
    echo "|---|---|---|"
    declare -A ir
    for v in "${variants[@]}"; do
        touch "$root/$v/src/lib.rs"
        # The rustc command cargo runs, run again under callgrind.
        cmd=$(cd "$root/$v" && cargo check -v 2>&1 | grep -o 'Running `.*`' | tail -n 1 |
            sed -e 's/^Running `//' -e 's/`$//')
        ir[$v]=$(cd "$root/$v" && eval "valgrind --tool=callgrind --callgrind-out-file=/dev/null $cmd" 2>&1 |
            awk '/Collected :/ { print $NF }')
    done
    for v in "${variants[@]}"; do
        printf '| %s | %s | %.2f× |\n' "$v" "${ir[$v]}" "$(echo "${ir[$v]} / ${ir[deepsize]}" | bc -l)"
    done
fi
