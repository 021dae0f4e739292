//! The messages of pprof's `profile.proto` (github.com/google/pprof,
//! `proto/profile.proto`), written out by hand for prost's derive, so no
//! `protoc` is needed to build. Field numbers and types are the ones of
//! that file; a field this crate never writes is left out (a reader skips
//! a missing field like a zero one).

use std::string::String;
use std::vec::Vec;

/// A whole profile. Strings are indices into `string_table`, whose first
/// entry is the empty string.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Profile {
    /// What each value of a sample measures.
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    /// The samples: a stack of locations and one value per sample type.
    #[prost(message, repeated, tag = "2")]
    pub sample: Vec<Sample>,
    /// The binaries the addresses lie in.
    #[prost(message, repeated, tag = "3")]
    pub mapping: Vec<Mapping>,
    /// The locations the samples' stacks name, by id.
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<Location>,
    /// The functions the locations' lines name, by id.
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    /// Every string of the profile; entry 0 is `""`.
    #[prost(string, repeated, tag = "6")]
    pub string_table: Vec<String>,
    /// A regexp of frames to drop, with what they call (unused: 0).
    #[prost(int64, tag = "7")]
    pub drop_frames: i64,
    /// A regexp of frames to keep (unused: 0).
    #[prost(int64, tag = "8")]
    pub keep_frames: i64,
    /// When the profile was taken, in nanoseconds since the Unix epoch.
    #[prost(int64, tag = "9")]
    pub time_nanos: i64,
    /// How long it covers, in nanoseconds.
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    /// What one unit of `period` is.
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<ValueType>,
    /// The sampling period: one sample per `period` of `period_type`.
    #[prost(int64, tag = "12")]
    pub period: i64,
    /// Free-form comments, as string indices.
    #[prost(int64, repeated, tag = "13")]
    pub comment: Vec<i64>,
    /// The sample type a reader shows first, as a string index.
    #[prost(int64, tag = "14")]
    pub default_sample_type: i64,
}

/// A kind of value and its unit, as string indices (`inuse_space`,
/// `bytes`).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ValueType {
    /// The kind.
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    /// The unit.
    #[prost(int64, tag = "2")]
    pub unit: i64,
}

/// One sample: a stack, the leaf first, and its values.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Sample {
    /// Location ids, the leaf first.
    #[prost(uint64, repeated, tag = "1")]
    pub location_id: Vec<u64>,
    /// One value per sample type.
    #[prost(int64, repeated, tag = "2")]
    pub value: Vec<i64>,
    /// Extra labels.
    #[prost(message, repeated, tag = "3")]
    pub label: Vec<Label>,
}

/// A sample's label: a key and a string or a number.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Label {
    /// The key, a string index.
    #[prost(int64, tag = "1")]
    pub key: i64,
    /// A string value, a string index.
    #[prost(int64, tag = "2")]
    pub str: i64,
    /// A numeric value.
    #[prost(int64, tag = "3")]
    pub num: i64,
    /// The numeric value's unit, a string index.
    #[prost(int64, tag = "4")]
    pub num_unit: i64,
}

/// A binary mapped into memory.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Mapping {
    /// Its id, from 1.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// Where it starts in memory.
    #[prost(uint64, tag = "2")]
    pub memory_start: u64,
    /// Where it ends.
    #[prost(uint64, tag = "3")]
    pub memory_limit: u64,
    /// The file offset that `memory_start` maps.
    #[prost(uint64, tag = "4")]
    pub file_offset: u64,
    /// The binary's path, a string index.
    #[prost(int64, tag = "5")]
    pub filename: i64,
    /// Its build id, a string index.
    #[prost(int64, tag = "6")]
    pub build_id: i64,
    /// Whether the locations in it are already symbolized.
    #[prost(bool, tag = "7")]
    pub has_functions: bool,
    /// Whether they have file names.
    #[prost(bool, tag = "8")]
    pub has_filenames: bool,
    /// Whether they have line numbers.
    #[prost(bool, tag = "9")]
    pub has_line_numbers: bool,
    /// Whether inlined frames are told apart.
    #[prost(bool, tag = "10")]
    pub has_inline_frames: bool,
}

/// One place in the code: an address, and the lines there, the innermost
/// (inlined) first and the function they were inlined into last.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Location {
    /// Its id, from 1.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// The mapping it lies in (0: none).
    #[prost(uint64, tag = "2")]
    pub mapping_id: u64,
    /// The instruction address.
    #[prost(uint64, tag = "3")]
    pub address: u64,
    /// The lines, innermost first.
    #[prost(message, repeated, tag = "4")]
    pub line: Vec<Line>,
    /// Whether several addresses were folded into this one.
    #[prost(bool, tag = "5")]
    pub is_folded: bool,
}

/// A line of a function.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Line {
    /// The function's id.
    #[prost(uint64, tag = "1")]
    pub function_id: u64,
    /// The line number (0: unknown).
    #[prost(int64, tag = "2")]
    pub line: i64,
    /// The column (0: unknown).
    #[prost(int64, tag = "3")]
    pub column: i64,
}

/// A function.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Function {
    /// Its id, from 1.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// Its name as people read it, a string index.
    #[prost(int64, tag = "2")]
    pub name: i64,
    /// Its name as the system knows it (mangled), a string index.
    #[prost(int64, tag = "3")]
    pub system_name: i64,
    /// Its source file, a string index.
    #[prost(int64, tag = "4")]
    pub filename: i64,
    /// The line it starts at (0: unknown).
    #[prost(int64, tag = "5")]
    pub start_line: i64,
}
