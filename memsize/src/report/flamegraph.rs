//! The report as an SVG flame graph, drawn by `inferno`.

use std::io;

use super::folded::frame;
use super::human::Bytes;
use super::Report;

impl Report {
    /// Writes the report as an SVG flame graph: one frame per path, as wide
    /// as its total, from the [folded stacks](Report::folded) with each
    /// frame's type (`names: Vec<String>`). Hovering a frame shows its
    /// bytes and share; clicking zooms in.
    ///
    /// ```
    /// use memsize::Report;
    ///
    /// let names: Vec<String> = (0..100).map(|i| format!("user {i}")).collect();
    /// let mut svg = Vec::new();
    /// Report::new(&names).write_flamegraph(&mut svg)?;
    /// assert!(String::from_utf8(svg).unwrap().contains("<svg"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// A report whose total is zero has nothing to draw: inferno then writes
    /// an SVG that says so, and this returns an
    /// [`InvalidData`](io::ErrorKind::InvalidData) error.
    #[cfg_attr(docsrs, doc(cfg(feature = "inferno")))]
    pub fn write_flamegraph<W: io::Write>(&self, writer: W) -> io::Result<()> {
        let folded = self.folded_frames(true);
        let mut options = inferno::flamegraph::Options::default();
        // The title is a name from the data too: made safe like a frame.
        options.title = std::format!(
            "{} ({})",
            frame(&self.root_title()),
            Bytes(self.total_bytes())
        );
        options.count_name = std::string::String::from("bytes");
        options.name_type = std::string::String::from("Path:");
        options.colors =
            inferno::flamegraph::Palette::Basic(inferno::flamegraph::color::BasicPalette::Mem);
        // Colors from the names alone: the same report, the same picture.
        options.deterministic = true;
        inferno::flamegraph::from_lines(&mut options, folded.lines(), writer)
    }
}
