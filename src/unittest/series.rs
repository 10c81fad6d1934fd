//! Input series values kept compact: `0+1x10080` is stored as one segment and expanded one
//! step at a time while the test runs, so memory does not grow with the number of steps.
//! Anything but plain float runs (histograms, short items) is expanded by the evaluator's
//! own series-notation parser, so both read the notation identically.

use crate::promql::notation::{self, NotationValue};

#[derive(Debug, Clone)]
enum Segment {
    /// `start`, `start+step`, … (`count` values), accumulated as Prometheus does.
    Run {
        start: f64,
        step: f64,
        count: u64,
    },
    Missing(u64),
    Values(Vec<NotationValue>),
}

#[derive(Debug, Clone, Default)]
pub struct SeriesValues {
    segments: Vec<Segment>,
}

fn tokenize(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let start = i;
        let mut depth = 0usize;
        while i < bytes.len() {
            if bytes[i..].starts_with(b"{{") {
                depth += 1;
                i += 2;
                continue;
            }
            if bytes[i..].starts_with(b"}}") && depth > 0 {
                depth -= 1;
                i += 2;
                continue;
            }
            if depth == 0 && bytes[i].is_ascii_whitespace() {
                break;
            }
            i += 1;
        }
        out.push(&s[start..i]);
    }
    out
}

fn single_float(s: &str) -> Option<f64> {
    match notation::parse_values(s).ok()?.as_slice() {
        [NotationValue::Float(f)] => Some(*f),
        _ => None,
    }
}

/// `a+bxN`, `a-bxN` or `axN` as a run (kept as one segment, so memory does not grow with
/// N); `None` for anything else, which the notation parser then expands or rejects.
fn fast_run(item: &str) -> Option<Segment> {
    if item.contains('{') {
        return None;
    }
    let xi = item.rfind('x')?;
    let n: u64 = item[xi + 1..].parse().ok()?;
    if xi == 0 {
        return None;
    }
    let head = &item[..xi];
    if head == "_" {
        return Some(Segment::Missing(n));
    }
    if let Some(v) = single_float(head) {
        return Some(Segment::Run {
            start: v,
            step: 0.0,
            count: n + 1,
        });
    }
    let b = head.as_bytes();
    let split = (1..b.len())
        .rev()
        .find(|&i| matches!(b[i], b'+' | b'-') && !matches!(b[i - 1], b'e' | b'E'))?;
    let start = single_float(&head[..split])?;
    let inc = notation::parse_float(&head[split + 1..]).ok()?;
    let step = if b[split] == b'-' { -inc } else { inc };
    Some(Segment::Run {
        start,
        step,
        count: n + 1,
    })
}

impl SeriesValues {
    pub fn parse(s: &str) -> Result<SeriesValues, String> {
        let mut segments = Vec::new();
        for item in tokenize(s) {
            if let Some(seg) = fast_run(item) {
                segments.push(seg);
                continue;
            }
            let vals = notation::parse_values(item)?;
            match segments.last_mut() {
                Some(Segment::Values(prev)) => prev.extend(vals),
                _ => segments.push(Segment::Values(vals)),
            }
        }
        Ok(SeriesValues { segments })
    }

    pub fn cursor(&self) -> Cursor<'_> {
        Cursor {
            values: self,
            seg: 0,
            pos: 0,
            current: 0.0,
            step_index: 0,
        }
    }
}

/// Walks a series' values in step order.
pub struct Cursor<'a> {
    values: &'a SeriesValues,
    seg: usize,
    pos: u64,
    current: f64,
    /// Index of the next value (its time is `start + step_index * interval`).
    pub step_index: u64,
}

pub enum Item<'a> {
    Float(f64),
    Stale,
    Missing,
    Histogram(&'a crate::promql::FloatHistogram),
}

impl<'a> Cursor<'a> {
    /// The next value, or `None` at the end.
    pub fn next_item(&mut self) -> Option<Item<'a>> {
        loop {
            let seg = self.values.segments.get(self.seg)?;
            match seg {
                Segment::Run { start, step, count } => {
                    if self.pos >= *count {
                        self.seg += 1;
                        self.pos = 0;
                        continue;
                    }
                    if self.pos == 0 {
                        self.current = *start;
                    } else {
                        self.current += *step;
                    }
                    self.pos += 1;
                    self.step_index += 1;
                    return Some(Item::Float(self.current));
                }
                Segment::Missing(n) => {
                    if self.pos >= *n {
                        self.seg += 1;
                        self.pos = 0;
                        continue;
                    }
                    // Skip the whole gap at once.
                    self.step_index += *n - self.pos;
                    self.seg += 1;
                    self.pos = 0;
                    return Some(Item::Missing);
                }
                Segment::Values(v) => {
                    let Some(item) = v.get(self.pos as usize) else {
                        self.seg += 1;
                        self.pos = 0;
                        continue;
                    };
                    self.pos += 1;
                    self.step_index += 1;
                    return Some(match item {
                        NotationValue::Float(f) => Item::Float(*f),
                        NotationValue::Stale => Item::Stale,
                        NotationValue::Missing => Item::Missing,
                        NotationValue::Histogram(h) => Item::Histogram(h),
                    });
                }
            }
        }
    }

    /// The step index the next value would be at, without consuming it.
    pub fn peek_step(&self) -> Option<u64> {
        let mut seg = self.seg;
        let mut pos = self.pos;
        loop {
            let s = self.values.segments.get(seg)?;
            let len = match s {
                Segment::Run { count, .. } => *count,
                Segment::Missing(n) => *n,
                Segment::Values(v) => v.len() as u64,
            };
            if pos < len {
                return Some(self.step_index);
            }
            seg += 1;
            pos = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(s: &str) -> Vec<String> {
        let v = SeriesValues::parse(s).expect("parse");
        let mut c = v.cursor();
        let mut out = Vec::new();
        loop {
            let idx = c.step_index;
            match c.next_item() {
                None => break,
                Some(Item::Float(f)) => out.push(format!("{idx}:{f}")),
                Some(Item::Stale) => out.push(format!("{idx}:stale")),
                Some(Item::Missing) => {}
                Some(Item::Histogram(_)) => out.push(format!("{idx}:h")),
            }
        }
        out
    }

    #[test]
    fn zero_x_n_is_a_repetition_not_hex() {
        assert_eq!(expand("0x3"), ["0:0", "1:0", "2:0", "3:0"]);
    }

    #[test]
    fn runs_match_the_notation_parser() {
        for s in [
            "0+1x100",
            "1-0.1x70",
            "-2+4x80",
            "5x100",
            "1e3+1e-1x90",
            "_x100 1 stale 2",
            "0.1+0.1x200",
            "1+1x2",
            "0x3",
        ] {
            let mine = expand(s);
            let theirs: Vec<String> = notation::parse_values(s)
                .expect("parse")
                .iter()
                .enumerate()
                .filter_map(|(i, v)| match v {
                    NotationValue::Float(f) => Some(format!("{i}:{f}")),
                    NotationValue::Stale => Some(format!("{i}:stale")),
                    _ => None,
                })
                .collect();
            assert_eq!(mine, theirs, "{s}");
        }
    }
}
