//! Analyse: every check, each in its own file. A check's documentation is the `//!` comment at
//! the top of its file; `alertlint explain` prints that same text, so the two cannot drift.

use crate::config::Config;
use crate::model::RuleFile;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

mod alert_context;
mod alert_dashboard;
mod alert_for;
mod alert_owner;
mod alert_runbook;
mod alert_severity;
mod group_name;
mod inhibit_equal;
mod inhibit_self;
mod inhibit_unmatched;
mod promql_syntax;
mod route_owner;
mod route_paging;
mod route_receiver;
mod route_shadowed;
mod route_templated;
mod route_unrouted;
mod rule_duplicate;
mod rule_duration;
mod rule_expr;
mod rule_kind;
mod rule_labels;
mod rule_name;
mod rule_recording_fields;
mod runbook_actionable;
mod runbook_links;
mod runbook_mismatch;
mod runbook_missing;
mod runbook_orphan;
mod runbook_sections;
mod runbook_stale;
mod runbook_templated;
mod runbook_unverifiable;
mod schema_type;
mod schema_unknown_field;
mod suppression_invalid;
mod suppression_unused;
mod template_syntax;
mod yaml_duplicate_key;
mod yaml_syntax;

/// Everything a check may look at.
pub struct Context<'a> {
    pub files: &'a [RuleFile],
    pub config: &'a Config,
    /// The runbooks, when runbook roots are configured.
    pub runbooks: Option<&'a crate::runbook::Runbooks>,
    /// The Alertmanager config, when one is given.
    pub alertmanager: Option<&'a crate::alertmanager::Alertmanager>,
    /// The rule files are only part of the rule set: that no rule links to a runbook, or
    /// matches an inhibit rule, proves nothing.
    pub partial_rule_set: bool,
    /// Where every alert routes: computed on first use, shared by the routing checks.
    routed: std::sync::OnceLock<Vec<crate::alertmanager::RoutedAlert<'a>>>,
    /// Where every alert's runbook link leads: computed on first use, shared by the runbook
    /// checks.
    runbook_refs: std::sync::OnceLock<Vec<crate::runbook::Reference<'a>>>,
    /// Every alert with its policy: computed on first use, shared by every check that reads
    /// a policy setting of an alert.
    alerts: std::sync::OnceLock<Vec<AlertRef<'a>>>,
}

impl<'a> Context<'a> {
    pub fn new(
        files: &'a [RuleFile],
        config: &'a Config,
        runbooks: Option<&'a crate::runbook::Runbooks>,
        alertmanager: Option<&'a crate::alertmanager::Alertmanager>,
    ) -> Context<'a> {
        Context {
            files,
            config,
            runbooks,
            alertmanager,
            partial_rule_set: false,
            routed: std::sync::OnceLock::new(),
            runbook_refs: std::sync::OnceLock::new(),
            alerts: std::sync::OnceLock::new(),
        }
    }

    /// Every alerting rule of every file with its on-call policy (overrides can change it
    /// by path or label). The policy, routing and runbook checks all ask; each alert's is
    /// worked out once per run.
    pub fn alerts_with_policy(&self) -> &[AlertRef<'a>] {
        self.alerts.get_or_init(|| {
            let config = self.config;
            alerts(self)
                .map(|(file, group, rule)| {
                    let policy = config.policy_for(&file.source.path, group, rule);
                    ((file, group, rule), policy)
                })
                .collect()
        })
    }

    /// Every alert with the routes it reaches; empty without an Alertmanager config. Routing
    /// every alert is the costly part of the routing checks, so it is done once per run.
    pub fn routed_alerts(&self) -> &[crate::alertmanager::RoutedAlert<'a>] {
        match self.alertmanager {
            None => &[],
            Some(am) => self
                .routed
                .get_or_init(|| crate::alertmanager::routed_alerts(am, self.alerts_with_policy())),
        }
    }

    /// Every alert's `runbook_url` and where it leads; empty without runbook roots. Six
    /// checks ask; the links are resolved once per run, by whichever asks first.
    pub fn runbook_references(&self) -> &[crate::runbook::Reference<'a>] {
        match self.runbooks {
            None => &[],
            Some(rbs) => self.runbook_refs.get_or_init(|| rbs.references(self)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// What `promtool check rules` rejects: the rules would not load.
    Correctness,
    /// On-call policy: the rules load, but the alert is not fit to page someone.
    Policy,
    /// About `# alertlint:` comments themselves.
    Suppression,
    /// Routing: where Alertmanager sends each alert, and its inhibit rules.
    Routing,
    /// Runbooks: that each alert's runbook exists and is fit to follow at 3am.
    Runbook,
}

pub struct Check {
    pub id: &'static str,
    pub summary: &'static str,
    pub category: Category,
    pub default_severity: Severity,
    /// Checks off by default run only when the config turns them on.
    pub default_enabled: bool,
    /// The source of the check's file; its leading `//!` comment is the documentation.
    pub source: &'static str,
    /// Finds problems. Checks of suppression comments have none: the pipeline reports those.
    pub run: Option<fn(&Context, &mut Vec<Diagnostic>)>,
}

/// Every check as a report documents it (SARIF's rule list).
pub fn docs() -> Vec<alertlint_diagnostics::report::CheckDoc> {
    CHECKS
        .iter()
        .map(|c| alertlint_diagnostics::report::CheckDoc {
            id: c.id,
            summary: c.summary,
            doc: c.doc(),
            default_severity: c.default_severity,
            default_enabled: c.default_enabled,
        })
        .collect()
}

impl Check {
    /// The check's documentation: its file's leading `//!` comment.
    pub fn doc(&self) -> String {
        let mut out = String::new();
        for line in self.source.lines() {
            let Some(rest) = line.strip_prefix("//!") else {
                break;
            };
            out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            out.push('\n');
        }
        out
    }
}

pub const CHECKS: &[&Check] = &[
    &yaml_syntax::CHECK,
    &yaml_duplicate_key::CHECK,
    &schema_unknown_field::CHECK,
    &schema_type::CHECK,
    &group_name::CHECK,
    &rule_kind::CHECK,
    &rule_expr::CHECK,
    &rule_name::CHECK,
    &rule_labels::CHECK,
    &rule_duration::CHECK,
    &rule_recording_fields::CHECK,
    &rule_duplicate::CHECK,
    &promql_syntax::CHECK,
    &template_syntax::CHECK,
    &alert_runbook::CHECK,
    &alert_severity::CHECK,
    &alert_for::CHECK,
    &alert_context::CHECK,
    &alert_owner::CHECK,
    &alert_dashboard::CHECK,
    &route_unrouted::CHECK,
    &route_templated::CHECK,
    &route_owner::CHECK,
    &route_paging::CHECK,
    &route_receiver::CHECK,
    &route_shadowed::CHECK,
    &inhibit_unmatched::CHECK,
    &inhibit_self::CHECK,
    &inhibit_equal::CHECK,
    &runbook_missing::CHECK,
    &runbook_templated::CHECK,
    &runbook_unverifiable::CHECK,
    &runbook_orphan::CHECK,
    &runbook_sections::CHECK,
    &runbook_mismatch::CHECK,
    &runbook_stale::CHECK,
    &runbook_actionable::CHECK,
    &runbook_links::CHECK,
    &suppression_invalid::CHECK,
    &suppression_unused::CHECK,
];

pub fn find(id: &str) -> Option<&'static Check> {
    CHECKS.iter().copied().find(|c| c.id == id)
}

/// Whether `id` names a check or a whole family (`alert/*`).
pub fn is_check_id(id: &str) -> bool {
    CHECKS.iter().any(|c| covers(id, c.id))
}

/// Whether a check id or family (`alert/for`, `alert/*`), as written in a config or a
/// suppression comment, covers the check `check`.
pub fn covers(pattern: &str, check: &str) -> bool {
    match pattern.strip_suffix("/*") {
        Some(family) => check.split('/').next() == Some(family),
        None => pattern == check,
    }
}

/// A rule with the group and file it is in.
pub type RuleRef<'a> = (
    &'a RuleFile,
    &'a crate::model::RuleGroup,
    &'a crate::model::Rule,
);

/// Every rule of every file.
pub fn rules<'a>(ctx: &Context<'a>) -> impl Iterator<Item = RuleRef<'a>> + use<'a> {
    ctx.files
        .iter()
        .flat_map(|f| f.rules().map(move |(g, r)| (f, g, r)))
}

/// Every alerting rule of every file.
pub fn alerts<'a>(ctx: &Context<'a>) -> impl Iterator<Item = RuleRef<'a>> + use<'a> {
    rules(ctx).filter(|(_, _, r)| r.is_alert())
}

/// An alerting rule with its on-call policy: [`Context::alerts_with_policy`].
pub type AlertRef<'a> = (RuleRef<'a>, &'a crate::config::Policy);

/// Reports the problems the loader recorded of one kind, worded as the loader found them.
pub fn report_load_problems(
    ctx: &Context,
    kind: crate::model::LoadProblemKind,
    check: &'static str,
    label: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    for file in ctx.files {
        for p in file.problems.iter().filter(|p| p.kind == kind) {
            let mut d = Diagnostic::new(check, &file.source, p.span, p.message.clone());
            if let Some(l) = label {
                d = d.with_label(l);
            }
            if let Some((span, msg)) = &p.related {
                d = d.with_related(&file.source, *span, msg.clone());
            }
            out.push(d);
        }
    }
}

/// Whether a value is a Go template rather than a literal (so it can't be checked statically).
pub fn is_templated(s: &str) -> bool {
    s.contains("{{")
}

/// Prometheus' classic label-name rule (`[a-zA-Z_][a-zA-Z0-9_]*`), which every consumer accepts.
pub fn is_valid_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Prometheus' classic metric-name rule (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
pub fn is_valid_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}
