//! The Alertmanager configuration and its routing. (Filled in by the routing work; the check
//! pipeline already carries it.)

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use std::path::Path;

#[derive(Debug, Default)]
pub struct Alertmanager {}

/// Loads the Alertmanager config named on the command line or in `.alertlint.yaml`
/// (`alertmanager:`). `Ok(None)` when none is configured.
pub fn load(
    _config: &Config,
    _path: Option<&Path>,
) -> Result<Option<Alertmanager>, Vec<Diagnostic>> {
    Ok(None)
}
