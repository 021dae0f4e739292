//! An allocation-sites snapshot as a pprof heap profile.

use std::collections::HashMap;
use std::io;
use std::string::ToString;
use std::vec::Vec;

use super::{value, ProfileBuilder};
use crate::alloc::sites::Snapshot;
use crate::alloc::untracked;

impl Snapshot {
    /// Writes the snapshot as a gzipped pprof heap profile
    /// (`profile.proto`), as Go's runtime writes one: read it with `go tool
    /// pprof -http=:8080 heap.pb.gz` or `go tool pprof -top heap.pb.gz`, or
    /// load it into Pyroscope, Parca or Grafana.
    ///
    /// Its samples are the snapshot's backtraces with their real
    /// functions, files and lines, inlined frames included, each stack
    /// starting at the first frame of the user's code (the frames of the
    /// allocator, memsize and std before it are left out, so the flat
    /// figures are the user's lines). Sample types, in Go's order:
    /// `alloc_objects`/`count` and `alloc_space`/`bytes` (every allocation
    /// made since the tracing started, freed or not; a reallocation counts
    /// as one), `inuse_objects`/`count` and `inuse_space`/`bytes` (the live
    /// ones, shown first). The totals of `inuse_*` are
    /// [`Snapshot::count`] and [`Snapshot::bytes`]. The period
    /// (`space`/`bytes`) is one byte when every allocation was recorded,
    /// else the mean bytes between samples
    /// ([`sample_every`](crate::alloc::sites::TracingBuilder::sample_every)),
    /// and the values are the estimates, already scaled, as in Go's
    /// profiles.
    ///
    /// Writing resolves symbols, untracked: nothing it does but the writes
    /// into `writer` counts in the measurements open around it. Two
    /// snapshots' profiles diff with `go tool pprof -diff_base old.pb.gz
    /// new.pb.gz`.
    #[cfg_attr(docsrs, doc(cfg(all(feature = "pprof", feature = "alloc-sites"))))]
    pub fn write_pprof<W: io::Write>(&self, mut writer: W) -> io::Result<()> {
        let gz = {
            let _untracked = untracked();
            self.pprof_bytes()
        };
        let written = writer.write_all(&gz);
        let _untracked = untracked();
        drop(gz);
        written
    }

    fn pprof_bytes(&self) -> Vec<u8> {
        let mut b = ProfileBuilder::new(
            &[
                ("alloc_objects", "count"),
                ("alloc_space", "bytes"),
                ("inuse_objects", "count"),
                ("inuse_space", "bytes"),
            ],
            "inuse_space",
        );
        b.period(
            "space",
            "bytes",
            self.sample_every().map_or(1, super::value),
        );
        let exe = std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        b.symbolized_mapping(&exe);
        b.comment("memsize allocation sites");
        // A location per address and how many of its frames are kept (the
        // leaf's address keeps only the user's).
        let mut locations: HashMap<(usize, usize), u64> = HashMap::new();
        for t in self.resolved_traces() {
            let mut stack = Vec::with_capacity(t.stack.len());
            for (address, frames) in &t.stack {
                let key = (*address, frames.len());
                let id = match locations.get(&key) {
                    Some(&id) => id,
                    None => {
                        let lines: Vec<(u64, i64)> = frames
                            .iter()
                            .map(|(f, symbol)| {
                                let file = f.file.as_deref().unwrap_or("");
                                let function = b.function(&f.function, symbol, file);
                                (function, i64::from(f.line.unwrap_or(0)))
                            })
                            .collect();
                        let id = b.location(*address as u64, &lines);
                        locations.insert(key, id);
                        id
                    }
                };
                stack.push(id);
            }
            b.sample(
                stack,
                std::vec![
                    value(t.allocated),
                    value(t.allocated_bytes),
                    value(t.count),
                    value(t.bytes),
                ],
            );
        }
        b.into_gzip()
    }
}
