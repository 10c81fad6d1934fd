//! GitHub's heading anchors, as `github-slugger` (which GitHub's renderer follows) computes
//! them: lower-case the heading's text, drop punctuation, symbols, controls and separators
//! other than the ASCII space (but keep letters, marks, digits, `_` and `-`), then turn each
//! space into `-`. A repeated slug gets `-1`, `-2`, … in order of appearance.

use std::collections::HashMap;

/// The slug of one heading text, before de-duplication.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    slug_into(text, &mut out);
    out
}

/// [`slug`], appended to `out`.
fn slug_into(text: &str, out: &mut String) {
    for c in text.chars().flat_map(char::to_lowercase) {
        if c == ' ' {
            out.push('-');
        } else if c == '-' || c == '_' || c.is_alphanumeric() || is_combining_mark(c) {
            out.push(c);
        }
    }
}

/// Combining marks (Unicode category M) that commonly follow letters; the slugger keeps them.
fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Up to this many slugs, a document's slugs are kept in a list (a runbook has a dozen
/// headings: a hash map per document costs more than it saves); beyond it, in a map, so that
/// a file with thousands of headings stays linear.
const SMALL: usize = 32;

/// Hands out unique slugs for the headings of one document, as GitHub does.
#[derive(Default)]
pub struct Slugger {
    /// Slugs handed out (or counted) so far, with their counters, while there are few.
    small: Vec<(String, usize)>,
    occurrences: HashMap<String, usize>,
    scratch: String,
}

impl Slugger {
    /// Forgets the slugs handed out, keeping the allocations for the next document.
    pub fn clear(&mut self) {
        self.small.clear();
        self.occurrences.clear();
    }

    fn contains(&self, s: &str) -> bool {
        self.small.iter().any(|(k, _)| k == s) || self.occurrences.contains_key(s)
    }

    /// The counter of `s`, created at 0.
    fn counter(&mut self, s: &str) -> &mut usize {
        if self.occurrences.is_empty() && self.small.len() >= SMALL {
            self.occurrences.extend(self.small.drain(..));
        }
        if self.occurrences.is_empty() {
            let i = match self.small.iter().position(|(k, _)| k == s) {
                Some(i) => i,
                None => {
                    self.small.push((s.to_string(), 0));
                    self.small.len() - 1
                }
            };
            // `i` was found or pushed just above: in bounds.
            &mut self.small[i].1
        } else {
            self.occurrences.entry(s.to_string()).or_insert(0)
        }
    }

    pub fn slug(&mut self, text: &str) -> String {
        let mut original = std::mem::take(&mut self.scratch);
        original.clear();
        slug_into(text, &mut original);
        let mut result = original.clone();
        while self.contains(&result) {
            let n = self.counter(&original);
            *n += 1;
            result = format!("{original}-{n}");
        }
        *self.counter(&result) = 0;
        self.scratch = original;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_examples() {
        assert_eq!(
            slug("Alert Name: KubePodCrashLooping"),
            "alert-name-kubepodcrashlooping"
        );
        assert_eq!(slug("Step 1: Is the model up?"), "step-1-is-the-model-up");
        assert_eq!(slug("Post-incident"), "post-incident");
        assert_eq!(slug("foo_bar  baz"), "foo_bar--baz");
        assert_eq!(slug("Ünïcode 🎉 text"), "ünïcode--text");
        assert_eq!(slug("`kubectl` & co."), "kubectl--co");
    }

    #[test]
    fn duplicates_get_counters() {
        let mut s = Slugger::default();
        assert_eq!(s.slug("Step"), "step");
        assert_eq!(s.slug("Step"), "step-1");
        assert_eq!(s.slug("Step"), "step-2");
        assert_eq!(s.slug("step-1"), "step-1-1");
    }

    #[test]
    fn many_headings_switch_to_the_map() {
        let mut s = Slugger::default();
        for _ in 0..100 {
            s.slug("x");
        }
        assert_eq!(s.slug("x"), "x-100");
        assert_eq!(s.slug("x-5"), "x-5-1");
        s.clear();
        assert_eq!(s.slug("x"), "x");
    }
}
