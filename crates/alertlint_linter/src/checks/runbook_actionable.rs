//! ## What it does
//! Reports a diagnostic step that gives the reader nothing to do: no command (a code block or
//! inline `code`), no link (a dashboard, a query, another document) and no decision ("if the
//! queue is growing → go to Step 4", "if … escalate"). Steps are `Step N` headings, else the
//! numbered items of the diagnostic section (`## Diagnostic steps` / `## Diagnosis`), else
//! that whole section as one step.
//!
//! ## Why is this bad?
//! "Check the logs" is not a step: which logs, where, looking for what? At 3am the engineer
//! needs the exact command to run or the exact graph to open, and what to do with the answer.
//!
//! ## Example
//! ```markdown
//! ### Step 2: Check the logs
//! Check the logs for errors.
//! ```
//!
//! ## Use instead
//! ````markdown
//! ### Step 2: Look for OOM kills
//! ```sh
//! kubectl -n fraud logs deploy/fraud-model --since=30m | grep -i 'out of memory'
//! ```
//! If there are any → go to Step 4 (memory); otherwise continue with Step 3.
//! ````

use super::{Category, Check, Context};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

pub(super) const CHECK: Check = Check {
    id: "runbook/actionable",
    summary: "a diagnostic step without a command, a link or a decision",
    category: Category::Runbook,
    default_severity: Severity::Warning,
    default_enabled: true,
    source: include_str!("runbook_actionable.rs"),
    run: Some(run),
};

fn run(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(rbs) = ctx.runbooks else { return };
    for doc in &rbs.docs {
        if doc.is_index {
            continue;
        }
        for step in doc.steps.iter().filter(|s| !s.actionable) {
            let title = match doc.step_title(step) {
                "" => format!("Step {}", step.number),
                t => t.to_string(),
            };
            out.push(
                Diagnostic::new(
                    CHECK.id,
                    doc.file(),
                    step.span,
                    format!("the step `{title}` gives the reader nothing to do"),
                )
                .with_label("no command, link or decision")
                .with_help(
                    "add the exact command (a code block), a link to the dashboard or query, or a decision such as \"if X → go to Step N\"",
                ),
            );
        }
    }
}
