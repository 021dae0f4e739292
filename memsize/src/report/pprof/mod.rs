//! pprof profiles (`profile.proto`, gzipped): the heap profile format of
//! `go tool pprof`, Pyroscope, Parca, Grafana and speedscope.
//!
//! One builder interns strings, functions and locations; the report
//! ([`Report::write_pprof`]) and the allocation sites' snapshots
//! (`Snapshot::write_pprof`) each fill one.

use std::collections::HashMap;
use std::io;
use std::string::{String, ToString};
use std::vec::Vec;

use prost::Message;

use super::{short_type_name, NodeRef, Report};

mod proto;
#[cfg(feature = "alloc-sites")]
pub(crate) mod sites;

use proto::{Function, Line, Location, Mapping, Profile, Sample, ValueType};

/// A profile being built: every string, function and location once.
pub(crate) struct ProfileBuilder {
    profile: Profile,
    strings: HashMap<String, i64>,
    functions: HashMap<(i64, i64, i64), u64>,
}

impl ProfileBuilder {
    /// A profile whose samples carry one value per `(type, unit)`, shown
    /// first as `default`.
    pub(crate) fn new(sample_types: &[(&str, &str)], default: &str) -> Self {
        let mut b = ProfileBuilder {
            profile: Profile::default(),
            strings: HashMap::new(),
            functions: HashMap::new(),
        };
        b.string("");
        for &(ty, unit) in sample_types {
            let vt = b.value_type(ty, unit);
            b.profile.sample_type.push(vt);
        }
        b.profile.default_sample_type = b.string(default);
        b.profile.time_nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64);
        b
    }

    /// The index of `s` in the string table.
    pub(crate) fn string(&mut self, s: &str) -> i64 {
        if let Some(&i) = self.strings.get(s) {
            return i;
        }
        let i = self.profile.string_table.len() as i64;
        self.profile.string_table.push(s.to_string());
        self.strings.insert(s.to_string(), i);
        i
    }

    fn value_type(&mut self, ty: &str, unit: &str) -> ValueType {
        ValueType {
            r#type: self.string(ty),
            unit: self.string(unit),
        }
    }

    /// The sampling period: one sample per `period` `unit`s of `ty`.
    pub(crate) fn period(&mut self, ty: &str, unit: &str, period: i64) {
        self.profile.period_type = Some(self.value_type(ty, unit));
        self.profile.period = period;
    }

    /// A comment line, shown by `go tool pprof -raw` and in its web view.
    pub(crate) fn comment(&mut self, text: &str) {
        let i = self.string(text);
        self.profile.comment.push(i);
    }

    /// One mapping that every location lies in, already symbolized, so
    /// readers take the profile's names as they are and look up nothing.
    #[cfg_attr(not(feature = "alloc-sites"), allow(dead_code))]
    pub(crate) fn symbolized_mapping(&mut self, filename: &str) {
        let filename = self.string(filename);
        self.profile.mapping.push(Mapping {
            id: 1,
            memory_start: 0,
            memory_limit: u64::MAX,
            file_offset: 0,
            filename,
            build_id: 0,
            has_functions: true,
            has_filenames: true,
            has_line_numbers: true,
            has_inline_frames: true,
        });
    }

    /// The id of a function, by name, system name and file.
    pub(crate) fn function(&mut self, name: &str, system_name: &str, file: &str) -> u64 {
        let key = (
            self.string(name),
            self.string(system_name),
            self.string(file),
        );
        if let Some(&id) = self.functions.get(&key) {
            return id;
        }
        let id = self.profile.function.len() as u64 + 1;
        self.profile.function.push(Function {
            id,
            name: key.0,
            system_name: key.1,
            filename: key.2,
            start_line: 0,
        });
        self.functions.insert(key, id);
        id
    }

    /// A new location at `address` with `lines` (function id and line),
    /// innermost first; returns its id.
    pub(crate) fn location(&mut self, address: u64, lines: &[(u64, i64)]) -> u64 {
        let id = self.profile.location.len() as u64 + 1;
        self.profile.location.push(Location {
            id,
            mapping_id: if self.profile.mapping.is_empty() {
                0
            } else {
                1
            },
            address,
            line: lines
                .iter()
                .map(|&(function_id, line)| Line {
                    function_id,
                    line,
                    column: 0,
                })
                .collect(),
            is_folded: false,
        });
        id
    }

    /// A sample: its stack as location ids, the leaf first, and its values.
    pub(crate) fn sample(&mut self, location_id: Vec<u64>, value: Vec<i64>) {
        self.profile.sample.push(Sample {
            location_id,
            value,
            label: Vec::new(),
        });
    }

    /// The profile, encoded and gzipped.
    pub(crate) fn into_gzip(self) -> Vec<u8> {
        let encoded = self.profile.encode_to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        io::Write::write_all(&mut gz, &encoded).expect("writing to a Vec never fails");
        gz.finish().expect("writing to a Vec never fails")
    }
}

/// A count or size as a sample value.
pub(crate) fn value(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A node's frame: its path element and, where it says more, its type
/// (`names: Vec<String>`), as the flame graph names it.
fn node_frame(n: NodeRef<'_>) -> String {
    let name = if n.name().is_empty() { "_" } else { n.name() };
    if n.type_name().is_empty() {
        return name.to_string();
    }
    let short = short_type_name(n.type_name());
    if short == name {
        name.to_string()
    } else {
        std::format!("{name}: {short}")
    }
}

impl Report {
    /// Writes the report as a gzipped pprof profile (`profile.proto`), the
    /// heap profile format of `go tool pprof`, Pyroscope, Parca and
    /// Grafana: memory by path as those tools show memory by function.
    ///
    /// Each path element is a frame (a function named after the element
    /// and its type, `books: Vec<Book>`, with the full type name as its
    /// system name), and a path a stack, the root outermost. Each node with
    /// bytes of its own is one sample whose values are its
    /// [own allocations](NodeRef::own_allocations) (`inuse_objects`,
    /// `count`) and its [self bytes](NodeRef::self_bytes) (`inuse_space`,
    /// `bytes`, shown first): a frame's flat figures are what the nodes of
    /// that name hold themselves, its cumulative ones what they hold with
    /// everything below, and all samples sum to
    /// [`Report::allocations`] and [`Report::total_bytes`].
    ///
    /// ```
    /// use memsize::Report;
    ///
    /// let names: Vec<String> = (0..100).map(|i| format!("user {i}")).collect();
    /// let mut file = Vec::new();
    /// Report::new(&names).write_pprof(&mut file)?;
    /// // std::fs::write("names.pb.gz", &file)?;
    /// // then: go tool pprof -top names.pb.gz
    /// assert_eq!(&file[..2], &[0x1f, 0x8b]); // gzip
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "pprof")))]
    pub fn write_pprof<W: io::Write>(&self, mut writer: W) -> io::Result<()> {
        let mut b = ProfileBuilder::new(
            &[("inuse_objects", "count"), ("inuse_space", "bytes")],
            "inuse_space",
        );
        b.period("space", "bytes", 1);
        b.comment(&std::format!("memsize report of {}", self.root_title()));
        // Depth first with an explicit stack; each node's location is made
        // once, its stack is its parent's with it on top.
        let mut stack: Vec<(NodeRef<'_>, Vec<u64>)> = self
            .roots()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .map(|r| (r, Vec::new()))
            .collect();
        while let Some((n, above)) = stack.pop() {
            let frame = node_frame(n);
            let function = b.function(&frame, n.type_name(), "");
            let location = b.location(u64::from(n.index()), &[(function, 0)]);
            let mut here = Vec::with_capacity(above.len() + 1);
            here.push(location);
            here.extend_from_slice(&above);
            let (bytes, allocs) = (n.self_bytes(), n.own_allocations());
            if bytes > 0 || allocs > 0 {
                b.sample(here.clone(), std::vec![value(allocs), value(bytes)]);
            }
            let children: Vec<NodeRef<'_>> = n.children().collect();
            stack.extend(children.into_iter().rev().map(|c| (c, here.clone())));
        }
        writer.write_all(&b.into_gzip())
    }
}
