//! ## What it does
//! Reports expressions that are not valid PromQL: syntax errors, unknown functions, and type
//! errors such as `rate()` over an instant vector, each at the token where Prometheus' parser
//! fails. Where the parser can go on after an error (in the next argument or matcher), every
//! error is reported. Experimental syntax (experimental functions, duration expressions,
//! `anchored`/`smoothed`, `fill` modifiers) is an error too, as in Prometheus, unless
//! `promql: features:` in `.alertlint.yaml` lists the `--enable-feature` flag the rules'
//! Prometheus runs with.
//!
//! ## Why is this bad?
//! Prometheus rejects the whole rule file, so every rule in it stops being evaluated after the
//! next reload, not only the broken one.
//!
//! ## Example
//! ```yaml
//! - alert: HighErrorRate
//!   expr: sum(rate(http_errors_total[5m]) by (job) > 0.05
//! ```
//!
//! ## Use instead
//! ```yaml
//! - alert: HighErrorRate
//!   expr: sum(rate(http_errors_total[5m])) by (job) > 0.05
//! ```

use super::{Category, Check, Context, rules};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "promql/syntax",
    summary: "an expression that is not valid PromQL",
    category: Category::Correctness,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("promql_syntax.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let features = &ctx.config.promql;
    for (file, _, rule) in rules(ctx) {
        let (Some(expr), Some(parsed)) = (&rule.expr, &rule.promql) else {
            continue;
        };
        // Loaded with every feature on: held to the enabled ones only when it uses any.
        let (errors, experimental) = match parsed {
            Err(errors) => (errors.clone(), false),
            Ok(e) if e.uses_experimental() && *features != promql::Options::all() => {
                match promql::parse_with(&expr.value, features) {
                    Err(errors) => (errors, true),
                    Ok(_) => continue,
                }
            }
            Ok(_) => continue,
        };
        for e in errors {
            let span = expr.sub_span(&file.source, e.span.start, e.span.end);
            let mut d = Diagnostic::new(
                CHECK.id,
                &file.source,
                span,
                format!("invalid PromQL in `{}`: {}", rule.name(), e.message),
            )
            .with_label(e.message.clone());
            if experimental {
                d = d.with_help(format!(
                    "experimental in Prometheus 3: if the rules' Prometheus runs with \
                     `--enable-feature=<name>`, list <name> under `promql: features:` in \
                     .alertlint.yaml ({})",
                    promql::syntax::FEATURES.join(", ")
                ));
            }
            out.push(d);
        }
    }
}
