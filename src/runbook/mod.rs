//! Runbooks: resolving `runbook_url`s to Markdown files in the repository and reading them.
//! (Filled in by the runbooks work; the check pipeline already carries it.)

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use std::path::PathBuf;

/// The runbooks found under the configured roots.
#[derive(Debug, Default)]
pub struct Runbooks {}

/// Loads the runbook roots named in the config (`runbooks:`) and on the command line.
/// `Ok(None)` when none are configured: the runbook checks then have nothing to check.
pub fn load(_config: &Config, _dirs: &[PathBuf]) -> Result<Option<Runbooks>, Vec<Diagnostic>> {
    Ok(None)
}
