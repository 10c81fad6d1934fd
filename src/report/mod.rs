//! Report: turns diagnostics into what the user reads: human (miette), JSON, SARIF, GitHub.

mod github;
mod human;
mod json;
mod sarif;

pub use human::render_human;

use crate::diagnostic::{Diagnostic, Severity};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

/// Counts printed at the end of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Rule files checked.
    pub files: usize,
    /// YAML files found that are not rule files (other manifests, test files, configs), and
    /// templates (Helm, Jinja) that are YAML only once rendered.
    pub skipped: usize,
    /// Of `skipped`, the templates (in JSON only when there are some).
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped_templates: usize,
    /// Of `skipped_templates`, those that render to rules (`PrometheusRule`, `groups:`).
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped_rule_templates: usize,
    /// Runbooks read (Markdown files under the runbook roots).
    pub runbooks: usize,
    /// Alertmanager configs read (0 or 1).
    pub alertmanager_configs: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Summary {
    pub fn count(&mut self, diags: &[Diagnostic]) {
        for d in diags {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }
}

pub struct HumanOptions {
    pub color: bool,
    pub width: usize,
}

pub fn render(
    format: Format,
    diags: &[Diagnostic],
    summary: &Summary,
    human: &HumanOptions,
) -> String {
    match format {
        Format::Human => render_human(diags, summary, human),
        Format::Json => json::render(diags, summary),
        Format::Sarif => sarif::render(diags),
        Format::Github => github::render(diags, summary),
    }
}
