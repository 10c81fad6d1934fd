//! Maps byte offsets inside a scalar's decoded value back to byte offsets in the file.
//!
//! A PromQL error at offset 14 of `expr: |` must be shown at the right line and column of the
//! file, although the value has lost the block indentation, quoted scalars have lost their
//! escapes and folded scalars have turned line breaks into spaces. The mapping re-reads the
//! scalar's source and aligns it with the value: non-blank characters must agree one for one
//! (escapes decoded), blanks may stand for any run of blanks or line breaks. If the two cannot be
//! aligned, every offset maps to the scalar's start, which is still the right node.

use super::{Node, ScalarStyle, Value};
use alertlint_diagnostics::source::Span;

#[derive(Debug, Clone)]
pub struct ScalarMap {
    /// File offset of every byte of the value, plus one entry for the end of the value.
    offsets: Vec<usize>,
    fallback: usize,
}

impl ScalarMap {
    /// File offset for a byte offset into the value.
    pub fn file_offset(&self, value_offset: usize) -> usize {
        self.offsets
            .get(value_offset)
            .or(self.offsets.last())
            .copied()
            .unwrap_or(self.fallback)
    }

    /// File span for a byte range of the value; never empty unless the value is.
    pub fn file_span(&self, start: usize, end: usize) -> Span {
        let s = self.file_offset(start);
        if end <= start {
            return Span::new(s, s);
        }
        // End just after the last byte of the range, not at the (possibly distant) next one.
        let last = self.file_offset(end - 1);
        Span::new(s, last + 1)
    }

    /// Whether the value was aligned with its source (false: every offset is the node start).
    pub fn is_exact(&self) -> bool {
        !self.offsets.is_empty()
    }
}

/// Builds the map for a scalar node of `file_text`.
pub fn map_scalar(file_text: &str, node: &Node) -> ScalarMap {
    match &node.value {
        Value::Scalar(scalar) => map_value(file_text, node.span, scalar.style, &scalar.text),
        _ => ScalarMap {
            offsets: Vec::new(),
            fallback: node.span.start,
        },
    }
}

/// Builds the map for a scalar `value` written at `span` of `file_text` in `style`.
pub fn map_value(file_text: &str, span: Span, style: ScalarStyle, value: &str) -> ScalarMap {
    let source = file_text.get(span.start..span.end).unwrap_or("");
    let units = source_units(source, span.start, style);
    let offsets = align(value, &units).unwrap_or_default();
    ScalarMap {
        offsets,
        fallback: span.start,
    }
}

/// One decoded character of the source and where it was written.
struct Unit {
    ch: char,
    at: usize,
}

fn source_units(source: &str, base: usize, style: ScalarStyle) -> Vec<Unit> {
    let mut units = Vec::with_capacity(source.len());
    let mut chars = source.char_indices().peekable();
    let quoted = matches!(style, ScalarStyle::DoubleQuoted | ScalarStyle::SingleQuoted);
    if quoted {
        // Skip the opening quote.
        chars.next();
    }
    while let Some((i, c)) = chars.next() {
        let at = base + i;
        match style {
            ScalarStyle::DoubleQuoted if c == '\\' => {
                let Some((_, e)) = chars.next() else { break };
                let decoded = match e {
                    'n' => Some('\n'),
                    't' | '\t' => Some('\t'),
                    'r' => Some('\r'),
                    '0' => Some('\0'),
                    'a' => Some('\x07'),
                    'b' => Some('\x08'),
                    'e' => Some('\x1b'),
                    'f' => Some('\x0c'),
                    'v' => Some('\x0b'),
                    ' ' => Some(' '),
                    '"' => Some('"'),
                    '/' => Some('/'),
                    '\\' => Some('\\'),
                    'N' => Some('\u{85}'),
                    '_' => Some('\u{a0}'),
                    'L' => Some('\u{2028}'),
                    'P' => Some('\u{2029}'),
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = (0..n)
                            .filter_map(|_| chars.next().map(|(_, h)| h))
                            .collect();
                        u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                    }
                    // An escaped line break joins the lines without a space.
                    '\n' | '\r' => None,
                    other => Some(other),
                };
                if let Some(ch) = decoded {
                    units.push(Unit { ch, at });
                }
            }
            ScalarStyle::DoubleQuoted if c == '"' => break,
            ScalarStyle::SingleQuoted if c == '\'' => {
                if chars.peek().map(|&(_, n)| n) == Some('\'') {
                    chars.next();
                    units.push(Unit { ch: '\'', at });
                } else {
                    break;
                }
            }
            _ => units.push(Unit { ch: c, at }),
        }
    }
    units
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn align(value: &str, units: &[Unit]) -> Option<Vec<usize>> {
    let mut offsets = Vec::with_capacity(value.len() + 1);
    let mut u = 0;
    let mut last_end = units.first().map_or(0, |x| x.at);
    for c in value.chars() {
        loop {
            let unit = units.get(u)?;
            u += 1;
            if unit.ch == c || (is_blank(c) && is_blank(unit.ch)) {
                offsets.extend(std::iter::repeat_n(unit.at, c.len_utf8()));
                last_end = unit.at + unit.ch.len_utf8();
                break;
            }
            // Only blanks (indentation, folded line breaks) may be skipped.
            if !is_blank(unit.ch) {
                return None;
            }
        }
    }
    offsets.push(last_end);
    Some(offsets)
}
