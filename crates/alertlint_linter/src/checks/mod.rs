//! Analyse: every check, each in its own file, listed once in the registry below
//! ([`CheckId`], [`CHECKS`]). A check's documentation is the `//!` comment at the top of its
//! file; `alertlint explain` prints that same text, so the two cannot drift.

pub use crate::alerts::{AlertRef, RuleRef};
pub use crate::check_id::{CheckId, CheckSet, unknown_pattern_hint};
use crate::config::Config;
// The checks' own files ask these of their parent (`super::is_templated`).
use crate::model::{Rule, RuleFile};
use crate::model::{is_templated, is_valid_label_name, is_valid_metric_name};
use crate::semantics::Semantics;
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};

/// The check registry: declares each check's module and generates [`CheckId`] (one variant per
/// check, in report order), [`CHECKS`] and the lookups between them. A check is added by
/// writing its file (named after its id: `alert/owner` is `alert_owner.rs`, with its `CHECK`
/// and its documentation at the top) and one line here; `alertlint checks`, `alertlint
/// explain`, the SARIF rule list and the README's table all follow.
/// The check modules and [`CHECKS`], from the one list of checks in [`crate::check_id`].
macro_rules! check_modules {
    ($($variant:ident: $module:ident,)*) => {
        $(mod $module;)*

        /// Every check, in report order ([`CheckId::ALL`]'s).
        pub const CHECKS: &[&Check] = &[$(&$module::CHECK,)*];
    };
}

crate::check_id::with_every_check!(check_modules);

impl CheckId {
    /// The check's metadata and documentation.
    pub const fn check(self) -> &'static Check {
        CHECKS[self as usize]
    }
}

/// Where each rule's analysis is, by the rule's address. FNV rather than std's SipHash: the
/// keys are addresses, not input an attacker chooses, and every check asks once per rule.
type RuleIndexMap = std::collections::HashMap<usize, usize, fnv::FnvBuildHasher>;

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
    /// What each rule's parsed expression means, by the rule's address: computed on first
    /// use, once per rule, shared by every check that asks.
    /// Every rule's analysis, and where each rule's is (by the rule's address).
    semantics: std::sync::OnceLock<(RuleIndexMap, Vec<Semantics<'a>>)>,
    /// How alerts are simulated (`alertlint simulate`'s options; defaults for `check`).
    pub simulate_options: crate::simulate::Options,
    /// Every alert's simulation: worked out on first use, shared by the `behaviour/*` checks.
    simulations: std::sync::OnceLock<Vec<crate::simulate::Simulation<'a>>>,
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
            semantics: std::sync::OnceLock::new(),
            simulate_options: crate::simulate::Options::default(),
            simulations: std::sync::OnceLock::new(),
        }
    }

    /// Every alerting rule's simulation ([`crate::simulate`]), worked out on the first call.
    pub fn simulations(&self) -> &[crate::simulate::Simulation<'a>] {
        self.simulations.get_or_init(|| {
            let semantics = |rule: &Rule| self.semantics(rule);
            let inputs = crate::simulate::Inputs {
                files: self.files,
                config: self.config,
                alerts: self.alerts_with_policy(),
                semantics: &semantics,
            };
            crate::simulate::simulate(&inputs, &self.simulate_options)
        })
    }

    /// Every alerting rule of every file with its on-call policy (overrides can change it
    /// by path or label). The policy, routing and runbook checks all ask; each alert's is
    /// worked out once per run.
    pub(crate) fn alerts_with_policy(&self) -> &[AlertRef<'a>] {
        self.alerts
            .get_or_init(|| crate::alerts::with_policy(self.files, self.config))
    }

    /// What a rule's expression means ([`crate::semantics`]); `None` when it has no
    /// expression or it does not parse. Worked out for every rule once, by the first check
    /// that asks.
    pub(crate) fn semantics(&self, rule: &Rule) -> Option<&Semantics<'a>> {
        let (index, facts) = self.every_semantics();
        index.get(&rule_key(rule)).map(|&i| &facts[i])
    }

    /// Every rule's analysis and where each is (by the rule's address), worked out on the
    /// first call. `analyse` calls it before the checks run side by side.
    pub(crate) fn every_semantics(&self) -> &(RuleIndexMap, Vec<Semantics<'a>>) {
        self.semantics.get_or_init(|| {
            // On all cores: a check that asks first would otherwise work it out alone while
            // the others wait for it.
            let exprs: Vec<(&'a Rule, &'a promql::Expr)> = crate::alerts::rules(self.files)
                .filter_map(|(_, _, r)| match &r.promql {
                    Some(Ok(expr)) => Some((r, expr)),
                    _ => None,
                })
                .collect();
            let counters = self.config.counter_suffixes();
            let facts = crate::parallel::map(exprs.len(), |(): &mut (), i| {
                Semantics::of(exprs[i].1, &counters)
            });
            let index = exprs
                .iter()
                .enumerate()
                .map(|(i, (r, _))| (rule_key(r), i))
                .collect();
            (index, facts)
        })
    }

    /// Every alert with the routes it reaches; empty without an Alertmanager config. Routing
    /// every alert is the costly part of the routing checks, so it is done once per run.
    pub fn routed_alerts(&self) -> &[crate::alertmanager::RoutedAlert<'a>] {
        match self.alertmanager {
            None => &[],
            Some(am) => self.routed.get_or_init(|| {
                crate::alertmanager::routed_alerts(am, self.alerts_with_policy(), |rule| {
                    self.semantics(rule)
                        .map(|s| {
                            s.result_labels
                                .known_values()
                                .map(|(k, v)| (k.to_string(), v.to_string()))
                                .collect()
                        })
                        .unwrap_or_default()
                })
            }),
        }
    }

    /// Every alert's `runbook_url` and where it leads; empty without runbook roots. Six
    /// checks ask; the links are resolved once per run, by whichever asks first.
    pub(crate) fn runbook_references(&self) -> &[crate::runbook::Reference<'a>] {
        match self.runbooks {
            None => &[],
            Some(rbs) => self
                .runbook_refs
                .get_or_init(|| rbs.references(self.alerts_with_policy())),
        }
    }
}

/// A rule by its address: the rules live in [`Context::files`] as long as the context.
fn rule_key(rule: &Rule) -> usize {
    std::ptr::from_ref(rule) as usize
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// What `promtool check rules` rejects: the rules would not load.
    Correctness,
    /// Semantics: the rules load, but the query or its templates cannot do what the alert
    /// needs (a label the result never has, a value in a label, a selector matching nothing).
    Semantics,
    /// On-call policy: the rules load, but the alert is not fit to page someone.
    Policy,
    /// About `# alertlint:` comments themselves.
    Suppression,
    /// Routing: where Alertmanager sends each alert, and its inhibit rules.
    Routing,
    /// Runbooks: that each alert's runbook exists and is fit to follow at 3am.
    Runbook,
    /// Backtests: how an alert would have fired on a server's history (`alertlint backtest`).
    Backtest,
    /// Firing behaviour: how an alert fires on synthesized input series (`alertlint simulate`).
    Behaviour,
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

/// Every rule of every file.
pub fn rules<'a>(ctx: &Context<'a>) -> impl Iterator<Item = RuleRef<'a>> + use<'a> {
    crate::alerts::rules(ctx.files)
}

/// Every alerting rule of every file.
pub fn alerts<'a>(ctx: &Context<'a>) -> impl Iterator<Item = RuleRef<'a>> + use<'a> {
    crate::alerts::alerts(ctx.files)
}

/// Reports the problems the loader recorded of one kind, worded as the loader found them.
pub(crate) fn report_load_problems(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_id::closest_pattern;

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
