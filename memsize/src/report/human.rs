//! Numbers for people: byte sizes in binary units, counts with thousands
//! separators. Every human-readable figure of the crate goes through here.

use core::fmt;

use std_alloc::string::String;

use crate::lib::Vec;

/// A byte count in binary units, at most four digits before the point:
/// `512 B`, `1.5 KiB`, `23.0 MiB`, `4.2 GiB`, `1.0 TiB`. Units above bytes
/// have one decimal, rounded to nearest; a size that would round to 1024.0
/// of a unit is shown in the next one. Width, fill and alignment flags
/// apply to the whole (`{:>10}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bytes(pub u64);

/// A signed change in bytes, in the units of [`Bytes`], always with its
/// sign: `+1.5 KiB`, `-512 B`, `0 B`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Delta(pub i128);

/// A count with a comma every three digits: `1,000,000`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Count(pub u64);

/// A signed count with its sign: `+1,000`, `-3`, `0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CountDelta(pub i128);

/// A part of a whole in percent with one decimal: `12.5%`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Percent {
    pub part: u64,
    pub whole: u64,
}

const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];

/// Writes `bytes` in binary units to `out`.
fn write_bytes(out: &mut String, bytes: u128) {
    use core::fmt::Write;
    if bytes < 1024 {
        let _ = write!(out, "{bytes} B");
        return;
    }
    let mut unit = 1024u128;
    for (i, name) in UNITS.iter().enumerate() {
        // Tenths of the unit, rounded half up.
        let tenths = (bytes * 10 + unit / 2) / unit;
        if tenths < 10_240 || i + 1 == UNITS.len() {
            let _ = write!(out, "{}.{} {name}", tenths / 10, tenths % 10);
            return;
        }
        unit *= 1024;
    }
}

/// Writes `n` with a comma every three digits.
fn write_count(out: &mut String, n: u128) {
    let digits = {
        use core::fmt::Write;
        let mut s = String::new();
        let _ = write!(s, "{n}");
        s
    };
    for (i, ch) in digits.chars().enumerate() {
        if i != 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        write_bytes(&mut s, u128::from(self.0));
        f.pad(&s)
    }
}

impl fmt::Display for Delta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::from(sign(self.0));
        write_bytes(&mut s, self.0.unsigned_abs());
        f.pad(&s)
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        write_count(&mut s, u128::from(self.0));
        f.pad(&s)
    }
}

impl fmt::Display for CountDelta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::from(sign(self.0));
        write_count(&mut s, self.0.unsigned_abs());
        f.pad(&s)
    }
}

fn sign(n: i128) -> &'static str {
    match n {
        1.. => "+",
        0 => "",
        _ => "-",
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use core::fmt::Write;
        let mut s = String::new();
        if self.whole == 0 {
            s.push('-');
        } else {
            // Thousandths of the whole, rounded half up, in integers so the
            // output is the same on every platform.
            let permille = (u128::from(self.part) * 1000 + u128::from(self.whole) / 2)
                / u128::from(self.whole);
            let _ = write!(s, "{}.{}%", permille / 10, permille % 10);
        }
        f.pad(&s)
    }
}

/// `text` cut to at most `width` characters, the cut marked with `…`.
pub(crate) fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return String::from(text);
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `head: type_name tail`, or `head tail` where there is no type or it
/// says what `name` says, in at most `room` characters where it can: the
/// type cut with `…` first, down to a stub of 8 characters, then the head
/// in its middle (keeping its start and its end, the last path element),
/// down to [`MIN_HEAD`] characters.
/// Control characters are written as escapes ([`printable`]).
pub(crate) fn label(head: &str, name: &str, type_name: &str, tail: &str, room: usize) -> String {
    let (head, type_name) = (printable(head), printable(type_name));
    let (head, type_name) = (head.as_ref(), type_name.as_ref());
    let name = printable(name);
    let name = name.as_ref();
    let tail_width = width(tail);
    if type_name.is_empty() || type_name == name {
        let mut out = truncate_middle(head, room.saturating_sub(tail_width).max(MIN_HEAD));
        out.push_str(tail);
        return out;
    }
    const TYPE_STUB: usize = 8;
    let head_room = room
        .saturating_sub(tail_width + 2 + TYPE_STUB)
        .max(MIN_HEAD);
    let mut out = truncate_middle(head, head_room);
    out.push_str(": ");
    let type_room = room.saturating_sub(width(&out) + tail_width).max(TYPE_STUB);
    out.push_str(&truncate(type_name, type_room));
    out.push_str(tail);
    out
}

/// The fewest characters [`label`] cuts a head to.
pub(crate) const MIN_HEAD: usize = 12;

/// `text` cut to at most `width` characters by leaving out its middle,
/// marked with `…`: the start and the end stay.
pub(crate) fn truncate_middle(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len <= width {
        return String::from(text);
    }
    let keep = width.saturating_sub(1);
    let end = keep / 2;
    let start = keep - end;
    let mut out: String = text.chars().take(start).collect();
    out.push('…');
    out.extend(text.chars().skip(len - end));
    out
}

/// `text` with its control characters (which would move a terminal's
/// cursor, ring its bell or change its colors) written as escapes:
/// `\u{1b}`, `\n`, `\0` is `\u{0}`.
pub(crate) fn printable(text: &str) -> std_alloc::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std_alloc::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std_alloc::borrow::Cow::Owned(out)
}

/// The room left for a first column in `max` characters, once the other
/// columns of `rows` have theirs (two spaces apart).
pub(crate) fn room<'a>(max: usize, rows: impl Iterator<Item = &'a [String]>) -> usize {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        if widths.len() < row.len() {
            widths.resize(row.len(), 0);
        }
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    max.saturating_sub(widths.iter().map(|w| w + 2).sum::<usize>())
}

/// The display width of `text`: one column per character (what the report
/// writes is ASCII but for `…` and `×`).
pub(crate) fn width(text: &str) -> usize {
    text.chars().count()
}

/// Column alignment of a [`Table`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// Rows of cells printed in aligned columns, two spaces apart, with no
/// trailing spaces.
pub(crate) struct Table {
    pub align: Vec<Align>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(align: &[Align]) -> Table {
        Table {
            align: align.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.align.len());
        self.rows.push(cells);
    }

    /// The width of each column.
    pub fn widths(&self) -> Vec<usize> {
        let mut widths = crate::lib::vec![0; self.align.len()];
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(width(cell));
            }
        }
        widths
    }

    /// Cuts the cells of column `col` so that the first `cols` columns fit
    /// in `max` characters, down to `min` characters for that column.
    pub fn fit(&mut self, col: usize, cols: usize, max: usize, min: usize) {
        let widths = self.widths();
        let widths = &widths[..cols.min(widths.len())];
        let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len().saturating_sub(1));
        if total <= max {
            return;
        }
        let allowed = widths[col].saturating_sub(total - max).max(min);
        for row in &mut self.rows {
            if width(&row[col]) > allowed {
                row[col] = truncate(&row[col], allowed);
            }
        }
    }

    pub fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let widths = self.widths();
        for row in &self.rows {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i != 0 {
                    line.push_str("  ");
                }
                let pad = widths[i] - width(cell);
                match self.align[i] {
                    Align::Left => {
                        line.push_str(cell);
                        line.extend(core::iter::repeat_n(' ', pad));
                    }
                    Align::Right => {
                        line.extend(core::iter::repeat_n(' ', pad));
                        line.push_str(cell);
                    }
                }
            }
            f.write_str(line.trim_end())?;
            f.write_str("\n")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std_alloc::format;

    #[test]
    fn bytes() {
        let cases = [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KiB"),
            (1536, "1.5 KiB"),
            (1024 * 1024 - 52, "1023.9 KiB"),
            (1024 * 1024 - 51, "1.0 MiB"),
            (5 << 30, "5.0 GiB"),
            (u64::MAX, "16384.0 PiB"),
        ];
        for (n, s) in cases {
            assert_eq!(format!("{}", Bytes(n)), s, "{n}");
        }
        assert_eq!(format!("{:>8}", Bytes(1)), "     1 B");
        assert_eq!(format!("{}", Delta(-1536)), "-1.5 KiB");
        assert_eq!(format!("{}", Delta(7)), "+7 B");
        assert_eq!(format!("{}", Delta(0)), "0 B");
    }

    #[test]
    fn counts() {
        assert_eq!(format!("{}", Count(0)), "0");
        assert_eq!(format!("{}", Count(999)), "999");
        assert_eq!(format!("{}", Count(1000)), "1,000");
        assert_eq!(format!("{}", Count(1_234_567)), "1,234,567");
        assert_eq!(format!("{}", CountDelta(-1000)), "-1,000");
        assert_eq!(format!("{}", CountDelta(12)), "+12");
        let p = |part, whole| format!("{}", Percent { part, whole });
        assert_eq!(p(1, 3), "33.3%");
        assert_eq!(p(2, 3), "66.7%");
        assert_eq!(p(5, 5), "100.0%");
        assert_eq!(p(0, 0), "-");
        assert_eq!(truncate("HashMap<u64, String>", 10), "HashMap<u…");
        assert_eq!(
            truncate_middle("State.users[value].name", 12),
            "State.….name"
        );
        assert_eq!(truncate_middle("abc", 3), "abc");
        assert_eq!(
            printable("bell\u{7} esc\u{1b}[0m nul\0"),
            "bell\\u{7} esc\\u{1b}[0m nul\\u{0}"
        );
    }
}
