//! The memory of a running program: named roots of its state, registered
//! once, reported together on demand, as Prometheus metrics and through a
//! debug endpoint.
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::{Arc, RwLock};
//! use memsize::registry;
//!
//! let users: Arc<RwLock<HashMap<u64, String>>> = Arc::default();
//! // Held weakly: registering never keeps the state alive.
//! let _users = registry::register_arc("users", &users);
//! users.write().unwrap().insert(7, "ada".into());
//!
//! // From any thread, while the program runs: every root in one traversal.
//! let report = registry::report();
//! let root = report.roots().find(|r| r.name() == "users").unwrap();
//! assert!(root.heap_bytes() > 3);
//! // The same report for a debug endpoint, in a format chosen by name.
//! let (body, content_type) = registry::render("text").unwrap();
//! assert_eq!(content_type, "text/plain; charset=utf-8");
//! assert!(String::from_utf8(body).unwrap().contains("users"));
//! ```
//!
//! # Roots
//!
//! A root is one of:
//!
//! - an [`Arc`], held as a [`Weak`] ([`Registry::register_arc`]): the
//!   registry never keeps it alive, and once its last strong owner drops
//!   it, it is left out of the next report. The root is the `Arc` itself:
//!   its block (counters and value) and what the value owns, counted once
//!   with whatever else reaches the same block;
//! - a `&'static` value ([`Registry::register_static`]): a `static`, a
//!   `LazyLock`, something leaked on purpose;
//! - a function that measures into a [`Context`]
//!   ([`Registry::register_fn`]), the way [`SizeOf::add_heap`] does, for
//!   state that is not one value.
//!
//! Registering returns a [`Registration`], which unregisters the root when
//! it drops ([`Registration::keep`] keeps it for the program's life).
//! The functions of this module work on the [global] registry; a
//! [`Registry`] of one's own (a test's, a subsystem's) has the same methods.
//!
//! # Measuring while the program runs
//!
//! [`Registry::report`] measures every root in one traversal, so an
//! allocation several roots reach is counted once, at the first root that
//! reaches it (in registration order). It can be called from any thread at
//! any time, by several threads at once:
//!
//! - The list of roots is behind a read-write lock that registering and
//!   unregistering take for writing, briefly, and measuring takes for
//!   reading only while it copies the list (cloning each root's `Arc`,
//!   upgrading each `Weak`): no lock of the registry is held while the
//!   state is traversed, and two measurements never wait for each other.
//! - The state's own locks are read under the lock policy of every
//!   traversal (the README's "Locks and cells"): `try_read`/`try_lock`, a guard held only while its
//!   own contents are measured, a lock held elsewhere retried briefly and
//!   then skipped (and counted in [`Report::skipped`]). A worker that wants
//!   a lock while a measurement runs waits at most for that lock's
//!   contents to be measured; readers never wait for a measurement, which
//!   only reads. A writer of one big map behind one lock thus waits as long
//!   as the map takes to measure (about a second for a million records in
//!   a report, see `benches/README.md`): state split over several locks
//!   (shards, `dashmap` with its feature) is measured one lock at a time,
//!   and a writer waits only for its own shard.
//! - A root upgraded for a measurement lives until the measurement ends: if
//!   the program drops its last owner meanwhile, the value is dropped by the
//!   measuring thread, right after.
//!
//! With nothing measuring, the registry costs the program a list entry per
//! root: no thread, no hook in the program's code, no allocation.
//!
//! # A debug endpoint
//!
//! [`Registry::render`] gives the report in a format chosen by name, with
//! its content type, for any HTTP framework to serve (like Go's
//! `net/http/pprof`): see [`FORMATS`]. `cargo run --example service` serves
//! them with axum under `/debug/memory/...`, beside Prometheus metrics
//! (feature `metrics`) under `/metrics`.

use std::borrow::Cow;
use std::boxed::Box;
use std::fmt;
use std::string::{String, ToString};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::vec::Vec;

use crate::{Context, Report, SizeOf};

#[cfg(feature = "metrics")]
mod publish;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub use publish::{publish_once, publish_report, MetricsOptions, Publication, Publisher};

/// A function root: measures into the context it is given.
type MeasureFn = dyn Fn(&mut Context<'_>) + Send + Sync;

/// A weakly held `Arc` root, its type erased.
trait Upgrade: Send + Sync {
    /// The `Arc`, if it is still alive.
    fn upgrade(&self) -> Option<Box<dyn SizeOf + Send + Sync>>;
    /// The type of the `Arc`.
    fn type_name(&self) -> &'static str;
}

impl<T: SizeOf + Send + Sync + 'static> Upgrade for Weak<T> {
    fn upgrade(&self) -> Option<Box<dyn SizeOf + Send + Sync>> {
        Weak::upgrade(self).map(|arc| Box::new(arc) as Box<dyn SizeOf + Send + Sync>)
    }
    fn type_name(&self) -> &'static str {
        core::any::type_name::<Arc<T>>()
    }
}

enum Root {
    Arc(Box<dyn Upgrade>),
    Static {
        value: &'static (dyn SizeOf + Sync),
        type_name: &'static str,
    },
    Fn(Arc<MeasureFn>),
}

struct Entry {
    id: u64,
    name: Cow<'static, str>,
    root: Root,
}

/// A root as one measurement holds it.
enum Held {
    Value(Box<dyn SizeOf + Send + Sync>, &'static str),
    Static(&'static (dyn SizeOf + Sync), &'static str),
    Fn(Arc<MeasureFn>),
}

/// Named roots of a program's state, reported together. See the
/// [module docs](self); most programs use the [global] one through
/// this module's functions.
pub struct Registry {
    roots: RwLock<Vec<Entry>>,
    next_id: AtomicU64,
    /// The report the last `diff` rendering compared against.
    previous: Mutex<Option<Report>>,
    /// Publications started, to order them.
    #[cfg(feature = "metrics")]
    publications: AtomicU64,
    #[cfg(feature = "metrics")]
    published: Mutex<publish::Published>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let roots = self.roots.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Registry")
            .field("roots", &roots.iter().map(|e| &*e.name).collect::<Vec<_>>())
            .finish()
    }
}

static GLOBAL: Registry = Registry::new();

/// The registry this module's functions work on: one per program.
pub fn global() -> &'static Registry {
    &GLOBAL
}

/// Registers an `Arc` root in the [global] registry (see
/// [`Registry::register_arc`]).
pub fn register_arc<T: SizeOf + Send + Sync + 'static>(
    name: impl Into<Cow<'static, str>>,
    root: &Arc<T>,
) -> Registration<'static> {
    GLOBAL.register_arc(name, root)
}

/// Registers a `&'static` root in the [global] registry (see
/// [`Registry::register_static`]).
pub fn register_static<T: SizeOf + Sync + 'static>(
    name: impl Into<Cow<'static, str>>,
    root: &'static T,
) -> Registration<'static> {
    GLOBAL.register_static(name, root)
}

/// Registers a function root in the [global] registry (see
/// [`Registry::register_fn`]).
pub fn register_fn(
    name: impl Into<Cow<'static, str>>,
    measure: impl Fn(&mut Context<'_>) + Send + Sync + 'static,
) -> Registration<'static> {
    GLOBAL.register_fn(name, measure)
}

/// The report of every root of the [global] registry (see
/// [`Registry::report`]).
pub fn report() -> Report {
    GLOBAL.report()
}

/// The [global] registry's report in a format chosen by name (see
/// [`Registry::render`]).
pub fn render(format: &str) -> Result<(Vec<u8>, &'static str), UnknownFormat> {
    GLOBAL.render(format)
}

impl Registry {
    /// An empty registry.
    pub const fn new() -> Registry {
        Registry {
            roots: RwLock::new(Vec::new()),
            next_id: AtomicU64::new(0),
            previous: Mutex::new(None),
            #[cfg(feature = "metrics")]
            publications: AtomicU64::new(0),
            #[cfg(feature = "metrics")]
            published: Mutex::new(publish::Published::new()),
        }
    }

    fn add(&self, name: Cow<'static, str>, root: Root) -> Registration<'_> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.roots
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Entry { id, name, root });
        Registration { registry: self, id }
    }

    /// Registers `root` under `name`, held weakly: the registry never keeps
    /// it alive, and once the program drops its last strong owner the root
    /// is left out of every report. The root is the `Arc` itself (its block
    /// and what its value owns), its type shown as `Arc<T>`.
    ///
    /// Like any `Weak`, the registration keeps the `Arc`'s block allocated
    /// (its counters and the value's inline bytes, nothing the value owns)
    /// after the value is dropped, until the registration drops.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use memsize::registry::Registry;
    ///
    /// let registry = Registry::new();
    /// let cache = Arc::new(vec![0u8; 1000]);
    /// let _cache = registry.register_arc("cache", &cache);
    /// assert_eq!(registry.report().roots().len(), 1);
    /// drop(cache);
    /// assert_eq!(registry.report().roots().len(), 0);
    /// ```
    pub fn register_arc<T: SizeOf + Send + Sync + 'static>(
        &self,
        name: impl Into<Cow<'static, str>>,
        root: &Arc<T>,
    ) -> Registration<'_> {
        self.add(name.into(), Root::Arc(Box::new(Arc::downgrade(root))))
    }

    /// Registers a value that lives as long as the program (a `static`, a
    /// `LazyLock`'s contents) under `name`.
    ///
    /// ```
    /// use std::sync::{LazyLock, Mutex};
    /// use memsize::registry::Registry;
    ///
    /// static ROUTES: LazyLock<Mutex<Vec<String>>> = LazyLock::new(Default::default);
    ///
    /// let registry = Registry::new();
    /// registry.register_static("routes", LazyLock::force(&ROUTES)).keep();
    /// ROUTES.lock().unwrap().push("/users".into());
    /// let report = registry.report();
    /// assert_eq!(report.roots().next().unwrap().name(), "routes");
    /// ```
    pub fn register_static<T: SizeOf + Sync + 'static>(
        &self,
        name: impl Into<Cow<'static, str>>,
        root: &'static T,
    ) -> Registration<'_> {
        let root = Root::Static {
            value: root,
            type_name: core::any::type_name::<T>(),
        };
        self.add(name.into(), root)
    }

    /// Registers a function that measures a root into the [`Context`] it
    /// is given, the way [`SizeOf::add_heap`] does: for state that is not
    /// one value (a few fields of several structs, contents reached through
    /// a handle). Values the function reaches for a moment go to
    /// [`Context::add_borrowed`]; a lock to [`Context::add_borrowed`] too
    /// (its `SizeOf` reads it under the lock policy).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use memsize::registry::Registry;
    ///
    /// let log = Arc::new(Mutex::new(vec![String::from("GET /")]));
    /// let registry = Registry::new();
    /// let in_log = Arc::clone(&log);
    /// let _log = registry.register_fn("log", move |cx| cx.add_borrowed(&*in_log));
    /// assert_eq!(registry.report().heap_bytes(), 24 + 5);
    /// ```
    ///
    /// The function runs on whichever thread measures, while other threads
    /// may measure too: it must not block for long (no `lock()` on a lock
    /// the program may hold for long; `try_lock`, or a lock's own `SizeOf`).
    pub fn register_fn(
        &self,
        name: impl Into<Cow<'static, str>>,
        measure: impl Fn(&mut Context<'_>) + Send + Sync + 'static,
    ) -> Registration<'_> {
        self.add(name.into(), Root::Fn(Arc::new(measure)))
    }

    fn unregister(&self, id: u64) {
        let mut roots = self.roots.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = roots.iter().position(|e| e.id == id) {
            // Dropped outside the lock: the entry's function may own state.
            let entry = roots.remove(i);
            drop(roots);
            drop(entry);
        }
    }

    /// The roots as one measurement holds them: the list is read-locked only
    /// while it is copied.
    fn snapshot(&self) -> Vec<(Cow<'static, str>, Held)> {
        let roots = self.roots.read().unwrap_or_else(PoisonError::into_inner);
        roots
            .iter()
            .filter_map(|e| {
                let held = match &e.root {
                    Root::Arc(weak) => Held::Value(weak.upgrade()?, weak.type_name()),
                    Root::Static { value, type_name } => Held::Static(*value, type_name),
                    Root::Fn(f) => Held::Fn(Arc::clone(f)),
                };
                Some((e.name.clone(), held))
            })
            .collect()
    }

    /// How many roots are registered (dropped `Arc` roots included, until
    /// their registration drops).
    pub fn len(&self) -> usize {
        self.roots
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no root is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Measures every live root in one traversal, each shared allocation
    /// once across all of them, and returns the report: one root per
    /// registered root, in registration order, named as registered. Safe to
    /// call from any thread while the program runs (see
    /// [Measuring while the program runs](self#measuring-while-the-program-runs)).
    pub fn report(&self) -> Report {
        self.report_to(None)
    }

    /// [`report`](Self::report), following paths to `depth` at most (see
    /// [`ReportBuilder::max_depth`](crate::report::ReportBuilder::max_depth)).
    pub(crate) fn report_to(&self, depth: Option<usize>) -> Report {
        let held = self.snapshot();
        let mut builder = Report::builder();
        if let Some(depth) = depth {
            builder = builder.max_depth(depth);
        }
        for (name, root) in &held {
            builder = match root {
                Held::Value(value, type_name) => {
                    builder.root_dyn(name.clone(), type_name, &**value)
                }
                Held::Static(value, type_name) => builder.root_dyn(name.clone(), type_name, *value),
                Held::Fn(measure) => builder.root_with(name.clone(), |cx| measure(cx)),
            };
        }
        let report = builder.build();
        // The roots held for the measurement are let go only now, after the
        // traversal: a root the program dropped meanwhile is dropped here.
        drop(held);
        report
    }

    /// The registry's report rendered in `format`, with its content type,
    /// for a debug endpoint (see [`FORMATS`]):
    ///
    /// | format | what | content type |
    /// |---|---|---|
    /// | `text` | the tree ([`Report`]'s `Display`) | `text/plain; charset=utf-8` |
    /// | `types` | the table by type ([`Report::by_type`]) | `text/plain; charset=utf-8` |
    /// | `json` | the report's JSON form (feature `serde`) | `application/json` |
    /// | `svg` | a flame graph ([`Report::write_flamegraph`], feature `inferno`) | `image/svg+xml` |
    /// | `diff` | the growth since the previous `diff` rendering of this registry ([`Report::diff`]); the first one, since nothing | `text/plain; charset=utf-8` |
    /// | `pprof` | a gzipped pprof profile, memory by field as `go tool pprof` shows memory by function (`Report::write_pprof`, feature `pprof`) | `application/octet-stream` |
    ///
    /// Every rendering measures anew. A format this build doesn't know (or
    /// knows but without its feature) is an [`UnknownFormat`].
    ///
    /// ```
    /// use memsize::registry::Registry;
    ///
    /// let registry = Registry::new();
    /// let (body, content_type) = registry.render("types").unwrap();
    /// assert!(content_type.starts_with("text/plain"));
    /// assert!(registry.render("bmp").is_err());
    /// ```
    pub fn render(&self, format: &str) -> Result<(Vec<u8>, &'static str), UnknownFormat> {
        const TEXT: &str = "text/plain; charset=utf-8";
        let unknown = |needs| UnknownFormat {
            format: format.to_string(),
            needs,
        };
        match format {
            "text" => Ok((self.report().to_string().into_bytes(), TEXT)),
            "types" => Ok((self.report().by_type().to_string().into_bytes(), TEXT)),
            "diff" => {
                let now = self.report();
                let before = self
                    .previous
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .replace(now.clone())
                    .unwrap_or_else(|| Report::builder().build());
                Ok((now.diff(&before).to_string().into_bytes(), TEXT))
            }
            #[cfg(feature = "serde")]
            "json" => {
                let json = serde_json::to_vec(&self.report())
                    .expect("a report serializes: its keys are strings");
                Ok((json, "application/json"))
            }
            #[cfg(not(feature = "serde"))]
            "json" => Err(unknown(Some("serde"))),
            #[cfg(feature = "inferno")]
            "svg" => {
                let mut svg = Vec::new();
                // An empty report still gives an SVG (saying there is
                // nothing to draw), with an error beside it: serve the SVG.
                let _ = self.report().write_flamegraph(&mut svg);
                Ok((svg, "image/svg+xml"))
            }
            #[cfg(not(feature = "inferno"))]
            "svg" => Err(unknown(Some("inferno"))),
            #[cfg(feature = "pprof")]
            "pprof" => {
                let mut profile = Vec::new();
                self.report()
                    .write_pprof(&mut profile)
                    .expect("writing to a Vec does not fail");
                Ok((profile, "application/octet-stream"))
            }
            #[cfg(not(feature = "pprof"))]
            "pprof" => Err(unknown(Some("pprof"))),
            _ => Err(unknown(None)),
        }
    }
}

/// The formats [`Registry::render`] knows in this build, in the order an
/// index page would list them.
pub const FORMATS: &[&str] = &[
    "text",
    "types",
    #[cfg(feature = "serde")]
    "json",
    #[cfg(feature = "inferno")]
    "svg",
    "diff",
    #[cfg(feature = "pprof")]
    "pprof",
];

/// A format [`Registry::render`] does not know, or knows only with a Cargo
/// feature this build doesn't have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFormat {
    format: String,
    needs: Option<&'static str>,
}

impl UnknownFormat {
    /// The format asked for.
    pub fn format(&self) -> &str {
        &self.format
    }
}

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.needs {
            Some(feature) => write!(
                f,
                "format `{}` needs memsize's `{feature}` feature",
                self.format
            ),
            None => write!(
                f,
                "unknown format `{}`; known: {}",
                self.format,
                FORMATS.join(", ")
            ),
        }
    }
}

impl std::error::Error for UnknownFormat {}

/// A registered root: unregisters it when dropped. Returned by the
/// `register_*` methods of [`Registry`] and functions of this module.
#[must_use = "the root is unregistered as soon as its Registration drops; `.keep()` keeps it"]
pub struct Registration<'r> {
    registry: &'r Registry,
    id: u64,
}

impl Registration<'_> {
    /// Keeps the root registered for as long as its registry lives (the
    /// program's life, for the global one).
    pub fn keep(self) {
        core::mem::forget(self);
    }
}

impl fmt::Debug for Registration<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("id", &self.id)
            .finish()
    }
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.registry.unregister(self.id);
    }
}
