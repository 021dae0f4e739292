//! Where the memory of a small service's state goes: the tree by path, the
//! table by type, what a burst of sign-ups changed, and a flame graph.
//!
//! ```text
//! cargo run --example report
//! cargo run --example report --features inferno [-- out.svg]
//! cargo run --example report --features alloc-sites   # and where each path's bytes were allocated
//! cargo run --example report --features pprof         # and a pprof profile by path
//! ```
//!
//! With the `inferno` feature the flame graph is written as an SVG; without
//! it, as folded stacks for `inferno-flamegraph` or `flamegraph.pl`. The
//! file goes to the path given, or next to the example's binary in the
//! target directory.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Mutex;

use memsize::{Report, SizeOf};

/// With allocation sites, the counting allocator records where each
/// allocation was made, so the report can name each path's lines.
#[cfg(feature = "alloc-sites")]
#[global_allocator]
static GLOBAL: memsize::alloc::CountingAlloc<std::alloc::System> =
    memsize::alloc::CountingAlloc::new(std::alloc::System);

/// Settings every session shares.
#[derive(SizeOf)]
struct Config {
    motd: String,
    rate_limits: Vec<u32>,
}

#[derive(SizeOf)]
struct User {
    id: u64,
    name: String,
    email: String,
    tags: Vec<String>,
}

#[derive(SizeOf)]
struct Session {
    user: u64,
    token: String,
    config: Rc<Config>,
}

/// The service's state: users by id, an index by email, the live
/// sessions, and a cache of rendered pages.
#[derive(SizeOf)]
struct State {
    users: HashMap<u64, User>,
    by_email: BTreeMap<String, u64>,
    sessions: Vec<Session>,
    config: Rc<Config>,
    page_cache: Mutex<HashMap<String, Vec<u8>>>,
}

impl State {
    fn new() -> State {
        State {
            users: HashMap::new(),
            by_email: BTreeMap::new(),
            sessions: Vec::new(),
            config: Rc::new(Config {
                motd: String::from("Welcome! Maintenance on Sunday, 02:00 UTC."),
                rate_limits: vec![10, 100, 1_000, 10_000],
            }),
            page_cache: Mutex::new(HashMap::new()),
        }
    }

    fn sign_up(&mut self, id: u64) {
        let name = format!("user{id}");
        let email = format!("{name}@example.com");
        let tags = ["beta", "admin", "eu", "us"]
            .iter()
            .take((id % 4) as usize)
            .map(|t| t.to_string())
            .collect();
        self.by_email.insert(email.clone(), id);
        self.users.insert(
            id,
            User {
                id,
                name,
                email,
                tags,
            },
        );
    }

    fn log_in(&mut self, user: u64) {
        self.sessions.push(Session {
            user,
            token: format!("{:032x}", user.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            config: Rc::clone(&self.config),
        });
    }

    fn render(&self, page: &str) {
        let body = vec![b'x'; 512 + page.len() * 64];
        self.page_cache
            .lock()
            .unwrap()
            .insert(page.to_string(), body);
    }
}

fn main() -> std::io::Result<()> {
    // Sites are recorded from here on, on this thread.
    #[cfg(feature = "alloc-sites")]
    let tracing = memsize::alloc::sites::Tracing::start();
    let mut state = State::new();
    for id in 0..200 {
        state.sign_up(id);
    }
    for id in 0..50 {
        state.log_in(id);
    }
    for page in ["/", "/about", "/pricing"] {
        state.render(page);
    }

    let before = Report::new(&state);
    println!("{before}");
    println!("{}", before.by_type());

    // A burst of sign-ups and log-ins.
    for id in 200..1_000 {
        state.sign_up(id);
    }
    for id in 50..150 {
        state.log_in(id);
    }
    let after = Report::new(&state);
    println!("{}", after.diff(&before));

    // Where each path's own bytes were allocated.
    #[cfg(feature = "alloc-sites")]
    {
        let with_sites = Report::builder()
            .sites(&tracing)
            .root("State", &state)
            .build();
        println!("where each path's own bytes were allocated:");
        print!("{}", with_sites.sites_text(2));
        println!();
    }
    #[cfg(feature = "pprof")]
    {
        let path = default_dir().join("memsize-report.pb.gz");
        after.write_pprof(std::io::BufWriter::new(std::fs::File::create(&path)?))?;
        println!("pprof profile by path: {}", path.display());
        println!("  go tool pprof -top {}", path.display());
    }

    let out = std::env::args_os().nth(1).map(PathBuf::from);
    write_graph(&after, out)
}

/// The example's directory in the target directory.
fn default_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("."))
}

#[cfg(feature = "inferno")]
fn write_graph(report: &Report, out: Option<PathBuf>) -> std::io::Result<()> {
    let path = out.unwrap_or_else(|| default_dir().join("memsize-report.svg"));
    let file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    report.write_flamegraph(file)?;
    println!("flame graph: {}", path.display());
    Ok(())
}

#[cfg(not(feature = "inferno"))]
fn write_graph(report: &Report, out: Option<PathBuf>) -> std::io::Result<()> {
    let path = out.unwrap_or_else(|| default_dir().join("memsize-report.folded"));
    std::fs::write(&path, report.folded())?;
    println!("folded stacks: {}", path.display());
    println!("for an SVG: inferno-flamegraph --countname bytes < that file > report.svg,");
    println!("or run this example with --features inferno");
    Ok(())
}
