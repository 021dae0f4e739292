//! A small web service whose memory is measured while it runs: its state
//! registered as named roots, published as Prometheus metrics on
//! `/metrics`, and served by format under `/debug/memory`, like Go's
//! `net/http/pprof`.
//!
//! ```sh
//! cargo run --example service --features metrics,serde,inferno -- 8080
//! curl http://127.0.0.1:8080/debug/memory/text
//! ```
//!
//! The port is the first argument, else `MEMSIZE_SERVICE_PORT`, else 8080
//! (0 picks a free one; the line `listening on http://...` says which).
//! The state: a user store (`HashMap<u64, User>` behind an `RwLock` in an
//! `Arc`) that a workload grows every 200 ms and `POST /users` grows too, a
//! cache of rendered profiles that `GET /users/{id}` fills, a log of recent
//! requests, and templates loaded once into a `static`.
//!
//! - `MEMSIZE_SERVICE_USERS`: users to start with (default 1,000).
//! - `MEMSIZE_SERVICE_GROW`: users the workload adds each tick (default 5).
//! - `POST /freeze`: stops the workload and every request that changes the
//!   state, so that figures read at different moments (a Prometheus scrape,
//!   a JSON report) can be compared to the byte.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, RwLock};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use memsize::registry::{self, Publisher};
use memsize::SizeOf;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

#[derive(SizeOf)]
struct User {
    id: u64,
    name: String,
    email: String,
    roles: Vec<String>,
    avatar: Option<Box<[u8]>>,
}

/// Rendered profiles, the most recent `CACHE_ENTRIES`.
#[derive(SizeOf, Default)]
struct Cache {
    pages: HashMap<u64, Arc<str>>,
    order: VecDeque<u64>,
    hits: u64,
    misses: u64,
}

const CACHE_ENTRIES: usize = 500;
const LOG_ENTRIES: usize = 100;

/// Loaded once, for the program's life.
#[derive(SizeOf)]
struct Templates {
    index: String,
    profile: String,
}

static TEMPLATES: LazyLock<Templates> = LazyLock::new(|| Templates {
    index: String::from(
        "<!doctype html><title>memory</title><h1>Memory of this service</h1>\
         <p>The registered roots, measured on each request:</p><ul>{links}</ul>\
         <p>Prometheus metrics: <a href=\"/metrics\">/metrics</a></p>",
    ),
    profile: String::from("<h1>{name}</h1><p>{email}</p><p>roles: {roles}</p>"),
});

type Users = Arc<RwLock<HashMap<u64, User>>>;

#[derive(Clone)]
struct App {
    users: Users,
    cache: Arc<Mutex<Cache>>,
    log: Arc<Mutex<VecDeque<String>>>,
    next_id: Arc<AtomicU64>,
    frozen: Arc<AtomicBool>,
    metrics: PrometheusHandle,
}

/// A deterministic user from its id.
fn user(id: u64) -> User {
    let x = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
    let roles = (0..x % 4).map(|r| format!("role-{r}")).collect();
    User {
        id,
        name: format!("user {id}"),
        email: format!("user.{id}@example.com"),
        roles,
        avatar: (x % 10 == 0).then(|| vec![0u8; 256 + (x % 512) as usize].into_boxed_slice()),
    }
}

impl App {
    fn add_users(&self, n: u64) -> u64 {
        let mut users = self.users.write().unwrap();
        let mut last = 0;
        for _ in 0..n {
            last = self.next_id.fetch_add(1, Ordering::Relaxed);
            users.insert(last, user(last));
        }
        last
    }

    fn note(&self, request: String) {
        let mut log = self.log.lock().unwrap();
        if log.len() == LOG_ENTRIES {
            log.pop_front();
        }
        log.push_back(request);
    }

    fn profile(&self, id: u64) -> Option<Arc<str>> {
        let mut cache = self.cache.lock().unwrap();
        if let Some(page) = cache.pages.get(&id).cloned() {
            cache.hits += 1;
            return Some(page);
        }
        let page: Arc<str> = {
            let users = self.users.read().unwrap();
            let u = users.get(&id)?;
            TEMPLATES
                .profile
                .replace("{name}", &u.name)
                .replace("{email}", &u.email)
                .replace("{roles}", &u.roles.join(", "))
                .into()
        };
        cache.misses += 1;
        cache.pages.insert(id, Arc::clone(&page));
        cache.order.push_back(id);
        if cache.order.len() > CACHE_ENTRIES {
            let old = cache.order.pop_front().unwrap();
            cache.pages.remove(&old);
        }
        Some(page)
    }
}

async fn index() -> Html<String> {
    let links: String = registry::FORMATS
        .iter()
        .map(|f| format!("<li><a href=\"/debug/memory/{f}\">{f}</a></li>"))
        .collect();
    Html(TEMPLATES.index.replace("{links}", &links))
}

/// One format of the registry's report. Measuring is blocking work: it
/// runs off the async workers.
async fn memory(Path(format): Path<String>) -> Response {
    match tokio::task::spawn_blocking(move || registry::render(&format)).await {
        Ok(Ok((body, content_type))) => {
            ([(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        Ok(Err(unknown)) => (StatusCode::NOT_FOUND, unknown.to_string()).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn prometheus(State(app): State<App>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
        .into_response()
}

async fn add_user(State(app): State<App>) -> Response {
    if app.frozen.load(Ordering::Relaxed) {
        return (StatusCode::CONFLICT, "frozen").into_response();
    }
    app.note(String::from("POST /users"));
    let id = app.add_users(1);
    (StatusCode::CREATED, id.to_string()).into_response()
}

async fn get_user(State(app): State<App>, Path(id): Path<u64>) -> Response {
    if app.frozen.load(Ordering::Relaxed) {
        // The cache and the log would change.
        return (StatusCode::CONFLICT, "frozen").into_response();
    }
    app.note(format!("GET /users/{id}"));
    match app.profile(id) {
        Some(page) => Html(page.to_string()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn freeze(State(app): State<App>) -> &'static str {
    app.frozen.store(true, Ordering::SeqCst);
    "frozen\n"
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("MEMSIZE_SERVICE_PORT").ok())
        .map(|p| p.parse().expect("the port is a number"))
        .unwrap_or(8080);
    let metrics = PrometheusBuilder::new()
        .install_recorder()
        .expect("installing the Prometheus recorder");

    let app = App {
        users: Arc::default(),
        cache: Arc::default(),
        log: Arc::default(),
        next_id: Arc::new(AtomicU64::new(1)),
        frozen: Arc::new(AtomicBool::new(false)),
        metrics,
    };
    app.add_users(env_u64("MEMSIZE_SERVICE_USERS", 1000));

    // The roots, registered once. `Arc`s are held weakly; the log is
    // measured by a function, the templates are a static.
    registry::register_arc("users", &app.users).keep();
    registry::register_arc("cache", &app.cache).keep();
    let log = Arc::clone(&app.log);
    registry::register_fn("log", move |cx| cx.add_borrowed(&*log)).keep();
    registry::register_static("templates", LazyLock::force(&TEMPLATES)).keep();
    // Gauges every second, on a thread of their own.
    let _publisher = Publisher::spawn(Duration::from_secs(1));

    // The workload: new users, and profile views that fill the cache.
    let grow = env_u64("MEMSIZE_SERVICE_GROW", 5);
    let work = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        let mut n = 0u64;
        loop {
            tick.tick().await;
            if work.frozen.load(Ordering::Relaxed) {
                continue;
            }
            let last = work.add_users(grow);
            for i in 0..grow {
                n += 1;
                let id = 1 + (n * 7919 + i) % last.max(1);
                work.note(format!("GET /users/{id}"));
                work.profile(id);
            }
        }
    });

    let router = Router::new()
        .route("/debug/memory", get(index))
        .route("/debug/memory/{format}", get(memory))
        .route("/metrics", get(prometheus))
        .route("/users", post(add_user))
        .route("/users/{id}", get(get_user))
        .route("/freeze", post(freeze))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("binding the port");
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, router).await.unwrap();
}
