//! The oracle tier: alertlint against live `promtool` and `amtool` (Debian packages `prometheus`
//! and `prometheus-alertmanager`) and the third-party corpora in `../shared/corpora` (or
//! `ALERTLINT_CORPORA=DIR`). Run with `cargo test --features oracle`; it fails, never skips,
//! when an oracle or a corpus is missing. `ALERTLINT_RECORD=1` (scripts/record-oracles.sh)
//! re-records the verdicts that tier 1 (`cargo test`) compares alertlint with.

#[path = "../common/mod.rs"]
mod common;

mod adoption_corpus;
mod amtool_routes;
mod backtest_client;
mod backtest_server;
mod generated_rules;
mod promqltest_corpus;
mod promqltest_promtool;
mod promtool_check;
mod promtool_test;
mod runbook_corpus;
mod semantic_corpus;
mod simulate_promtool;
mod unittest_corpus;
mod yaml_compat;
