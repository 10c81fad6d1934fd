//! Input series values kept compact: every item of the notation (`0+1x10080`, `_x100`,
//! `{{...}}+{{...}}x1000`) is stored as read and expanded one step at a time while the test
//! runs, so memory does not grow with the number of steps, and a repetition too long to ever
//! be read (`1x18446744073709551615`) costs nothing. The items are read by the evaluator's
//! own series-notation reader, so both read the notation identically, and the whole text is
//! checked before any of it is used.

use promql::FloatHistogram;
use promql::notation::{self, NotationError, SeqItem};

#[derive(Debug, Clone, Default)]
pub struct SeriesValues {
    items: Vec<SeqItem>,
}

impl SeriesValues {
    pub fn parse(s: &str) -> Result<SeriesValues, NotationError> {
        Ok(SeriesValues {
            items: notation::parse_items(s)?,
        })
    }

    /// How many samples (values that are not `_`) have a step index at most `last_step`:
    /// what a test evaluated up to that step loads.
    pub fn samples_until(&self, last_step: u64) -> u64 {
        let mut step = 0u64;
        let mut total = 0u64;
        for item in &self.items {
            if step > last_step {
                break;
            }
            let len = item.len();
            if !matches!(item, SeqItem::Missing(_)) {
                total = total.saturating_add(len.min((last_step - step).saturating_add(1)));
            }
            step = step.saturating_add(len);
        }
        total
    }

    pub fn cursor(&self) -> Cursor<'_> {
        Cursor {
            values: self,
            seg: 0,
            pos: 0,
            current: 0.0,
            current_hist: None,
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
    current_hist: Option<FloatHistogram>,
    /// Index of the next value (its time is `start + step_index * interval`).
    pub step_index: u64,
}

pub enum Item {
    Float(f64),
    Stale,
    Missing,
    Histogram(FloatHistogram),
}

impl Cursor<'_> {
    /// The next value, or `None` at the end.
    pub fn next_item(&mut self) -> Option<Item> {
        loop {
            let seg = self.values.items.get(self.seg)?;
            if self.pos >= seg.len() {
                self.seg += 1;
                self.pos = 0;
                continue;
            }
            match seg {
                SeqItem::Missing(n) => {
                    // Skip the whole gap at once.
                    self.step_index = self.step_index.saturating_add(*n - self.pos);
                    self.seg += 1;
                    self.pos = 0;
                    return Some(Item::Missing);
                }
                SeqItem::Stale => {
                    self.pos += 1;
                    self.step_index = self.step_index.saturating_add(1);
                    return Some(Item::Stale);
                }
                SeqItem::Floats { start, step, .. } => {
                    if self.pos == 0 {
                        self.current = *start;
                    } else {
                        self.current += *step;
                    }
                    self.pos += 1;
                    self.step_index = self.step_index.saturating_add(1);
                    return Some(Item::Float(self.current));
                }
                SeqItem::Histograms { start, inc, .. } => {
                    let next = match (&self.current_hist, inc) {
                        (Some(cur), Some(inc)) if self.pos > 0 => {
                            notation::next_histogram(cur, inc)
                        }
                        (Some(cur), None) if self.pos > 0 => cur.clone(),
                        _ => (**start).clone(),
                    };
                    self.current_hist = Some(next.clone());
                    self.pos += 1;
                    self.step_index = self.step_index.saturating_add(1);
                    return Some(Item::Histogram(next));
                }
            }
        }
    }

    /// The step index the next value would be at, without consuming it.
    pub fn peek_step(&self) -> Option<u64> {
        let mut seg = self.seg;
        let mut pos = self.pos;
        loop {
            let s = self.values.items.get(seg)?;
            if pos < s.len() {
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
    use promql::notation::NotationValue;

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
            "{{schema:0 sum:1 count:1}}+{{sum:2 count:2}}x3 _x2 {{sum:1 count:1}}x2",
        ] {
            let mine = expand(s);
            let theirs: Vec<String> = notation::parse_values(s)
                .expect("parse")
                .iter()
                .enumerate()
                .filter_map(|(i, v)| match v {
                    NotationValue::Float(f) => Some(format!("{i}:{f}")),
                    NotationValue::Stale => Some(format!("{i}:stale")),
                    NotationValue::Histogram(_) => Some(format!("{i}:h")),
                    NotationValue::Missing => None,
                })
                .collect();
            assert_eq!(mine, theirs, "{s}");
        }
    }

    #[test]
    fn histogram_runs_match_the_notation_parser() {
        let text = "{{schema:0 sum:1 count:1 buckets:[1]}}+{{sum:2 count:2 buckets:[2]}}x3";
        let theirs = notation::parse_values(text).unwrap();
        let v = SeriesValues::parse(text).unwrap();
        let mut c = v.cursor();
        for want in theirs {
            match (c.next_item(), want) {
                (Some(Item::Histogram(h)), NotationValue::Histogram(w)) => assert_eq!(h, *w),
                _ => panic!("not a histogram"),
            }
        }
        assert!(c.next_item().is_none());
    }

    #[test]
    fn endless_repetitions_are_read_lazily_and_never_wrap() {
        // A repetition one past u64 would wrap to an empty run; it saturates instead.
        let v = SeriesValues::parse("1x18446744073709551615").unwrap();
        let mut c = v.cursor();
        assert!(matches!(c.next_item(), Some(Item::Float(f)) if f == 1.0));
        assert!(matches!(c.next_item(), Some(Item::Float(f)) if f == 1.0));
        assert_eq!(v.samples_until(1000), 1001);
        assert_eq!(v.samples_until(u64::MAX), u64::MAX);
        let v = SeriesValues::parse("_x18446744073709551615 1").unwrap();
        let mut c = v.cursor();
        assert!(matches!(c.next_item(), Some(Item::Missing)));
        assert_eq!(c.peek_step(), Some(u64::MAX));
        assert_eq!(v.samples_until(1000), 0);
        let v = SeriesValues::parse("1 2 _x3 4x2 stale").unwrap();
        assert_eq!(v.samples_until(0), 1);
        assert_eq!(v.samples_until(4), 2);
        assert_eq!(v.samples_until(5), 3);
        assert_eq!(v.samples_until(100), 6);
    }

    #[test]
    fn an_invalid_item_is_rejected_before_anything_is_expanded() {
        // 16 bytes that used to be expanded to 10 million histograms first.
        assert!(SeriesValues::parse("{{}}x9999999 1+").is_err());
        assert!(SeriesValues::parse("1x99999999999999999999").is_err());
    }
}
