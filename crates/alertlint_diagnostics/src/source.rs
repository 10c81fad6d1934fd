//! Source files and byte spans, and the conversion from spans to the line/column pairs that
//! users see. Every diagnostic position in alertlint is a byte range into one `SourceFile`.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A half-open byte range into a [`SourceFile`]'s text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }

    pub fn point(at: usize) -> Self {
        Span { start: at, end: at }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A 1-based line and column; the column counts characters, as editors do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

/// One file as read from disk, with a line index for position lookups.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user named it (relative paths stay relative), used in every report.
    pub path: PathBuf,
    pub text: String,
    /// Built on the first position lookup: most files (10,000 runbooks, say) never have a
    /// finding, and an index for each would be built, and held, for nothing.
    index: std::sync::OnceLock<LineIndex>,
}

/// Where lines start and how many characters precede a byte, computed once per file so that
/// each position lookup is a binary search plus a bounded count, whatever the number of
/// lookups and however long the lines (a one-line JSON rule file, a runbook of 100,000 links).
#[derive(Debug)]
struct LineIndex {
    /// The byte offset of each line's start. Lines end at `\n`, `\r\n` or a lone `\r`, the
    /// line breaks of YAML 1.2 (and of the YAML reader, so that line numbers agree with the
    /// positions the checks compute) and of CommonMark.
    starts: Vec<usize>,
    /// For text that is not all ASCII, the number of characters before each multiple of
    /// [`CHAR_MARK`] bytes; `None` when bytes and characters coincide.
    char_marks: Option<Vec<usize>>,
}

/// The spacing of [`LineIndex::char_marks`], in bytes: a lookup counts at most this many bytes.
const CHAR_MARK: usize = 1024;

/// A byte that starts a character (not a UTF-8 continuation byte).
fn starts_char(b: &u8) -> bool {
    (*b as i8) >= -0x40
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                continue;
            }
            starts.push(i + 1);
        }
        let char_marks = (!text.is_ascii()).then(|| {
            let mut marks = Vec::with_capacity(bytes.len() / CHAR_MARK + 1);
            let mut chars = 0;
            for chunk in bytes.chunks(CHAR_MARK) {
                marks.push(chars);
                chars += chunk.iter().filter(|b| starts_char(b)).count();
            }
            // The end of a text whose length is a multiple of CHAR_MARK.
            marks.push(chars);
            marks
        });
        LineIndex { starts, char_marks }
    }

    /// The 0-based line holding byte `offset`.
    fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// The number of characters before byte `offset` (a character boundary of `text`).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        match &self.char_marks {
            None => offset,
            Some(marks) => {
                let mark = offset / CHAR_MARK;
                let from = mark * CHAR_MARK;
                marks[mark]
                    + text.as_bytes()[from..offset]
                        .iter()
                        .filter(|b| starts_char(b))
                        .count()
            }
        }
    }
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Arc<Self> {
        Arc::new(SourceFile {
            path: path.into(),
            text,
            index: std::sync::OnceLock::new(),
        })
    }

    fn index(&self) -> &LineIndex {
        self.index.get_or_init(|| LineIndex::new(&self.text))
    }

    /// The path with forward slashes, as reports print it on every platform.
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// Clamps an offset into the text and back onto a character boundary.
    pub fn clamp(&self, offset: usize) -> usize {
        let mut o = offset.min(self.text.len());
        while !self.text.is_char_boundary(o) {
            o -= 1;
        }
        o
    }

    /// The 1-based line and column of a byte offset (clamped into the text), by binary search
    /// in the file's line index: no scan from the start of the file or of the line.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.clamp(offset);
        let index = self.index();
        let line = index.line(offset);
        let start = index.starts[line];
        LineCol {
            line: line + 1,
            col: index.chars_before(&self.text, offset) - index.chars_before(&self.text, start) + 1,
        }
    }

    /// The number of lines: line breaks plus one (an empty last line follows a final break).
    pub fn line_count(&self) -> usize {
        self.index().starts.len()
    }

    /// The 1-based line holding a byte offset (clamped into the text).
    pub fn line_of(&self, offset: usize) -> usize {
        self.index().line(offset.min(self.text.len())) + 1
    }

    /// Byte offset of the start of a 1-based line (the end of the text past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.index()
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// Byte offset of the end of a 1-based line's text, before its line break.
    pub fn line_end(&self, line: usize) -> usize {
        let start = self.line_start(line);
        let next = self.line_start(line + 1).min(self.text.len());
        let bytes = &self.text.as_bytes()[start..next];
        let brk = match bytes {
            [.., b'\r', b'\n'] => 2,
            [.., b'\n' | b'\r'] => 1,
            _ => 0,
        };
        next - brk
    }

    /// The text of a 1-based line without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        &self.text[self.line_start(line)..self.line_end(line)]
    }

    /// The number of characters between two byte offsets (clamped, in order), through the
    /// index: a bounded count however far apart they are.
    pub fn chars_between(&self, from: usize, to: usize) -> usize {
        let (from, to) = (self.clamp(from), self.clamp(to));
        let index = self.index();
        index
            .chars_before(&self.text, to.max(from))
            .saturating_sub(index.chars_before(&self.text, from))
    }
}

/// `std::path::absolute`, with the working directory read once per run (alertlint never
/// changes it): it is asked for every diagnostic and every runbook link, and each read is a
/// system call.
pub fn absolute(path: &Path) -> PathBuf {
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let joined;
    let path = match CWD.get_or_init(|| std::env::current_dir().ok()) {
        Some(cwd) if path.is_relative() && !path.as_os_str().is_empty() => {
            joined = cwd.join(path);
            &joined
        }
        _ => path,
    };
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let f = SourceFile::new("f.yaml", "ab\nçd\n\nx".to_string());
        assert_eq!(f.line_col(0), LineCol { line: 1, col: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, col: 1 });
        // 'd' follows a two-byte 'ç'
        assert_eq!(f.line_col(5), LineCol { line: 2, col: 2 });
        assert_eq!(f.line_col(7), LineCol { line: 3, col: 1 });
        assert_eq!(f.line_col(8), LineCol { line: 4, col: 1 });
        assert_eq!(f.line_col(999), LineCol { line: 4, col: 2 });
        assert_eq!(f.line_text(2), "çd");
    }

    /// `\n`, `\r\n` and a lone `\r` each end a line, as they do for the YAML reader.
    #[test]
    fn lines_end_at_lf_crlf_and_lone_cr() {
        let f = SourceFile::new("f.yaml", "a\rbb\r\nccc\nd\r\re".to_string());
        assert_eq!(f.line_count(), 6);
        let lines: Vec<&str> = (1..=6).map(|l| f.line_text(l)).collect();
        assert_eq!(lines, ["a", "bb", "ccc", "d", "", "e"]);
        assert_eq!(f.line_col(2), LineCol { line: 2, col: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, col: 2 });
        assert_eq!(f.line_col(6), LineCol { line: 3, col: 1 });
        assert_eq!(f.line_col(13), LineCol { line: 6, col: 1 });
        assert_eq!(f.line_of(4), 2);
        assert_eq!(f.line_end(2), 4);
        let f = SourceFile::new("f.yaml", "x\r".to_string());
        assert_eq!(f.line_count(), 2);
        assert_eq!(f.line_col(2), LineCol { line: 2, col: 1 });
    }

    /// Columns count characters however long the line: the index's marks every `CHAR_MARK`
    /// bytes agree with counting from the start of the line.
    #[test]
    fn columns_on_long_lines_count_characters() {
        let line: String = (0..5000)
            .map(|i| if i % 7 == 0 { 'é' } else { 'x' })
            .collect();
        let text = format!("ab\n{line}\n{line}");
        let f = SourceFile::new("f.json", text.clone());
        for (offset, _) in text.char_indices().step_by(37).chain([(text.len(), ' ')]) {
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let want = LineCol {
                line: text[..offset].matches('\n').count() + 1,
                col: text[start..offset].chars().count() + 1,
            };
            assert_eq!(f.line_col(offset), want, "offset {offset}");
        }
        assert_eq!(f.chars_between(3, 3 + line.len()), 5000);
        // A length that is a multiple of the mark spacing, and its end.
        let f = SourceFile::new("f", "é".repeat(CHAR_MARK));
        assert_eq!(f.line_col(2 * CHAR_MARK).col, CHAR_MARK + 1);
    }

    #[test]
    fn clamp_lands_on_char_boundary() {
        let f = SourceFile::new("f", "ç".to_string());
        assert_eq!(f.clamp(1), 0);
    }
}
