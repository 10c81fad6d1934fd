//! ## What it does
//! Reports PromQL that Prometheus 3 accepts only behind a feature flag: experimental functions
//! and aggregations (`sort_by_label`, `limitk`, `info`...), duration expressions (`[5m+1m]`,
//! `offset step()`), `anchored`/`smoothed` ranges and `fill` modifiers, each at the token, with
//! Prometheus' message. `promql: features:` in `.alertlint.yaml` lists the `--enable-feature`
//! flags the rules' Prometheus runs with (`promql-experimental-functions`,
//! `promql-duration-expr`, `promql-extended-range-selectors`, `promql-binop-fill-modifiers`);
//! what they enable is not reported. The native-histogram trim operators (`</`, `>/`) are not
//! reported either: Prometheus' parser accepts them without a flag.
//!
//! ## Why is this bad?
//! A Prometheus without the flag refuses the whole rule file at the next reload, and every rule
//! in it stops being evaluated, not only the one that uses the feature.
//!
//! ## Example
//! ```yaml
//! - record: job:up:sorted
//!   expr: sort_by_label(up, "job")
//! ```
//!
//! ## Use instead
//! ```yaml
//! # .alertlint.yaml, when Prometheus runs with --enable-feature=promql-experimental-functions
//! promql:
//!   features: [promql-experimental-functions]
//! ```

use super::{Category, Check, Context, rules};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "promql/experimental",
    summary: "experimental PromQL that the rules' Prometheus does not enable",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("promql_experimental.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let features = &ctx.config.promql;
    if *features == promql::Options::all() {
        return;
    }
    for (file, _, rule) in rules(ctx) {
        // Rules are loaded with every feature on; an expression that uses any is parsed again
        // with the enabled ones, for Prometheus' messages at the tokens it refuses.
        let (Some(expr), Some(Ok(parsed))) = (&rule.expr, &rule.promql) else {
            continue;
        };
        if !parsed.uses_experimental() {
            continue;
        }
        let Err(errors) = promql::parse_with(&expr.value, features) else {
            continue;
        };
        for e in &errors {
            out.push(
                super::promql_syntax::error_at(CHECK.id, "experimental", file, rule, e)
                    .with_help(
                        "if the rules' Prometheus runs with `--enable-feature=<name>`, list \
                         <name> under `promql: features:` in .alertlint.yaml",
                    ),
            );
        }
    }
}
