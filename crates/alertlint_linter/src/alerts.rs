//! The rules and alerts of a rule set, as the checks, the router and the runbook resolver walk
//! them: each with its group and file, alerts with their on-call policy.

use crate::config::{Config, Policy};
use crate::model::{Rule, RuleFile, RuleGroup};

/// A rule with the group and file it is in.
pub type RuleRef<'a> = (&'a RuleFile, &'a RuleGroup, &'a Rule);

/// An alerting rule with its on-call policy (`checks::Context::alerts_with_policy`).
pub type AlertRef<'a> = (RuleRef<'a>, &'a Policy);

/// Every rule of every file.
pub(crate) fn rules(files: &[RuleFile]) -> impl Iterator<Item = RuleRef<'_>> {
    files
        .iter()
        .flat_map(|f| f.rules().map(move |(g, r)| (f, g, r)))
}

/// Every alerting rule of every file.
pub(crate) fn alerts(files: &[RuleFile]) -> impl Iterator<Item = RuleRef<'_>> {
    rules(files).filter(|(_, _, r)| r.is_alert())
}

/// Every alerting rule of every file with its on-call policy (overrides can change it by path
/// or label).
pub(crate) fn with_policy<'a>(files: &'a [RuleFile], config: &'a Config) -> Vec<AlertRef<'a>> {
    alerts(files)
        .map(|(file, group, rule)| {
            let policy = config.policy_for(&file.source.path, group, rule);
            ((file, group, rule), policy)
        })
        .collect()
}
