//! `alertlint runbook new`: a runbook skeleton filled from the rule, in a preset's layout, so
//! that writing a runbook starts from the facts rather than from a blank page. Everything the
//! rule cannot know is left as an HTML comment, which `runbook/sections` reports as empty
//! until someone fills it in.

use super::settings::Settings;
use crate::config::Policy;
use crate::model::{Rule, RuleGroup};
use promql_parser::parser::Expr;

/// What the skeleton is filled from.
pub struct Facts {
    pub alert: String,
    pub severity: Option<String>,
    pub owner: Option<String>,
    pub expr: Option<String>,
    /// `> 0.25`, when the expression is a comparison with a number.
    pub threshold: Option<String>,
    pub for_: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub dashboard: Option<String>,
}

impl Facts {
    pub fn of(group: &RuleGroup, rule: &Rule, policy: &Policy) -> Facts {
        let label = |n: &str| {
            rule.effective_label(group, n)
                .map(|p| p.value.value.clone())
        };
        let ann = |n: &str| rule.annotation(n).map(|p| p.value.value.trim().to_string());
        let threshold = match &rule.promql {
            Some(Ok(e)) => threshold_of(e),
            _ => None,
        };
        Facts {
            alert: rule.name().to_string(),
            severity: label(&policy.severity_label),
            owner: label(&policy.owner_label),
            expr: rule.expr.as_ref().map(|e| e.value.trim().to_string()),
            threshold,
            for_: rule.for_.as_ref().map(|f| f.value.clone()),
            summary: ann(&policy.summary_annotation),
            description: ann(&policy.description_annotation),
            dashboard: ann(&policy.dashboard_annotation),
        }
    }
}

/// The comparison at the top of an alert expression, such as `> 0.25`.
pub fn threshold_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Paren(p) => threshold_of(&p.expr),
        Expr::Binary(b) if b.op.is_comparison_operator() => match (&*b.lhs, &*b.rhs) {
            (_, Expr::NumberLiteral(n)) => Some(format!("{} {}", b.op, n.val)),
            (Expr::NumberLiteral(n), _) => Some(format!("{} {} (number on the left)", b.op, n.val)),
            _ => None,
        },
        Expr::Binary(b) => threshold_of(&b.lhs).or_else(|| threshold_of(&b.rhs)),
        _ => None,
    }
}

fn todo(what: &str) -> String {
    format!("<!-- TODO: {what} -->\n")
}

/// The Markdown of a new runbook.
pub fn render(f: &Facts, settings: &Settings, today: &str) -> String {
    let mut out = format!("# {}\n\n", f.alert);
    let or_todo = |v: &Option<String>, what: &str| {
        v.clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("<!-- TODO: {what} -->"))
    };
    let facts_block = {
        let mut b = String::new();
        if let Some(s) = &f.summary {
            b.push_str(&format!("{s}\n\n"));
        }
        if let Some(d) = &f.description {
            b.push_str(&format!("The alert says: {}\n\n", d.replace('\n', " ")));
        }
        if let Some(e) = &f.expr {
            let when = match &f.for_ {
                Some(d) => format!(" for {d}"),
                None => String::new(),
            };
            b.push_str(&format!(
                "It fires when this expression returns series{when}:\n\n```promql\n{e}\n```\n\n"
            ));
        }
        if let Some(t) = &f.threshold {
            b.push_str(&format!("Threshold: `{t}`.\n\n"));
        }
        if let Some(d) = &f.dashboard {
            b.push_str(&format!("Dashboard: [{}]({d})\n\n", f.alert));
        }
        b
    };
    let first_step = {
        let mut b = String::from("Confirm the alert is real and see how far it has spread.\n\n");
        if let Some(d) = &f.dashboard {
            b.push_str(&format!("Open the [dashboard]({d}).\n\n"));
        }
        if let Some(e) = &f.expr {
            b.push_str(&format!(
                "Run the alert's query in Prometheus:\n\n```promql\n{e}\n```\n\n"
            ));
        }
        b.push_str(&todo("if … → go to Step 2; otherwise …"));
        b
    };

    if !settings.fields.is_empty() {
        for field in &settings.fields {
            let value = match super::markdown::normalize(field).as_str() {
                "alert" => f.alert.clone(),
                "severity" => or_todo(&f.severity, "severity"),
                "owner" | "team" => or_todo(&f.owner, "owning team"),
                "lastupdated" => today.to_string(),
                _ => format!("<!-- TODO: {field} -->"),
            };
            out.push_str(&format!("**{field}:** {value}  \n"));
        }
        out.push('\n');
    }

    let mut steps_written = false;
    for section in &settings.sections {
        let key = super::markdown::normalize(section);
        out.push_str(&format!("## {section}\n\n"));
        match key.as_str() {
            "context" | "meaning" => {
                out.push_str(&facts_block);
                out.push_str(&todo(
                    "what this means for users and the business; what usually causes it",
                ));
            }
            "impact" => out.push_str(&todo("who is affected and how badly")),
            "diagnosis" if !settings.require_steps => {
                out.push_str(&first_step);
                steps_written = true;
            }
            _ => out.push_str(&todo(section)),
        }
        out.push('\n');
        // Incident runbooks: the diagnostic steps come right after the context.
        if key == "context" && settings.require_steps && !steps_written {
            out.push_str(&steps(settings, &first_step));
            steps_written = true;
        }
    }
    if settings.require_steps && !steps_written {
        out.push_str(&steps(settings, &first_step));
    }
    out
}

fn steps(settings: &Settings, first: &str) -> String {
    let heading = settings
        .diagnosis
        .first()
        .cloned()
        .unwrap_or_else(|| "Diagnostic steps".to_string());
    format!(
        "## {heading}\n\n### Step 1: Confirm the alert\n\n{first}\n### Step 2: <!-- TODO: next check -->\n\n{}\n",
        todo("a command, a link, or a decision (\"if X → go to Step N\")")
    )
}
