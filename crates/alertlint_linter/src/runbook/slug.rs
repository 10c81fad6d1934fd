//! GitHub's heading anchors, as `github-slugger` (which GitHub's renderer follows) computes
//! them: lower-case the heading's text, drop punctuation, symbols, controls and separators
//! other than the ASCII space (but keep letters, marks, digits, `_` and `-`), then turn each
//! space into `-`. A repeated slug gets `-1`, `-2`, … in order of appearance.

use std::collections::HashMap;

/// The slug of one heading text, before de-duplication.
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c == ' ' {
            out.push('-');
        } else if c == '-' || c == '_' || c.is_alphanumeric() || is_combining_mark(c) {
            out.push(c);
        }
    }
    out
}

/// Combining marks (Unicode category M) that commonly follow letters; the slugger keeps them.
fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Hands out unique slugs for the headings of one document, as GitHub does.
#[derive(Default)]
pub(crate) struct Slugger {
    /// Slugs handed out (or counted) so far, with their counters.
    occurrences: HashMap<String, usize>,
}

impl Slugger {
    pub(crate) fn slug(&mut self, text: &str) -> String {
        let mut result = slug(text);
        // Taken already: count on from the slug's own counter until a free one.
        if let Some(&taken) = self.occurrences.get(&result) {
            let original = std::mem::take(&mut result);
            let mut n = taken;
            loop {
                n += 1;
                result = format!("{original}-{n}");
                if !self.occurrences.contains_key(&result) {
                    break;
                }
            }
            self.occurrences.insert(original, n);
        }
        self.occurrences.insert(result.clone(), 0);
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
    fn many_headings() {
        let mut s = Slugger::default();
        for _ in 0..100 {
            s.slug("x");
        }
        assert_eq!(s.slug("x"), "x-100");
        assert_eq!(s.slug("x-5"), "x-5-1");
    }
}
