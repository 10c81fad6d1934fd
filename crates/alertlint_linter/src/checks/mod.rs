//! Analyse: every check, each in its own file, listed once in the registry below
//! ([`CheckId`], [`CHECKS`]). A check's documentation is the `//!` comment at the top of its
//! file; `alertlint explain` prints that same text, so the two cannot drift.

use crate::config::Config;
use crate::model::RuleFile;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

/// The check registry: declares each check's module and generates [`CheckId`] (one variant per
/// check, in report order), [`CHECKS`] and the lookups between them. A check is added by
/// writing its file (named after its id: `alert/owner` is `alert_owner.rs`, with its `CHECK`
/// and its documentation at the top) and one line here; `alertlint checks`, `alertlint
/// explain`, the SARIF rule list and the README's table all follow.
macro_rules! registry {
    ($($variant:ident: $module:ident,)*) => {
        $(mod $module;)*

        /// A check. Config keys, suppression comments and diagnostics' ids are resolved to
        /// these once; an id that names no check never gets this far.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum CheckId {
            $($variant,)*
        }

        impl CheckId {
            /// Every check, in report order.
            pub const ALL: &'static [CheckId] = &[$(CheckId::$variant,)*];
            pub const COUNT: usize = Self::ALL.len();

            /// The check's metadata and documentation.
            pub const fn check(self) -> &'static Check {
                CHECKS[self as usize]
            }

            /// The name of the check's source file, without `.rs`.
            pub const fn module(self) -> &'static str {
                match self {
                    $(CheckId::$variant => stringify!($module),)*
                }
            }
        }

        /// Every check, in report order ([`CheckId::ALL`]'s).
        pub const CHECKS: &[&Check] = &[$(&$module::CHECK,)*];
    };
}

registry! {
    YamlSyntax: yaml_syntax,
    YamlDuplicateKey: yaml_duplicate_key,
    SchemaUnknownField: schema_unknown_field,
    SchemaType: schema_type,
    GroupName: group_name,
    RuleKind: rule_kind,
    RuleExpr: rule_expr,
    RuleName: rule_name,
    RuleLabels: rule_labels,
    RuleDuration: rule_duration,
    RuleRecordingFields: rule_recording_fields,
    RuleDuplicate: rule_duplicate,
    PromqlSyntax: promql_syntax,
    TemplateSyntax: template_syntax,
    AlertRunbook: alert_runbook,
    AlertSeverity: alert_severity,
    AlertFor: alert_for,
    AlertContext: alert_context,
    AlertOwner: alert_owner,
    AlertDashboard: alert_dashboard,
    RouteUnrouted: route_unrouted,
    RouteTemplated: route_templated,
    RouteOwner: route_owner,
    RoutePaging: route_paging,
    RouteReceiver: route_receiver,
    RouteShadowed: route_shadowed,
    InhibitUnmatched: inhibit_unmatched,
    InhibitSelf: inhibit_self,
    InhibitEqual: inhibit_equal,
    RunbookMissing: runbook_missing,
    RunbookTemplated: runbook_templated,
    RunbookUnverifiable: runbook_unverifiable,
    RunbookOrphan: runbook_orphan,
    RunbookSections: runbook_sections,
    RunbookMismatch: runbook_mismatch,
    RunbookStale: runbook_stale,
    RunbookActionable: runbook_actionable,
    RunbookLinks: runbook_links,
    SuppressionInvalid: suppression_invalid,
    SuppressionUnused: suppression_unused,
}

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

/// The ids of every check, worked out once: config keys, suppression comments and the
/// diagnostics of every check are looked up in it.
static BY_ID: std::sync::LazyLock<std::collections::HashMap<&'static str, CheckId>> =
    std::sync::LazyLock::new(|| CheckId::ALL.iter().map(|&c| (c.id(), c)).collect());

impl CheckId {
    /// The check's id as reports and configs write it (`alert/owner`).
    pub const fn id(self) -> &'static str {
        self.check().id
    }

    /// The check an id names; `None` for anything else, families (`alert/*`) included.
    pub fn from_id(id: &str) -> Option<CheckId> {
        BY_ID.get(id).copied()
    }

    /// The family of the check (`alert` for `alert/owner`).
    pub fn family(self) -> &'static str {
        self.id().split_once('/').map_or(self.id(), |(f, _)| f)
    }
}

// A CheckSet is one bit per check.
const _: () = assert!(
    CheckId::COUNT <= 128,
    "more than 128 checks: make CheckSet wider"
);

/// A set of checks: what a family pattern (`alert/*`) or a list of ids stands for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CheckSet(u128);

impl CheckSet {
    pub fn of(id: CheckId) -> CheckSet {
        CheckSet(1 << id as u32)
    }

    pub fn contains(self, id: CheckId) -> bool {
        self.0 & (1 << id as u32) != 0
    }

    pub fn insert(&mut self, id: CheckId) {
        self.0 |= 1 << id as u32;
    }

    pub fn union(self, other: CheckSet) -> CheckSet {
        CheckSet(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The checks in the set, in report order.
    pub fn iter(self) -> impl Iterator<Item = CheckId> {
        CheckId::ALL
            .iter()
            .copied()
            .filter(move |&c| self.contains(c))
    }

    /// What a check id or a family (`alert/owner`, `alert/*`), as written in a config or a
    /// suppression comment, stands for; `None` when it names no check or no family.
    pub fn parse(pattern: &str) -> Option<CheckSet> {
        match pattern.strip_suffix("/*") {
            Some(family) => {
                let mut set = CheckSet::default();
                for &c in CheckId::ALL.iter().filter(|c| c.family() == family) {
                    set.insert(c);
                }
                (!set.is_empty()).then_some(set)
            }
            None => CheckId::from_id(pattern).map(CheckSet::of),
        }
    }
}

/// The check id or family pattern most likely meant by one that names nothing.
pub fn closest_pattern(pattern: &str) -> Option<String> {
    let mut known: Vec<String> = CheckId::ALL.iter().map(|c| c.id().to_string()).collect();
    for c in CheckId::ALL {
        let family = format!("{}/*", c.family());
        if !known.contains(&family) {
            known.push(family);
        }
    }
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    crate::suggest::closest(pattern, &known).map(str::to_string)
}

/// The words after an unknown check id or family in a message: the likely one, or where the
/// list is.
pub fn unknown_pattern_hint(pattern: &str) -> String {
    match closest_pattern(pattern) {
        Some(s) => format!("; did you mean `{s}`?"),
        None => " (see `alertlint checks`)".to_string(),
    }
}

/// The check table of the README (`alertlint checks --format markdown`): every check with its
/// default severity (or `off`) and summary.
pub fn markdown_table() -> String {
    let mut out = String::from("| check | default | what it reports |\n|---|---|---|\n");
    for c in CHECKS {
        let default = if c.default_enabled {
            c.default_severity.as_str()
        } else {
            "off"
        };
        out.push_str(&format!(
            "| `{}` | {default} | {} |\n",
            c.id,
            c.summary.replace('|', "\\|")
        ));
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each check is one file named after its id (`rule/recording-fields` is
    /// `rule_recording_fields.rs`), documented at its top, and registered once.
    #[test]
    fn every_check_is_the_file_its_id_names() {
        assert_eq!(CheckId::ALL.len(), CHECKS.len());
        for (i, &id) in CheckId::ALL.iter().enumerate() {
            assert_eq!(id as usize, i);
            let check = id.check();
            let (family, name) = check.id.split_once('/').expect("family/name");
            assert_eq!(
                id.module(),
                format!("{family}_{}", name.replace('-', "_")),
                "{}",
                check.id
            );
            assert_eq!(CheckId::from_id(check.id), Some(id));
            assert!(check.doc().starts_with("## What it does\n"), "{}", check.id);
        }
        assert_eq!(CheckId::from_id("alert/*"), None);
        assert_eq!(CheckId::from_id("alert/nothing"), None);
    }

    #[test]
    fn patterns_name_checks_or_families() {
        let alert = CheckSet::parse("alert/*").expect("family");
        assert!(alert.contains(CheckId::AlertOwner) && alert.contains(CheckId::AlertDashboard));
        assert!(!alert.contains(CheckId::RuleExpr));
        assert_eq!(
            CheckSet::parse("rule/expr").map(|s| s.iter().collect::<Vec<_>>()),
            Some(vec![CheckId::RuleExpr])
        );
        assert_eq!(CheckSet::parse("nothing/*"), None);
        assert_eq!(CheckSet::parse("alert"), None);
        assert_eq!(closest_pattern("alret/*").as_deref(), Some("alert/*"));
        assert_eq!(
            closest_pattern("route/shadow").as_deref(),
            Some("route/shadowed")
        );
    }
}
