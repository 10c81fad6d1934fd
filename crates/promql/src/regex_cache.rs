//! Compiled regexes kept by pattern: the evaluator's selectors, the linter's matcher checks
//! and the simulation match the same few patterns over and over. Shared, not cloned: a
//! cloned `Regex` starts its search caches afresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Bound on cached patterns: one-off queries and rule sets of thousands of distinct regexes
/// must not make a cache grow without limit; past it, the cache starts afresh.
const MAX_PATTERNS: usize = 1024;

#[derive(Debug, Default)]
pub(crate) struct RegexCache(Mutex<HashMap<String, Arc<regex::Regex>>>);

impl RegexCache {
    /// The regex of `pattern`, compiled by `compile` on its first use. Failures are not kept
    /// (a pattern that does not compile is refused where it is written).
    pub(crate) fn get(
        &self,
        pattern: &str,
        compile: impl FnOnce(&str) -> Result<regex::Regex, String>,
    ) -> Result<Arc<regex::Regex>, String> {
        let mut cache = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(re) = cache.get(pattern) {
            return Ok(Arc::clone(re));
        }
        let re = Arc::new(compile(pattern)?);
        if cache.len() >= MAX_PATTERNS {
            cache.clear();
        }
        cache.insert(pattern.to_string(), Arc::clone(&re));
        Ok(re)
    }
}
