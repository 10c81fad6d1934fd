//! Runs the checks over loaded files, applies the config (which checks, how loud, per path
//! and per label) and the inline suppressions, and returns the diagnostics in report order.

use crate::checks::{CHECKS, Check, Context};
use crate::config::{CheckSetting, Config};
use crate::model::RuleFile;
use crate::suppress;
use alertlint_diagnostics::diagnostic::{self, Diagnostic, Severity};
use alertlint_diagnostics::source::{SourceFile, Span};
use std::collections::HashMap;

/// A rule's span with its labels (group labels first, rule labels overriding).
type RuleLabels<'a> = (Span, Vec<(&'a str, &'a str)>);

/// Per file, its rules' labels, in file order: what overrides by `labels:` match against.
struct RuleIndex<'a> {
    files: HashMap<*const SourceFile, Vec<RuleLabels<'a>>>,
}

impl<'a> RuleIndex<'a> {
    /// Empty when no override matches by labels: then no setting depends on them.
    fn new(files: &'a [RuleFile], config: &Config) -> Self {
        let mut map = HashMap::new();
        if !config.overrides.iter().any(|o| !o.labels.is_empty()) {
            return RuleIndex { files: map };
        }
        for f in files {
            let rules = f
                .rules()
                .map(|(g, r)| (r.span, r.labels_with(g).collect()))
                .collect();
            map.insert(std::sync::Arc::as_ptr(&f.source), rules);
        }
        RuleIndex { files: map }
    }

    /// Labels of the rule a diagnostic is in, if it is in one.
    fn labels_at(&self, file: &SourceFile, at: usize) -> Option<&[(&'a str, &'a str)]> {
        let rules = self.files.get(&(file as *const SourceFile))?;
        let i = rules.partition_point(|(s, _)| s.start <= at);
        let (span, labels) = rules.get(i.checked_sub(1)?)?;
        (at < span.end).then_some(labels.as_slice())
    }
}

/// The severity a diagnostic of `check` gets at this place, or `None` if the check is off there.
fn resolve(check: &Check, config: &Config, index: &RuleIndex, d: &Diagnostic) -> Option<Severity> {
    let labels = index.labels_at(&d.file, d.span.start);
    match config.setting(check.id, &d.file.path, labels) {
        Some(CheckSetting::Off) => None,
        Some(CheckSetting::On(sev)) => Some(sev.unwrap_or(check.default_severity)),
        None if check.default_enabled => Some(check.default_severity),
        None => None,
    }
}

fn check_of(id: &str) -> &'static Check {
    crate::checks::find(id).unwrap_or(CHECKS[0])
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
/// one is a unit of work. Results keep the order of `CHECKS`, so output stays deterministic.
fn run_checks(ctx: &Context) -> Vec<Diagnostic> {
    // A check off everywhere would only have its findings dropped (and a runbook check
    // would read runbooks again to report them).
    let runnable: Vec<_> = CHECKS
        .iter()
        .filter(|c| ctx.config.may_enable(c.id, c.default_enabled))
        .filter_map(|c| c.run)
        .collect();
    crate::parallel::map(runnable.len(), |_: &mut (), i| {
        let mut out = Vec::new();
        runnable[i](ctx, &mut out);
        out
    })
    .into_iter()
    .flatten()
    .collect()
}

pub fn analyse(files: &[RuleFile], config: &Config, inputs: &Inputs) -> Vec<Diagnostic> {
    let mut ctx = Context::new(files, config, inputs.runbooks, inputs.alertmanager);
    ctx.partial_rule_set = inputs.partial_rule_set;
    let index = RuleIndex::new(files, config);
    let raw = run_checks(&ctx);

    let mut out: Vec<Diagnostic> = Vec::with_capacity(raw.len());
    let mut suppression_problems = Vec::new();
    let mut by_file: HashMap<*const SourceFile, (Vec<suppress::Suppression>, suppress::Index)> =
        HashMap::new();
    for f in files {
        let sups = suppress::read(f, &mut suppression_problems);
        if !sups.is_empty() {
            let index = suppress::Index::new(&sups);
            by_file.insert(std::sync::Arc::as_ptr(&f.source), (sups, index));
        }
    }

    for mut d in raw {
        let Some(severity) = resolve(check_of(d.check), config, &index, &d) else {
            continue;
        };
        d.severity = severity;
        let sups = by_file.get_mut(&std::sync::Arc::as_ptr(&d.file));
        let suppressed = sups.and_then(|(sups, index)| {
            index
                .find(sups, d.check, d.span.start)
                .map(|i| &mut sups[i])
        });
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
                suppression_problems.push(
                    Diagnostic::new(
                        "suppression/unused",
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
    for mut d in suppression_problems {
        if let Some(severity) = resolve(check_of(d.check), config, &index, &d) {
            d.severity = severity;
            out.push(d);
        }
    }
    diagnostic::sort(&mut out);
    out
}
