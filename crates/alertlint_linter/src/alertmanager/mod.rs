//! The Alertmanager configuration and its routing.
//!
//! `alertmanager.yml` is read with positions ([`parse`]); routing follows Alertmanager's
//! `dispatch/route.go` exactly: a route matches when all its matchers do; its children are
//! tried depth-first, left to right, stopping after the first matching child unless that child
//! has `continue: true`; a route none of whose children match is itself the match. `receiver`
//! and `group_by` are inherited from the parent when not set.
//!
//! The `alertmanager:` key of `.alertlint.yaml` is either the path of the file or a mapping:
//!
//! ```yaml
//! alertmanager:
//!   config: alertmanager.yml          # relative to .alertlint.yaml
//!   teams:                            # receivers of each team (else: by naming convention)
//!     fraud-ml: [fraud-ml-pager, fraud-ml-slack]
//!   shared_receivers: [audit-log]     # receivers any team's alerts may reach
//!   paging_integrations: [pagerduty, opsgenie, victorops]
//!   warning_pages: false              # overrides `pages` of the `warning` tier
//! ```

pub mod matcher;
pub mod notify;
mod parse;

pub use matcher::{LabelSet, MatchType, Matcher};

pub use crate::config::alertmanager::Settings;
use crate::config::{Config, Policy};
use crate::model::{Rule, RuleGroup, Str};
use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_diagnostics::source::{SourceFile, Span};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One node of the routing tree, as written.
#[derive(Debug, Clone, Default)]
pub struct Route {
    /// The route's mapping.
    pub span: Span,
    pub receiver: Option<Str>,
    /// `None`: inherited. A list holding `...` groups by all labels.
    pub group_by: Option<Vec<Str>>,
    pub continue_: bool,
    pub continue_span: Option<Span>,
    /// `match`, `match_re` and `matchers`, all of which must match.
    pub matchers: Vec<Matcher>,
    pub mute_time_intervals: Vec<Str>,
    pub active_time_intervals: Vec<Str>,
    /// `group_wait` in milliseconds; `None`: inherited (see [`Timing`]).
    pub group_wait_ms: Option<i64>,
    /// `group_interval` in milliseconds; `None`: inherited.
    pub group_interval_ms: Option<i64>,
    /// `repeat_interval` in milliseconds; `None`: inherited.
    pub repeat_interval_ms: Option<i64>,
    pub routes: Vec<Route>,
}

/// When an aggregation group notifies: each value the nearest one written on the routes from
/// the root down, else Alertmanager's default (`dispatch/route.go` `DefaultRouteOpts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// From a group's first alert to its first notification.
    pub group_wait_ms: i64,
    /// Between two flushes of a group.
    pub group_interval_ms: i64,
    /// From a notification to its repetition while nothing changes.
    pub repeat_interval_ms: i64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            group_wait_ms: 30_000,
            group_interval_ms: 5 * 60_000,
            repeat_interval_ms: 4 * 3_600_000,
        }
    }
}

impl Timing {
    /// This timing with what `route` writes over it.
    fn under(self, route: &Route) -> Timing {
        Timing {
            group_wait_ms: route.group_wait_ms.unwrap_or(self.group_wait_ms),
            group_interval_ms: route.group_interval_ms.unwrap_or(self.group_interval_ms),
            repeat_interval_ms: route.repeat_interval_ms.unwrap_or(self.repeat_interval_ms),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Integration {
    /// `pagerduty`, `slack`, … (the key without `_configs`).
    pub kind: String,
    pub span: Span,
    /// `send_resolved` as written; `None`: the integration's default.
    pub send_resolved: Option<bool>,
}

impl Integration {
    /// Whether it notifies about resolved alerts: as written, else Alertmanager's default for
    /// the kind (false for email, Slack, WeChat and Rocket.Chat, true for the others).
    pub fn sends_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(!matches!(
            self.kind.as_str(),
            "email" | "slack" | "wechat" | "rocketchat"
        ))
    }
}

#[derive(Debug, Clone)]
pub struct Receiver {
    pub name: Str,
    /// The receiver's mapping.
    pub span: Span,
    pub integrations: Vec<Integration>,
}

#[derive(Debug, Clone, Default)]
pub struct InhibitRule {
    pub span: Span,
    pub source: Vec<Matcher>,
    pub target: Vec<Matcher>,
    /// `None` when `equal` is not written.
    pub equal: Option<Vec<Str>>,
    pub equal_span: Option<Span>,
}

#[derive(Debug)]
pub struct Alertmanager {
    pub file: Arc<SourceFile>,
    pub route: Route,
    pub receivers: Vec<Receiver>,
    pub inhibit_rules: Vec<InhibitRule>,
    /// Names of `time_intervals` (and legacy `mute_time_intervals`).
    pub time_intervals: Vec<Str>,
    pub settings: Settings,
    /// `receivers` by name (the first of a name), built on the first lookup: asked for every
    /// alert's every route, which a scan of 100,000 receivers would make quadratic.
    receiver_index: std::sync::OnceLock<std::collections::HashMap<String, usize>>,
}

/// A route an alert reaches, with what it inherits.
#[derive(Debug, Clone)]
pub struct Matched<'a> {
    /// Child indices from the root (empty: the root route itself).
    pub path: Vec<usize>,
    /// The routes from the root down to the matched one.
    pub chain: Vec<&'a Route>,
    /// The effective receiver: the nearest one set on the chain, where it is written.
    pub receiver: Option<&'a Str>,
    /// The effective `group_by` (`["..."]`: all labels).
    pub group_by: Vec<String>,
    /// The effective `group_wait`, `group_interval` and `repeat_interval`.
    pub timing: Timing,
}

impl Matched<'_> {
    pub fn route(&self) -> &Route {
        self.chain
            .last()
            .copied()
            .unwrap_or_else(|| unreachable!("chain holds the root"))
    }

    pub fn receiver_name(&self) -> &str {
        self.receiver.map_or("", |s| s.value.as_str())
    }

    pub fn is_root(&self) -> bool {
        self.path.is_empty()
    }

    /// Where to point for this match: the route's receiver if set on it, else its matchers,
    /// else the route's mapping.
    pub fn span(&self) -> Span {
        let route = self.route();
        route
            .receiver
            .as_ref()
            .map(|r| r.span)
            .or_else(|| route.matchers.first().map(|m| m.span))
            .unwrap_or(route.span)
    }

    /// `route.routes[1].routes[0]`.
    pub fn path_name(&self) -> String {
        path_name(&self.path)
    }
}

pub fn path_name(path: &[usize]) -> String {
    let mut s = String::from("route");
    for i in path {
        s.push_str(&format!(".routes[{i}]"));
    }
    s
}

impl Route {
    /// Alertmanager's `Route.Match`: the matching routes' paths, in tree order.
    fn match_paths(&self, labels: &LabelSet, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if !matcher::all_match(&self.matchers, labels) {
            return;
        }
        let before = out.len();
        for (i, child) in self.routes.iter().enumerate() {
            let n = out.len();
            path.push(i);
            child.match_paths(labels, path, out);
            path.pop();
            if out.len() > n && !child.continue_ {
                break;
            }
        }
        if out.len() == before {
            out.push(path.clone());
        }
    }

    /// Every route of the tree with its path, depth-first.
    pub fn walk<'a>(&'a self, path: &mut Vec<usize>, visit: &mut dyn FnMut(&[usize], &'a Route)) {
        visit(path, self);
        for (i, child) in self.routes.iter().enumerate() {
            path.push(i);
            child.walk(path, visit);
            path.pop();
        }
    }
}

impl Alertmanager {
    pub(crate) fn empty(file: &Arc<SourceFile>) -> Alertmanager {
        Alertmanager {
            file: Arc::clone(file),
            route: Route::default(),
            receivers: Vec::new(),
            inhibit_rules: Vec::new(),
            time_intervals: Vec::new(),
            settings: Settings::default(),
            receiver_index: std::sync::OnceLock::new(),
        }
    }

    /// Parses `alertmanager.yml` text (default settings).
    pub fn parse(file: &Arc<SourceFile>) -> Result<Alertmanager, Vec<Diagnostic>> {
        parse::parse(file)
    }

    /// The routes a label set reaches, as Alertmanager's dispatcher finds them.
    pub fn route_labels(&self, labels: &LabelSet) -> Vec<Matched<'_>> {
        let mut paths = Vec::new();
        self.route.match_paths(labels, &mut Vec::new(), &mut paths);
        paths.into_iter().map(|p| self.matched(p)).collect()
    }

    fn matched(&self, path: Vec<usize>) -> Matched<'_> {
        let mut chain = vec![&self.route];
        let mut node = &self.route;
        for &i in &path {
            match node.routes.get(i) {
                Some(child) => {
                    chain.push(child);
                    node = child;
                }
                None => break,
            }
        }
        let receiver = chain.iter().rev().find_map(|r| r.receiver.as_ref());
        let group_by = chain
            .iter()
            .rev()
            .find_map(|r| r.group_by.as_ref())
            .map(|g| g.iter().map(|s| s.value.clone()).collect())
            .unwrap_or_default();
        let timing = chain
            .iter()
            .fold(Timing::default(), |timing, route| timing.under(route));
        Matched {
            path,
            chain,
            receiver,
            group_by,
            timing,
        }
    }

    pub fn receiver(&self, name: &str) -> Option<&Receiver> {
        let index = self.receiver_index.get_or_init(|| {
            let mut index = std::collections::HashMap::with_capacity(self.receivers.len());
            for (i, r) in self.receivers.iter().enumerate() {
                index.entry(r.name.value.clone()).or_insert(i);
            }
            index
        });
        index.get(name).map(|&i| &self.receivers[i])
    }

    /// The paging integrations of a receiver (empty: it does not page).
    pub fn paging_integrations(&self, name: &str) -> Vec<&Integration> {
        self.receiver(name)
            .map(|r| {
                r.integrations
                    .iter()
                    .filter(|i| self.settings.paging_integrations.contains(&i.kind))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn pages(&self, receiver: &str) -> bool {
        !self.paging_integrations(receiver).is_empty()
    }

    /// Label names any route matcher looks at.
    pub fn routing_label_names(&self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        self.route.walk(&mut Vec::new(), &mut |_, r| {
            names.extend(r.matchers.iter().map(|m| m.name.clone()));
        });
        names
    }

    /// Whether `receiver` may receive alerts of `team`: explicitly (`teams:`), as a shared
    /// receiver, or by name (the longest known team whose name appears in the receiver's
    /// name, split at `-`, `_` and `.`; see [`ReceiverTeams`]).
    pub(crate) fn receiver_serves(
        &self,
        receiver: &str,
        team: &str,
        teams: &ReceiverTeams,
    ) -> bool {
        if teams.shared.contains(receiver) {
            return true;
        }
        if let Some(list) = self.settings.teams.get(team) {
            return list.iter().any(|r| r == receiver);
        }
        if teams.listed.contains(receiver) {
            return false;
        }
        teams.team_of(receiver) == Some(team)
    }

    /// The team a receiver belongs to, as [`Alertmanager::receiver_serves`] reads the settings:
    /// the first team whose `teams:` lists it, none for a shared receiver, else the team its
    /// name says unless that team lists its receivers and this is not one of them.
    pub fn receiver_team<'a>(
        &'a self,
        receiver: &str,
        teams: &ReceiverTeams<'a>,
    ) -> Option<&'a str> {
        if teams.shared.contains(receiver) {
            return None;
        }
        if let Some((team, _)) = self
            .settings
            .teams
            .iter()
            .find(|(_, receivers)| receivers.iter().any(|r| r == receiver))
        {
            return Some(team);
        }
        teams
            .team_of(receiver)
            .filter(|team| !self.settings.teams.contains_key(*team))
    }
}

/// The known teams indexed by the words of their names, and the receivers the settings name,
/// so that asking which team a receiver belongs to costs a few lookups rather than a pass
/// over every team (5,000 alerts of 5,000 teams made 25 million passes).
pub struct ReceiverTeams<'a> {
    /// Teams by the words of their names (lower case), each list in the order given.
    by_words: std::collections::HashMap<Vec<String>, Vec<&'a str>>,
    /// The most words in a team's name.
    most_words: usize,
    shared: std::collections::HashSet<&'a str>,
    /// Receivers listed under some team in `teams:`.
    listed: std::collections::HashSet<&'a str>,
}

fn name_words(s: &str) -> Vec<String> {
    s.split(['-', '_', '.'])
        .map(str::to_ascii_lowercase)
        .collect()
}

impl<'a> ReceiverTeams<'a> {
    pub fn new(settings: &'a Settings, teams: &[&'a str]) -> Self {
        let mut by_words: std::collections::HashMap<Vec<String>, Vec<&'a str>> =
            std::collections::HashMap::new();
        let mut most_words = 0;
        for &t in teams {
            let words = name_words(t);
            most_words = most_words.max(words.len());
            by_words.entry(words).or_default().push(t);
        }
        ReceiverTeams {
            by_words,
            most_words,
            shared: settings
                .shared_receivers
                .iter()
                .map(String::as_str)
                .collect(),
            listed: settings
                .teams
                .values()
                .flatten()
                .map(String::as_str)
                .collect(),
        }
    }

    /// [`team_of_receiver`] over the teams indexed: the same team.
    pub(crate) fn team_of(&self, receiver: &str) -> Option<&'a str> {
        let words = name_words(receiver);
        let mut best: Option<&'a str> = None;
        for start in 0..words.len() {
            for end in start + 1..=words.len().min(start + self.most_words) {
                for &t in self.by_words.get(&words[start..end]).into_iter().flatten() {
                    let better = best.is_none_or(|b| {
                        (t.len(), std::cmp::Reverse(t)) >= (b.len(), std::cmp::Reverse(b))
                    });
                    if better {
                        best = Some(t);
                    }
                }
            }
        }
        best
    }
}

/// The longest team name that appears, as whole words, in a receiver name.
pub fn team_of_receiver<'t>(receiver: &str, teams: &[&'t str]) -> Option<&'t str> {
    let split = |s: &str| -> Vec<String> {
        s.split(['-', '_', '.'])
            .map(str::to_ascii_lowercase)
            .collect()
    };
    let words = split(receiver);
    teams
        .iter()
        .copied()
        .filter(|t| {
            let tw = split(t);
            !tw.is_empty() && words.windows(tw.len()).any(|w| w == tw.as_slice())
        })
        .max_by_key(|t| (t.len(), std::cmp::Reverse(*t)))
}

/// The labels of an alert known without evaluating it: group labels, rule labels (which win),
/// and `alertname`. Labels whose value is a template are listed apart: they cannot be routed.
#[derive(Debug, Clone, Default)]
pub struct StaticLabels {
    pub labels: LabelSet,
    pub templated: Vec<String>,
}

/// The labels an alert is known to have before it fires: `series`, those every series of
/// the rule's result carries with a known value (`up{job="api"} == 0`: `job="api"`), then the
/// group's and the rule's labels over them, then `alertname`, as Prometheus builds them.
pub(crate) fn static_labels<'s>(
    group: &RuleGroup,
    rule: &Rule,
    series: impl Iterator<Item = (&'s str, &'s str)>,
) -> StaticLabels {
    let mut out = StaticLabels::default();
    for (key, value) in series {
        out.labels.insert(key.to_string(), value.to_string());
    }
    for (key, value) in rule.labels_with(group) {
        if crate::model::is_templated(value) {
            out.labels.remove(key);
            if !out.templated.iter().any(|t| t == key) {
                out.templated.push(key.to_string());
            }
        } else {
            out.templated.retain(|t| t != key);
            out.labels.insert(key.to_string(), value.to_string());
        }
    }
    out.labels
        .insert("alertname".into(), rule.name().to_string());
    out.templated.retain(|t| t != "alertname");
    out
}

/// How an alert routes, or why that cannot be known statically.
pub enum Routing<'a> {
    Routes(Vec<Matched<'a>>),
    /// Routing depends on labels whose values are templates.
    Templated(Vec<String>),
}

impl Alertmanager {
    /// Routes an alert by its static labels; `routing_names` are
    /// [`Alertmanager::routing_label_names`], worked out once for all alerts.
    pub(crate) fn route_alert(
        &self,
        labels: &StaticLabels,
        routing_names: &BTreeSet<String>,
    ) -> Routing<'_> {
        let blocking: Vec<String> = labels
            .templated
            .iter()
            .filter(|t| routing_names.contains(*t))
            .cloned()
            .collect();
        if blocking.is_empty() {
            Routing::Routes(self.route_labels(&labels.labels))
        } else {
            Routing::Templated(blocking)
        }
    }
}

/// Reads an Alertmanager config file with the given settings.
pub fn read(path: &Path, settings: Settings) -> Result<Alertmanager, Vec<Diagnostic>> {
    let file = crate::load::read_source(path, "config", "Alertmanager config")?;
    let mut am = parse::parse(&file)?;
    am.settings = settings;
    Ok(am)
}

/// Loads the Alertmanager config named on the command line or in `.alertlint.yaml`
/// (`alertmanager:`). `Ok(None)` when none is configured.
pub fn load(config: &Config, path: Option<&Path>) -> Result<Option<Alertmanager>, Vec<Diagnostic>> {
    let settings = config.alertmanager.clone();
    let Some(path) = path
        .map(Path::to_path_buf)
        .or_else(|| settings.config.clone())
    else {
        return Ok(None);
    };
    let path = tidy(&path);
    read(&path, settings).map(Some)
}

/// Makes `config.root.join(..)` results relative to the working directory, for readable reports.
fn tidy(path: &Path) -> PathBuf {
    if let Some(rel) = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .filter(|rel| !rel.as_os_str().is_empty())
    {
        return rel.to_path_buf();
    }
    let s = path.to_string_lossy();
    match s.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => PathBuf::from(rest),
        _ => path.to_path_buf(),
    }
}

/// Whether alerts of a severity must page, under an alert's policy, with `warning_pages`
/// applied.
pub(crate) fn tier_pages(policy: &Policy, settings: &Settings, severity: &str) -> Option<bool> {
    if let Some(p) = settings.warning_pages.filter(|_| severity == "warning") {
        return Some(p);
    }
    policy.tier(severity).and_then(|t| t.pages)
}

/// An alert of the checked rules with its static labels and how it routes.
pub struct RoutedAlert<'a> {
    pub file: &'a crate::model::RuleFile,
    pub group: &'a RuleGroup,
    pub rule: &'a Rule,
    pub labels: StaticLabels,
    pub routing: Routing<'a>,
    /// The alert's on-call policy (see [`Config::policy_for`]).
    pub policy: &'a Policy,
}

impl RoutedAlert<'_> {
    /// The value of a static label, with where it is written (rule labels win over group's).
    pub fn label(&self, name: &str) -> Option<&crate::model::Pair> {
        self.rule
            .effective_label(self.group, name)
            .filter(|p| self.labels.labels.contains_key(&p.key.value))
    }
}

/// Every alert, routed (the alerts of `checks::Context::alerts_with_policy`), with the
/// labels its result's series are known to carry ([`static_labels`]).
pub fn routed_alerts<'a>(
    am: &'a Alertmanager,
    alerts: &[crate::alerts::AlertRef<'a>],
    series_labels: impl Fn(&Rule) -> Vec<(String, String)>,
) -> Vec<RoutedAlert<'a>> {
    let routing_names = am.routing_label_names();
    alerts
        .iter()
        .map(|&((file, group, rule), policy)| {
            let series = series_labels(rule);
            let labels = static_labels(
                group,
                rule,
                series.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            let routing = am.route_alert(&labels, &routing_names);
            RoutedAlert {
                file,
                group,
                rule,
                labels,
                routing,
                policy,
            }
        })
        .collect()
}

/// Team names alertlint knows: the `teams` of the policy and of every override's policy,
/// the `teams:` of the settings and the owner label values of the alerts (each alert's owner
/// label as its policy names it).
pub(crate) fn known_teams(
    config: &Config,
    am: &Alertmanager,
    alerts: &[RoutedAlert],
) -> Vec<String> {
    let policies = std::iter::once(&config.policy)
        .chain(config.overrides.iter().filter_map(|o| o.policy.as_ref()));
    let mut teams: BTreeSet<String> = policies.flat_map(|p| p.teams.iter().cloned()).collect();
    teams.extend(am.settings.teams.keys().cloned());
    for a in alerts {
        if let Some(t) = a.labels.labels.get(&a.policy.owner_label)
            && !t.is_empty()
        {
            teams.insert(t.clone());
        }
    }
    teams.into_iter().collect()
}

/// Whether a list of matchers may match some alert with these static labels: a matcher on a
/// label the alert does not set statically may be satisfied by the series' labels.
pub(crate) fn may_match(ms: &[Matcher], labels: &StaticLabels) -> bool {
    ms.iter().all(|m| match labels.labels.get(&m.name) {
        Some(v) => m.matches_value(v),
        None => m.name != "alertname",
    })
}

/// Whether a list of matchers certainly matches an alert: every matcher is on a static label
/// and accepts its value.
pub(crate) fn surely_matches(ms: &[Matcher], labels: &StaticLabels) -> bool {
    ms.iter().all(|m| {
        labels
            .labels
            .get(&m.name)
            .is_some_and(|v| m.matches_value(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn am(text: &str) -> Alertmanager {
        match Alertmanager::parse(&SourceFile::new("am.yml", text.to_string())) {
            Ok(a) => a,
            Err(e) => panic!("{:?}", e.iter().map(|d| &d.message).collect::<Vec<_>>()),
        }
    }

    fn receivers(a: &Alertmanager, labels: &[(&str, &str)]) -> Vec<String> {
        let ls = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        a.route_labels(&ls)
            .iter()
            .map(|m| m.receiver_name().to_string())
            .collect()
    }

    #[test]
    fn routes_with_continue_and_inheritance() {
        let a = am(r#"
route:
  receiver: default
  group_by: [alertname]
  routes:
    - matchers: ['team="a"']
      continue: true
      receiver: a
    - match: {team: a}
      routes:
        - matchers: [severity=critical]
          receiver: a-pager
    - match_re: {team: "b|c"}
      receiver: bc
receivers: [{name: default}, {name: a}, {name: a-pager}, {name: bc}]
"#);
        assert_eq!(receivers(&a, &[("team", "a")]), ["a", "default"]);
        assert_eq!(
            receivers(&a, &[("team", "a"), ("severity", "critical")]),
            ["a", "a-pager"]
        );
        assert_eq!(receivers(&a, &[("team", "bc")]), ["default"]);
        assert_eq!(receivers(&a, &[("team", "c")]), ["bc"]);
        let m = a.route_labels(&[("team".to_string(), "a".to_string())].into());
        assert_eq!(m[1].path_name(), "route.routes[1]");
        assert_eq!(m[1].group_by, ["alertname"]);
    }

    #[test]
    fn team_by_name() {
        let teams = ["ml", "ml-platform", "fraud-ml"];
        assert_eq!(
            team_of_receiver("ml-platform-pager", &teams),
            Some("ml-platform")
        );
        assert_eq!(team_of_receiver("fraud-ml-slack", &teams), Some("fraud-ml"));
        assert_eq!(team_of_receiver("ml-slack", &teams), Some("ml"));
        assert_eq!(team_of_receiver("default", &teams), None);
    }

    proptest::proptest! {
        /// The index finds the team the pass over every team finds: words in any case,
        /// any separator, empty words, teams that are parts of others.
        #[test]
        fn receiver_teams_find_what_a_pass_over_all_teams_finds(
            teams in proptest::collection::vec("(ml|ML|fraud|pay|)([-_.](ml|fraud|pay|x|)){0,3}", 0..12),
            receivers in proptest::collection::vec("(ml|Fraud|pay|x|)([-_.](ml|fraud|PAY|pager|)){0,5}", 1..12),
        ) {
            let teams: Vec<&str> = teams.iter().map(String::as_str).collect();
            let settings = Settings::default();
            let index = ReceiverTeams::new(&settings, &teams);
            for r in &receivers {
                proptest::prop_assert_eq!(index.team_of(r), team_of_receiver(r, &teams), "{}", r);
            }
        }
    }

    #[test]
    fn timing_is_inherited_from_the_parent_with_alertmanagers_defaults_at_the_root() {
        let a = am(r"
route:
  receiver: default
  routes:
    - matchers: [team=a]
      receiver: a
      group_wait: 1m
      repeat_interval: 1h
      routes:
        - matchers: [severity=critical]
          group_interval: 90s
          receiver: a
receivers: [{name: default}, {name: a}]
");
        let timing = |labels: &[(&str, &str)]| {
            let ls = labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            a.route_labels(&ls)[0].timing
        };
        assert_eq!(timing(&[]), Timing::default());
        assert_eq!(
            Timing::default(),
            Timing {
                group_wait_ms: 30_000,
                group_interval_ms: 300_000,
                repeat_interval_ms: 14_400_000
            }
        );
        assert_eq!(
            timing(&[("team", "a")]),
            Timing {
                group_wait_ms: 60_000,
                group_interval_ms: 300_000,
                repeat_interval_ms: 3_600_000
            }
        );
        assert_eq!(
            timing(&[("team", "a"), ("severity", "critical")]),
            Timing {
                group_wait_ms: 60_000,
                group_interval_ms: 90_000,
                repeat_interval_ms: 3_600_000
            }
        );
        assert_eq!(a.route.group_wait_ms, None);
    }

    #[test]
    fn send_resolved_is_read_with_alertmanagers_defaults() {
        let a = am(r"
route: {receiver: r}
receivers:
  - name: r
    pagerduty_configs: [{routing_key: x}, {routing_key: y, send_resolved: false}]
    slack_configs: [{channel: a}, {channel: b, send_resolved: true}]
");
        let sends: Vec<bool> = a.receivers[0]
            .integrations
            .iter()
            .map(Integration::sends_resolved)
            .collect();
        assert_eq!(sends, [true, false, false, true]);
    }

    #[test]
    fn bad_route_timing_is_a_config_error_where_it_is_written() {
        for (text, message) in [
            (
                "group_wait: soon",
                "`group_wait`: not a valid duration string: \"soon\"",
            ),
            ("group_interval: 0s", "group_interval cannot be zero"),
            ("repeat_interval: 0", "repeat_interval cannot be zero"),
            (
                "repeat_interval: 5 minutes",
                "`repeat_interval`: not a valid duration string: \"5 minutes\"",
            ),
        ] {
            let yaml = format!("route:\n  receiver: x\n  {text}\nreceivers: [{{name: x}}]\n");
            let file = SourceFile::new("am.yml", yaml.clone());
            let Err(errors) = Alertmanager::parse(&file) else {
                panic!("accepted: {text}");
            };
            assert_eq!(errors.len(), 1, "{text}");
            assert_eq!(errors[0].message, message);
            assert_eq!(errors[0].check, "config");
            let value = text.split_once(": ").map_or("", |(_, v)| v);
            assert_eq!(
                errors[0].span.start,
                yaml.find(value).unwrap_or(0),
                "{text}"
            );
        }
        // `group_wait` may be zero.
        am("route: {receiver: x, group_wait: 0s}\nreceivers: [{name: x}]");
    }

    #[test]
    fn receiver_team_reads_the_settings_then_the_name() {
        let mut a = am("route: {receiver: x}\nreceivers: [{name: x}]");
        a.settings
            .teams
            .insert("ml".into(), vec!["ml-oncall".into(), "data-pager".into()]);
        a.settings.shared_receivers = vec!["audit-log".into()];
        let teams = ["ml", "fraud", "audit"];
        let index = ReceiverTeams::new(&a.settings, &teams);
        assert_eq!(a.receiver_team("data-pager", &index), Some("ml"));
        assert_eq!(a.receiver_team("fraud-pager", &index), Some("fraud"));
        assert_eq!(a.receiver_team("audit-log", &index), None);
        // `ml` lists its receivers: another one named after it is not its.
        assert_eq!(a.receiver_team("ml-pager", &index), None);
    }

    #[test]
    fn rejects_bad_configs() {
        for text in [
            "route: {matchers: [a=b], receiver: x}\nreceivers: [{name: x}]",
            "route: {}\n",
            "receivers: []",
            "route: {receiver: x, routes: [{matchers: ['a=\"']}]}",
            "route: {receiver: x, routes: [{match_re: {a: '('}}]}",
            "route: [",
        ] {
            assert!(
                Alertmanager::parse(&SourceFile::new("am.yml", text.to_string())).is_err(),
                "{text}"
            );
        }
    }
}
