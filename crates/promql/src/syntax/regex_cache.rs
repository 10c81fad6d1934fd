//! Compiled matcher regexes kept by pattern, one bounded cache per dialect for the whole
//! process: the evaluator's selectors and `label_replace`, the linter's matcher checks and the
//! simulation match the same few patterns over and over. A rule evaluated at every step of a
//! unit test would otherwise compile its regexes thousands of times. Shared, not cloned: a
//! cloned `Regex` starts its search caches afresh.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// Bound on cached patterns per dialect: one-off queries and rule sets of thousands of
/// distinct regexes must not make a cache grow without limit; past it, the cache starts
/// afresh.
const MAX_PATTERNS: usize = 1024;

type Cache = Mutex<HashMap<String, Arc<regex::Regex>>>;

/// The regex of a matcher or `label_replace` pattern, anchored as Prometheus anchors it
/// (`^(?s:pattern)$`; 2.x's `^(?:pattern)$` unless `dot_matches_newline`), compiled on its
/// first use. Failures are not kept (a pattern that does not compile is refused where it is
/// written).
pub(crate) fn matcher_regex(
    pattern: &str,
    dot_matches_newline: bool,
) -> Result<Arc<regex::Regex>, String> {
    // `.` matching newlines (Prometheus 3.x), and not (2.x).
    static CACHES: [LazyLock<Cache>; 2] = [
        LazyLock::new(Default::default),
        LazyLock::new(Default::default),
    ];
    let mut cache = CACHES[usize::from(dot_matches_newline)]
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(re) = cache.get(pattern) {
        return Ok(Arc::clone(re));
    }
    let re = Arc::new(super::compile_matcher_regex_as(
        pattern,
        dot_matches_newline,
    )?);
    if cache.len() >= MAX_PATTERNS {
        cache.clear();
    }
    cache.insert(pattern.to_string(), Arc::clone(&re));
    Ok(re)
}
