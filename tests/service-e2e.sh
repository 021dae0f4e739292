#!/usr/bin/env bash
# End to end, with the real parts: builds and starts the `service` example on
# 127.0.0.1, starts a real Prometheus server scraping it every second, and
# checks through Prometheus' HTTP query API that the scraped
# memsize_heap_bytes{root=...} and memsize_heap_allocations{root=...} sums
# equal the service's own JSON report, to the byte, once the service's state
# is frozen. Then fetches every debug endpoint and checks it: the JSON
# parses, the SVG is XML, the text tree and the table by type give the JSON's
# totals, the diff starts from them.
#
# Prometheus is Debian's `prometheus` package: installed here when missing
# (as root, through apt-get); where it can't be, the test is skipped, saying
# so. Everything the script starts is stopped by process id on exit; every
# wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'service-e2e: %s\n' "$*"; }
fail() { say "FAILED: $*"; exit 1; }

for tool in curl python3; do
    command -v "$tool" >/dev/null || fail "$tool is needed"
done

# --- Prometheus, installed when missing -------------------------------------
if ! command -v prometheus >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing Debian's prometheus package"
        # No service may start from the package's scripts: only this script
        # starts a Prometheus, and stops it.
        policy=/usr/sbin/policy-rc.d
        added_policy=""
        if [ ! -e "$policy" ]; then
            printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && added_policy=1
        fi
        { timeout 600 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 900 \
            apt-get install -y -qq --no-install-recommends prometheus; } >/dev/null 2>&1 || true
        [ -n "$added_policy" ] && rm -f "$policy"
    fi
    if ! command -v prometheus >/dev/null; then
        say "skipped: Prometheus is not installed and can't be installed here (apt-get install prometheus)"
        exit 0
    fi
fi
say "$(prometheus --version 2>&1 | head -1)"

# --- the service ------------------------------------------------------------
say "building the service example"
binary=$(cargo build -q -p memsize --example service --features metrics,serde,inferno,pprof \
    --message-format=json | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "service" and m.get("executable"):
        print(m["executable"])')
[ -x "$binary" ] || fail "no service binary"

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        # Bounded: a process that ignores TERM gets KILL after 5 s.
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port=$(free_port)
MEMSIZE_SERVICE_USERS=3000 MEMSIZE_SERVICE_GROW=20 "$binary" "$port" > "$work/service.log" 2>&1 &
pids+=($!)
service="http://127.0.0.1:$port"
for _ in $(seq 300); do
    curl -sf -m 2 "$service/debug/memory" >/dev/null && break
    kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/service.log"; fail "the service exited"; }
    sleep 0.1
done
curl -sf -m 2 "$service/debug/memory" >/dev/null || fail "the service did not answer within 30 s"
say "service on $service"

# --- Prometheus -------------------------------------------------------------
pport=$(free_port)
cat > "$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: memsize-service
    scrape_interval: 1s
    scrape_timeout: 900ms
    static_configs:
      - targets: ["127.0.0.1:$port"]
EOF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
    --web.listen-address="127.0.0.1:$pport" --log.level=warn > "$work/prometheus.log" 2>&1 &
pids+=($!)
prom="http://127.0.0.1:$pport"
for _ in $(seq 300); do
    curl -sf -m 2 "$prom/-/ready" >/dev/null && break
    kill -0 "${pids[1]}" 2>/dev/null || { cat "$work/prometheus.log"; fail "Prometheus exited"; }
    sleep 0.1
done
curl -sf -m 2 "$prom/-/ready" >/dev/null || fail "Prometheus was not ready within 30 s"
say "Prometheus on $prom"

# One instant query: prints the result as JSON ([] when empty).
query() {
    curl -sf -m 5 -G "$prom/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["status"] == "success", r
print(json.dumps(r["data"]["result"]))'
}

# The newest sample's time of a series, 0 while there is none.
newest() {
    query "timestamp($1)" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(max([float(s["value"][1]) for s in r] or [0]))'
}

say "waiting for a scrape with the memsize series"
for _ in $(seq 60); do
    [ "$(newest 'memsize_heap_bytes{root="users",path="users"}')" != 0 ] && break
    sleep 1
done
[ "$(newest 'memsize_heap_bytes{root="users",path="users"}')" != 0 ] ||
    { tail -20 "$work/prometheus.log"; fail "no scrape with memsize_heap_bytes within 60 s"; }

# --- freeze the state, then compare to the byte -----------------------------
curl -sf -m 5 -X POST "$service/freeze" >/dev/null || fail "POST /freeze"
frozen=$(python3 -c 'import time; print(time.time())')
# The publisher measures every second: wait for a scrape of a publication
# that started after the freeze (a second for the publisher, a second for
# the scrape, and room for a tick of the workload in flight).
say "frozen; waiting for a scrape 3 s later"
for _ in $(seq 60); do
    t=$(newest 'memsize_measure_seconds')
    python3 -c "import sys; sys.exit(0 if $t > $frozen + 3 else 1)" && break
    sleep 1
done
python3 -c "import sys; sys.exit(0 if $t > $frozen + 3 else 1)" || fail "no scrape after the freeze within 60 s"

curl -sf -m 30 "$service/debug/memory/json" > "$work/report.json" || fail "GET /debug/memory/json"
query 'sum by (root) (memsize_heap_bytes)' > "$work/bytes.json"
query 'sum by (root) (memsize_heap_allocations)' > "$work/allocs.json"
query 'count({__name__=~"memsize_.*"})' > "$work/series.json"
query 'memsize_skipped' > "$work/skipped.json"
query 'memsize_measure_seconds' > "$work/seconds.json"
curl -sf -m 30 "$service/debug/memory/text" > "$work/text.txt" || fail "GET /debug/memory/text"
curl -sf -m 30 "$service/debug/memory/types" > "$work/types.txt" || fail "GET /debug/memory/types"
curl -sf -m 30 "$service/debug/memory/diff" > "$work/diff.txt" || fail "GET /debug/memory/diff"
curl -sf -m 30 "$service/debug/memory/svg" > "$work/flame.svg" || fail "GET /debug/memory/svg"
curl -sf -m 30 "$service/debug/memory/pprof" > "$work/memory.pb.gz" || fail "GET /debug/memory/pprof"
# The heap profile, read by the real `go tool pprof` where Go is installed
# (.ci/run installs it for the pprof tests).
if command -v go >/dev/null 2>&1; then
    PPROF_TMPDIR="$work" HOME="${HOME:-$work}" go tool pprof -raw "$work/memory.pb.gz" > "$work/pprof.txt" 2>"$work/pprof.err" \
        || fail "go tool pprof could not read /debug/memory/pprof: $(cat "$work/pprof.err")"
else
    say "go is not installed: the pprof endpoint is checked as gzip only"
fi
curl -sf -m 30 "$service/debug/memory" > "$work/index.html" || fail "GET /debug/memory"
curl -sf -m 30 "$service/metrics" > "$work/metrics.txt" || fail "GET /metrics"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$service/debug/memory/nope")
[ "$code" = 404 ] || fail "an unknown format gave $code, not 404"

python3 - "$work" <<'EOF'
import json, os, sys
import xml.etree.ElementTree as ET

work = sys.argv[1]
def load(name):
    with open(os.path.join(work, name)) as f:
        return json.load(f)
def text(name):
    with open(os.path.join(work, name), encoding="utf-8") as f:
        return f.read()

report = load("report.json")
nodes = report["nodes"]
top = nodes[0]
roots = {nodes[i]["name"]: nodes[i] for i in top["children"]}
assert set(roots) == {"users", "cache", "log", "templates"}, roots.keys()

def by_root(name):
    return {s["metric"]["root"]: float(s["value"][1]) for s in load(name)}
scraped_bytes, scraped_allocs = by_root("bytes.json"), by_root("allocs.json")
for name, node in sorted(roots.items()):
    b, a = scraped_bytes.get(name), scraped_allocs.get(name)
    print(f"  {name:10} heap {node['heap_bytes']:>9} B  scraped {b:>11.0f} B   "
          f"allocations {node['allocations']:>6}  scraped {a:>7.0f}")
    assert b == node["heap_bytes"], (name, b, node["heap_bytes"])
    assert a == node["allocations"], (name, a, node["allocations"])
assert sum(scraped_bytes.values()) == top["heap_bytes"]
assert float(load("skipped.json")[0]["value"][1]) == report["skipped"] == 0
assert float(load("seconds.json")[0]["value"][1]) > 0
series = int(float(load("series.json")[0]["value"][1]))
print(f"  {series} memsize series scraped; total heap {top['heap_bytes']} B in {top['allocations']} allocations")
assert series < 200, series

# The service's own /metrics says the same as what Prometheus scraped.
own = {}
for line in text("metrics.txt").splitlines():
    if line.startswith("memsize_heap_bytes{"):
        labels, value = line.rsplit(" ", 1)
        root = labels.split('root="', 1)[1].split('"', 1)[0]
        own[root] = own.get(root, 0) + float(value)
assert own == scraped_bytes, (own, scraped_bytes)

# Sizes as the printed reports write them: binary units, one decimal.
def human(n):
    if n < 1024:
        return f"{n} B"
    unit = 1024
    for name in ["KiB", "MiB", "GiB", "TiB", "PiB"]:
        tenths = (n * 10 + unit // 2) // unit
        if tenths < 10240 or name == "PiB":
            return f"{tenths // 10}.{tenths % 10} {name}"
        unit *= 1024
def count(n):
    return f"{n:,}"

total = top["heap_bytes"] + top["inline_bytes"]
tree = text("text.txt")
head = (f"(roots): {human(total)} total, {human(top['inline_bytes'])} inline, "
        f"{human(top['heap_bytes'])} heap in {count(top['allocations'])} allocations")
assert tree.splitlines()[0] == head, (tree.splitlines()[0], head)
for name in roots:
    assert any(l.lstrip().startswith(name + ":") or l.lstrip().startswith(name + " ")
               for l in tree.splitlines()), name
types = text("types.txt").splitlines()
last = [l for l in types if l.startswith("(all types)")]
assert last and last[0].split()[2:6] == [*human(top["heap_bytes"]).split(), count(top["allocations"]),
                                         human(total).split()[0]], (last, human(top["heap_bytes"]))
diff = text("diff.txt").splitlines()
assert diff[0] == f"total: 0 B -> {human(total)} (+{human(total)})", diff[0]

svg = ET.parse(os.path.join(work, "flame.svg")).getroot()
assert svg.tag == "{http://www.w3.org/2000/svg}svg", svg.tag
assert "users" in text("flame.svg")
index = text("index.html")
for f in ["text", "types", "json", "svg", "diff", "pprof"]:
    assert f'/debug/memory/{f}"' in index, f

# The heap profile: gzip, and where `go tool pprof` read it, the same totals
# as the JSON report (allocations and total bytes, summed over its samples).
import gzip
with open(os.path.join(work, "memory.pb.gz"), "rb") as f:
    assert len(gzip.decompress(f.read())) > 0
if os.path.exists(os.path.join(work, "pprof.txt")):
    lines = text("pprof.txt").splitlines()
    at = lines.index("Samples:")
    kinds = [k.replace("[dflt]", "") for k in lines[at + 1].split()]
    sums = [0] * len(kinds)
    for l in lines[at + 2:]:
        if l.startswith("Locations"):
            break
        if ":" not in l:
            continue
        for i, v in enumerate(l.split(":")[0].split()):
            sums[i] += int(v)
    got = dict(zip(kinds, sums))
    assert got == {"inuse_objects/count": top["allocations"], "inuse_space/bytes": total}, got
    print(f"  go tool pprof read the profile: {got}")
print("  every endpoint checked: json, text, types, diff, svg, pprof, index, metrics")
EOF

say "passed"
