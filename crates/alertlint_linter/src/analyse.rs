//! Runs the checks over loaded files, applies the config (which checks, how loud, per path
//! and per label) and the inline suppressions, and returns the diagnostics in report order.

use crate::checks::{CheckId, Context};
use crate::config::{Config, Enabled, Override, RulePlace};
use crate::model::RuleFile;
use crate::suppress;
use alertlint_diagnostics::diagnostic::{self, Diagnostic, Severity};
use alertlint_diagnostics::source::{SourceFile, Span};
use std::collections::HashMap;

/// Which checks report in one file, and how loud, worked out once per file and per rule from
/// the config's settings (not per diagnostic).
struct FileChecks {
    /// Outside any rule, and in every rule when no override of this file selects rules.
    file: Enabled,
    /// Each rule's span with what reports in it, in file order; empty when no override of
    /// this file selects rules (by group or labels).
    rules: Vec<(Span, Enabled)>,
}

impl FileChecks {
    fn new(config: &Config, path: &std::path::Path, file: Option<&RuleFile>) -> FileChecks {
        let overrides: Vec<&Override> = config.overrides_for(path);
        let rules = match file {
            Some(f) if overrides.iter().any(|o| o.selects_rules()) => f
                .rules()
                .map(|(g, r)| {
                    let labels = r.override_labels(g);
                    let place = RulePlace {
                        group: g.name.as_ref().map_or("", |n| n.value.as_str()),
                        labels: &labels,
                    };
                    (r.span, config.enabled_where(&overrides, Some(place)))
                })
                .collect(),
            _ => Vec::new(),
        };
        FileChecks {
            file: config.enabled_where(&overrides, None),
            rules,
        }
    }

    /// What reports at offset `at`: in the rule holding it, else in the file.
    fn at(&self, at: usize) -> &Enabled {
        let i = self.rules.partition_point(|(s, _)| s.start <= at);
        match i.checked_sub(1).and_then(|i| self.rules.get(i)) {
            Some((span, enabled)) if at < span.end => enabled,
            _ => &self.file,
        }
    }
}

/// [`FileChecks`] of every file diagnostics are reported in: the rule files, worked out
/// up front; runbooks and Alertmanager configs when their first diagnostic comes.
struct Settings<'a> {
    config: &'a Config,
    files: HashMap<*const SourceFile, FileChecks>,
}

impl<'a> Settings<'a> {
    fn new(files: &[RuleFile], config: &'a Config) -> Self {
        let files = files
            .iter()
            .map(|f| {
                let checks = FileChecks::new(config, &f.source.path, Some(f));
                (std::sync::Arc::as_ptr(&f.source), checks)
            })
            .collect();
        Settings { config, files }
    }

    /// The severity a diagnostic of `check` gets where it is, or `None` if the check is off
    /// there.
    fn severity(&mut self, check: CheckId, d: &Diagnostic) -> Option<Severity> {
        let config = self.config;
        self.files
            .entry(std::sync::Arc::as_ptr(&d.file))
            .or_insert_with(|| FileChecks::new(config, &d.file.path, None))
            .at(d.span.start)
            .severity(check)
    }
}

/// What `check` looks at besides the rule files.
#[derive(Default)]
pub struct Inputs<'a> {
    pub runbooks: Option<&'a crate::runbook::Runbooks>,
    pub alertmanager: Option<&'a crate::alertmanager::Alertmanager>,
    /// Only some files of the rule set were named (pre-commit passes the changed files): checks
    /// that conclude from what no rule does (`runbook/orphan`, `inhibit/unmatched`) do not run.
    pub partial_rule_set: bool,
}

/// Runs every check, spread over the cores: checks are independent of each other, so each
/// one is a unit of work. Results keep the order of [`CheckId::ALL`], so output stays
/// deterministic; each diagnostic comes with the check that found it.
fn run_checks(ctx: &Context) -> Vec<(CheckId, Diagnostic)> {
    // A check off everywhere would only have its findings dropped (and a runbook check
    // would read runbooks again to report them).
    let runnable: Vec<_> = CheckId::ALL
        .iter()
        .filter(|&&id| ctx.config.may_enable(id))
        .filter_map(|&id| Some((id, id.check().run?)))
        .collect();
    crate::parallel::map(runnable.len(), |(): &mut (), i| {
        let (id, run) = runnable[i];
        let mut out = Vec::new();
        run(ctx, &mut out);
        debug_assert!(
            out.iter().all(|d| d.check == id.id()),
            "{} reports only its own id",
            id.id()
        );
        out.into_iter().map(|d| (id, d)).collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

pub fn analyse(files: &[RuleFile], config: &Config, inputs: &Inputs) -> Vec<Diagnostic> {
    let mut ctx = Context::new(files, config, inputs.runbooks, inputs.alertmanager);
    ctx.partial_rule_set = inputs.partial_rule_set;
    let mut settings = Settings::new(files, config);
    // The semantic analysis of every rule, on all cores, before the checks that ask for it
    // run side by side.
    ctx.every_semantics();
    let raw = run_checks(&ctx);

    let mut out: Vec<Diagnostic> = Vec::with_capacity(raw.len());
    // Comments that are not suppressions (`suppression/invalid`), then suppressions that
    // silenced nothing (`suppression/unused`).
    let mut invalid = Vec::new();
    let mut unused = Vec::new();
    let mut by_file: HashMap<*const SourceFile, (Vec<suppress::Suppression>, suppress::Index)> =
        HashMap::new();
    for f in files {
        let sups = suppress::read(f, &mut invalid);
        if !sups.is_empty() {
            let index = suppress::Index::new(&sups);
            by_file.insert(std::sync::Arc::as_ptr(&f.source), (sups, index));
        }
    }

    for (check, mut d) in raw {
        let Some(severity) = settings.severity(check, &d) else {
            continue;
        };
        d.severity = severity;
        let sups = by_file.get_mut(&std::sync::Arc::as_ptr(&d.file));
        let suppressed = sups
            .and_then(|(sups, index)| index.find(sups, check, d.span.start).map(|i| &mut sups[i]));
        match suppressed {
            Some(s) => s.used = true,
            None => out.push(d),
        }
    }

    for f in files {
        for s in by_file
            .get(&std::sync::Arc::as_ptr(&f.source))
            .into_iter()
            .flat_map(|(sups, _)| sups)
        {
            if !s.used {
                unused.push(
                    Diagnostic::new(
                        CheckId::SuppressionUnused.id(),
                        &f.source,
                        s.span,
                        format!(
                            "this suppression of {} suppresses nothing",
                            s.ids.join(", ")
                        ),
                    )
                    .with_help("remove the comment, or move it onto the rule it is meant for"),
                );
            }
        }
    }
    let invalid = invalid
        .into_iter()
        .map(|d| (CheckId::SuppressionInvalid, d));
    let unused = unused.into_iter().map(|d| (CheckId::SuppressionUnused, d));
    for (check, mut d) in invalid.chain(unused) {
        if let Some(severity) = settings.severity(check, &d) {
            d.severity = severity;
            out.push(d);
        }
    }
    diagnostic::sort(&mut out);
    out
}
