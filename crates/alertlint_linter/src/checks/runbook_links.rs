//! ## What it does
//! Reports links inside runbooks that lead nowhere: a relative link to a file that does not
//! exist, a `#fragment` naming no heading (anchors as GitHub renders them), or a `Step N`
//! reference to a step the runbook does not have. External (`https://…`) links are not
//! fetched.
//!
//! ## Why is this bad?
//! A runbook is followed under stress, step by step. "Go to Step 5" when there are four
//! steps, or a link to a runbook that was renamed, breaks the path at the worst moment.
//!
//! ## Example
//! ```markdown
//! If replicas are crash-looping → go to Step 5.
//! See [the capacity runbook](GpuMemoryFull.md).
//! ```
//!
//! ## Use instead
//! ```markdown
//! If replicas are crash-looping → go to Step 3.
//! See [the capacity runbook](GpuMemoryNearlyFull.md).
//! ```

use super::{Category, Check, Context};
use crate::runbook::{Runbook, absolute, normalize, percent_decode};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub(super) const CHECK: Check = Check {
    id: "runbook/links",
    summary: "a relative link or Step reference inside a runbook that does not resolve",
    category: Category::Runbook,
    default_severity: Severity::Error,
    default_enabled: true,
    source: include_str!("runbook_links.rs"),
    run: Some(run),
};

/// The path a link points to, for links alertlint can check: relative links and Hugo's
/// `{{< ref "…" >}}` / `{{< relref "…" >}}` shortcodes.
fn local_target(dest: &str) -> Option<&str> {
    let d = dest.trim();
    if d.starts_with("{{") {
        let inner = d
            .trim_start_matches("{{")
            .trim_start_matches(['<', '%', ' ']);
        let rest = inner
            .strip_prefix("relref")
            .or_else(|| inner.strip_prefix("ref"))?;
        let rest = rest.trim_start();
        let q = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let body = &rest[1..];
        return body.find(q).map(|e| &body[..e]);
    }
    if d.is_empty() || d.contains("{{") || d.starts_with("//") || d.starts_with('<') {
        return None;
    }
    if let Some((scheme, _)) = d.split_once(':')
        && !scheme.contains('/')
        && !scheme.contains('#')
        && scheme.len() > 1
    {
        return None;
    }
    Some(d)
}

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(rbs) = ctx.runbooks else { return };
    // Built on the first link to a file (runbooks with only external links never need it).
    let by_path: std::cell::OnceCell<HashMap<PathBuf, &Runbook>> = std::cell::OnceCell::new();
    for doc in &rbs.docs {
        let dir = doc.path.parent().unwrap_or(Path::new(""));
        for link in &doc.links {
            let Some(target) = local_target(doc.str(link.dest)) else {
                continue;
            };
            let (path, fragment) = match target.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (target, None),
            };
            let path = path.split_once('?').map_or(path, |(p, _)| p);
            let target_doc = if path.is_empty() {
                Some(doc)
            } else {
                let path = percent_decode(path);
                let base = match (path.strip_prefix('/'), rbs.roots.get(doc.root)) {
                    (Some(rest), Some(root)) => root.dir.join(rest),
                    _ => dir.join(path.as_ref()),
                };
                let a = absolute(&base);
                if !a.exists() {
                    out.push(
                        Diagnostic::new(
                            CHECK.id,
                            doc.file(),
                            link.span,
                            format!("the link target `{path}` does not exist"),
                        )
                        .with_label(format!(
                            "no {}",
                            alertlint_diagnostics::source::display_path(&normalize(&base))
                        ))
                        .with_help("relative links are read from the runbook's directory; fix the path or the file name"),
                    );
                    continue;
                }
                by_path
                    .get_or_init(|| rbs.docs.iter().map(|d| (absolute(&d.path), d)).collect())
                    .get(&a)
                    .copied()
            };
            if let (Some(f), Some(t)) = (fragment.filter(|f| !f.is_empty()), target_doc) {
                let f = percent_decode(f);
                if t.anchor(&f).is_none() {
                    let help = match t.closest_anchor(&f) {
                        Some(s) => format!("did you mean `#{s}`?"),
                        None => "anchors are the heading text in lower case, punctuation removed, spaces as `-`".to_string(),
                    };
                    out.push(
                        Diagnostic::new(
                            CHECK.id,
                            doc.file(),
                            link.span,
                            format!(
                                "`{}` has no heading with the anchor `#{f}`",
                                alertlint_diagnostics::source::display_path(&t.path)
                            ),
                        )
                        .with_help(help),
                    );
                }
            }
        }
        for r in &doc.step_refs {
            if doc.steps.iter().any(|s| s.number == r.number) {
                continue;
            }
            let msg = if doc.steps.is_empty() {
                format!(
                    "`Step {}` is referenced, but the runbook has no steps",
                    r.number
                )
            } else {
                format!(
                    "there is no Step {} (the runbook's steps are {})",
                    r.number,
                    doc.steps
                        .iter()
                        .map(|s| s.number.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            out.push(
                Diagnostic::new(CHECK.id, doc.file(), r.span, msg)
                    .with_label("no such step")
                    .with_help("renumber the reference, or add the step"),
            );
        }
    }
}
