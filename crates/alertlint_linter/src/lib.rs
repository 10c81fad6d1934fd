//! The linter: reads `.alertlint.yaml`, rule files, runbooks and Alertmanager configs into the
//! model, runs every check on it and returns diagnostics (`analyse`).

pub mod alertmanager;
mod alerts;
pub mod analyse;
pub mod baseline;
pub mod changed;
mod check_id;
pub mod checks;
pub mod config;
mod config_reader;
pub mod load;
pub mod model;
pub mod parallel;
pub mod runbook;
mod semantics;
pub mod simulate;
pub mod suggest;
mod suppress;
