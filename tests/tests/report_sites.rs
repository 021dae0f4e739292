//! Reports with allocation sites: each node lists where its own
//! allocations were made, exact against the tracing's snapshot.
#![cfg(all(feature = "alloc-sites", feature = "derive"))]

use memsize::alloc::sites::{GroupBy, Tracing};
use memsize::alloc::CountingAlloc;
use memsize::{Report, SizeOf};
use std::alloc::System;
use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;

#[global_allocator]
static GLOBAL: CountingAlloc<System> = CountingAlloc::new(System);

#[derive(SizeOf)]
struct User {
    name: String,
    tags: Vec<String>,
}

#[derive(SizeOf)]
struct State {
    users: Vec<User>,
    by_name: HashMap<String, usize>,
    /// B-tree nodes have no address to join: no sites there.
    sorted: BTreeMap<u32, u32>,
}

/// The lines that allocate, by name.
#[derive(Default)]
struct Lines(HashMap<&'static str, u32>);

#[inline(never)]
fn sign_up(i: usize, lines: &mut Lines) -> User {
    lines.0.insert("name", line!() + 1);
    let name = black_box(format!("user number {i}"));
    lines.0.insert("tags", line!() + 1);
    let mut tags = black_box(Vec::with_capacity(3));
    lines.0.insert("tag", line!() + 2);
    for j in 0..3 {
        tags.push(black_box(format!("tag {j} of {i}")));
    }
    User { name, tags }
}

#[inline(never)]
fn rename(user: &mut User, lines: &mut Lines) {
    lines.0.insert("rename", line!() + 1);
    user.name = black_box(format!("renamed {}", user.name.len()));
}

#[inline(never)]
fn build(lines: &mut Lines) -> State {
    lines.0.insert("users", line!() + 1);
    let mut users: Vec<User> = Vec::with_capacity(40);
    for i in 0..40 {
        users.push(sign_up(i, lines));
    }
    for u in users.iter_mut().step_by(4) {
        rename(u, lines);
    }
    lines.0.insert("key", line!() + 4);
    let by_name = users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.name.clone(), i))
        .collect();
    let sorted = (0..100).map(|i| (i, i)).collect();
    State {
        users,
        by_name,
        sorted,
    }
}

#[test]
#[cfg_attr(miri, ignore = "resolves symbols")]
fn each_node_lists_its_sites_exact_against_the_snapshot() {
    let before = black_box(vec![String::from("made before the tracing")]);
    let tracing = Tracing::start();
    let mut lines = Lines::default();
    let state = build(&mut lines);
    let snapshot = tracing.snapshot();
    let report = Report::builder()
        .sites(&tracing)
        .root("state", &state)
        .root("before", &before)
        .build();
    let root = report.roots().next().unwrap();
    let node = |path: &[&str]| {
        let mut n = root;
        for p in path {
            n = n
                .child(p)
                .unwrap_or_else(|| panic!("no {p} in {}", n.name()));
        }
        n
    };
    let line_of = |s: &memsize::alloc::sites::SiteStats| s.site.frames[0].line.unwrap();

    // Strings made on two lines: both listed, the bigger share first.
    let names = node(&["users", "[..]", "name"]);
    let sites = names.sites();
    assert_eq!(sites.len(), 2, "{sites:#?}");
    assert_eq!(line_of(&sites[0]), lines.0["name"]);
    assert_eq!(sites[0].count, 30);
    assert_eq!(line_of(&sites[1]), lines.0["rename"]);
    assert_eq!(sites[1].count, 10);
    assert_eq!(names.sited_bytes(), names.own_bytes());
    assert!(sites[0].site.frames[0].function.contains("sign_up"));

    for (path, line) in [
        (&["users"][..], "users"),
        (&["users", "[..]", "tags"][..], "tags"),
        (&["users", "[..]", "tags", "[..]"][..], "tag"),
    ] {
        let n = node(path);
        assert_eq!(n.sites().len(), 1, "{path:?}: {:#?}", n.sites());
        assert_eq!(line_of(&n.sites()[0]), lines.0[line], "{path:?}");
        assert_eq!(n.sited_bytes(), n.own_bytes(), "{path:?}");
        assert_eq!(n.sites()[0].count, n.own_allocations(), "{path:?}");
    }
    // The keys cloned into the map, at the line that clones them.
    let keys = node(&["by_name", "[key]"]);
    assert_eq!(line_of(&keys.sites()[0]), lines.0["key"]);
    assert_eq!(keys.sited_bytes(), keys.own_bytes());
    // No address, no site; nor for what was made before the tracing.
    assert!(node(&["sorted"]).sites().is_empty());
    assert!(node(&["sorted"]).own_bytes() > 0);
    let before_node = report.roots().nth(1).unwrap();
    assert!(before_node.child("[..]").unwrap().sites().is_empty());

    // Exact against the snapshot: the bytes of each line, summed over the
    // nodes, are the snapshot's for that line.
    let mut by_line: HashMap<u32, (u64, u64)> = HashMap::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        stack.extend(n.children());
        for s in n.sites() {
            let e = by_line.entry(line_of(s)).or_default();
            e.0 += s.bytes;
            e.1 += s.count;
        }
    }
    let stats = snapshot.statistics(GroupBy::Line);
    for (name, line) in &lines.0 {
        let snap = stats
            .iter()
            .find(|s| s.site.frames[0].line == Some(*line))
            .unwrap_or_else(|| panic!("{name} at {line} not in the snapshot"));
        assert_eq!(
            by_line[line],
            (snap.bytes, snap.count),
            "{name} at line {line}"
        );
    }

    let text = report.sites_text(2);
    println!("{text}");
    let tags_line = text
        .lines()
        .find(|l| l.starts_with("state.users[..].tags[..]: String:"))
        .unwrap_or_else(|| panic!("{text}"));
    let at = format!(
        "100% {}",
        sites_file(&node(&["users", "[..]", "tags", "[..]"]))
    );
    assert!(tags_line.contains(&at), "{tags_line}");
    // The names' two lines, with their shares of the bytes.
    let names_line = text
        .lines()
        .find(|l| l.starts_with("state.users[..].name: String:"))
        .unwrap();
    let share = |bytes: u64| format!("{:.0}% ", 100.0 * bytes as f64 / names.own_bytes() as f64);
    assert!(names_line.contains(&share(sites[0].bytes)), "{names_line}");
    assert!(names_line.contains(&share(sites[1].bytes)), "{names_line}");
    assert!(names_line.ends_with(" rename"), "{names_line}");
    drop(tracing);
    drop((state, before));
}

/// `file:line function` of a node's top site, as `sites_text` writes it.
fn sites_file(n: &memsize::report::NodeRef<'_>) -> String {
    let f = &n.sites()[0].site.frames[0];
    format!(
        "{}:{} {}",
        f.file.as_deref().unwrap(),
        f.line.unwrap(),
        f.function
    )
}

#[test]
fn without_sites_nodes_list_none() {
    let v = vec![String::from("a")];
    let report = Report::new(&v);
    assert!(report.root().child("[..]").unwrap().sites().is_empty());
    assert_eq!(report.sites_text(3), "");
}
