//! `.alertlint.yaml`: which checks run and how loud, the on-call policy, per-path and
//! per-label overrides. Read with the same span-preserving reader as rule files, so a mistake
//! in the config is reported at its line and column.

pub mod alertmanager;
pub mod runbooks;

use crate::check_id::{CheckId, CheckSet};
use crate::config_reader::SectionReader;
use crate::model::{Dialect, Rule, RuleGroup};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use alertlint_diagnostics::source::SourceFile;
use alertlint_yaml::{self as yaml, Node};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) const CONFIG_NAMES: &[&str] = &[".alertlint.yaml", ".alertlint.yml"];

/// Top-level keys. Every section is read into its type when the config is loaded, so a
/// mistake anywhere in the file is a config error (exit 2) before anything is checked.
const TOP_KEYS: &[&str] = &[
    "checks",
    "exclude",
    "policy",
    "overrides",
    "runbooks",
    "alertmanager",
    "promql",
    "dialect",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckSetting {
    Off,
    /// On, at the check's default severity or the one given.
    On(Option<Severity>),
}

/// The setting of each check in one `checks:` map, its ids and families resolved when the
/// config is read: an id wins over its family (`alert/*`), whatever their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckSettings([Option<CheckSetting>; CheckId::COUNT]);

impl Default for CheckSettings {
    fn default() -> Self {
        CheckSettings([None; CheckId::COUNT])
    }
}

impl CheckSettings {
    /// The check's setting here; `None` when the map does not name it or its family.
    pub fn get(&self, id: CheckId) -> Option<CheckSetting> {
        self.0[id as usize]
    }

    pub fn set(&mut self, id: CheckId, setting: CheckSetting) {
        self.0[id as usize] = Some(setting);
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    /// These settings applied over `base`: what is set here wins.
    fn apply_to(&self, base: &mut CheckSettings) {
        for (b, s) in base.0.iter_mut().zip(self.0) {
            if s.is_some() {
                *b = s;
            }
        }
    }
}

/// Which checks report at one place (a file, or a rule of it) and how loud: each check's
/// default, then `checks:`, then every override that applies there, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enabled([Option<Severity>; CheckId::COUNT]);

impl Enabled {
    /// The severity of the check's findings here; `None` when it is off here.
    pub fn severity(&self, id: CheckId) -> Option<Severity> {
        self.0[id as usize]
    }
}

/// One severity tier (`critical`, `warning`, …) of the on-call policy.
#[derive(Debug, Clone)]
pub struct Tier {
    pub name: String,
    /// Shortest `for:` accepted for alerts of this tier (0: `for` may be absent).
    pub min_for_ms: i64,
    /// Whether alerts of this tier must page (`Some(true)`), must not (`Some(false)`), or either.
    pub pages: Option<bool>,
    /// `max_detection`: the longest an alert of this tier may take to fire once its inputs
    /// are past the threshold (`behaviour/slow-detection`); `None`: any.
    pub max_detection_ms: Option<i64>,
    /// `spike_pages`: whether a spike of one scrape or two minutes may make an alert of this
    /// tier fire (`behaviour/spike-pages`); false by default.
    pub spike_pages: bool,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub severity_label: String,
    pub tiers: Vec<Tier>,
    /// Longest `for:` accepted: beyond it an alert fires too late to matter.
    pub max_for_ms: i64,
    pub owner_label: String,
    /// Allowed owning teams; empty means any non-empty value.
    pub teams: Vec<String>,
    pub runbook_annotation: String,
    pub dashboard_annotation: String,
    pub summary_annotation: String,
    pub description_annotation: String,
    /// How often targets are scraped (`scrape_interval`), for the windows of range functions
    /// (`promql/range`): Prometheus' default, 1m, unless set.
    pub scrape_interval_ms: i64,
    /// Per-job scrape intervals (`scrape_intervals: {node: 15s}`), for selectors that name
    /// their `job` with an equality matcher.
    pub job_scrape_intervals_ms: std::collections::BTreeMap<String, i64>,
    /// `page_budget`: the pages a team may get per week (`alertlint backtest`); 10 by default,
    /// the "fewer than ten actionable pages a week" rule.
    pub page_budget: u32,
}

/// A page budget as written: `10` or `10/week`.
pub fn parse_page_budget(text: &str) -> Option<u32> {
    let n = text.trim();
    let n = n.strip_suffix("/week").unwrap_or(n).trim();
    n.parse().ok()
}

impl Default for Policy {
    fn default() -> Self {
        let tier = |name: &str, min_for_ms, pages, max_detection_ms| Tier {
            name: name.to_string(),
            min_for_ms,
            pages,
            max_detection_ms,
            spike_pages: false,
        };
        Policy {
            severity_label: "severity".into(),
            tiers: vec![
                tier("critical", 60_000, Some(true), Some(600_000)),
                tier("warning", 60_000, None, Some(1_800_000)),
                tier("info", 0, Some(false), None),
            ],
            max_for_ms: 86_400_000,
            owner_label: "team".into(),
            teams: Vec::new(),
            runbook_annotation: "runbook_url".into(),
            dashboard_annotation: "dashboard_url".into(),
            summary_annotation: "summary".into(),
            description_annotation: "description".into(),
            scrape_interval_ms: 60_000,
            job_scrape_intervals_ms: std::collections::BTreeMap::new(),
            page_budget: 10,
        }
    }
}

impl Policy {
    pub fn tier(&self, name: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.name == name)
    }

    /// The scrape interval of the targets of `job` (when a selector names it), else the
    /// policy's.
    pub(crate) fn scrape_interval_ms(&self, job: Option<&str>) -> i64 {
        job.and_then(|j| self.job_scrape_intervals_ms.get(j))
            .copied()
            .unwrap_or(self.scrape_interval_ms)
    }
}

/// A rule as `overrides:` select it: its group's name and its labels (the group's, its own,
/// and an alert's name as `alertname`).
#[derive(Debug, Clone, Copy)]
pub struct RulePlace<'a> {
    pub group: &'a str,
    pub labels: &'a [(&'a str, &'a str)],
}

/// Check settings that apply to some files (by glob), some groups (by name glob) and/or some
/// rules (by label values); every selector given must match.
#[derive(Debug, Clone)]
pub struct Override {
    pub paths: Option<GlobSet>,
    /// `groups:`: globs of group names.
    pub groups: Option<GlobSet>,
    pub labels: Vec<(String, String)>,
    pub checks: CheckSettings,
    /// The whole policy where this override applies: the base policy with the override's
    /// `policy:` keys applied (`None` when it sets no policy).
    pub policy: Option<Policy>,
}

impl Override {
    /// Whether the override selects rules (by group or labels), not only files.
    pub(crate) fn selects_rules(&self) -> bool {
        self.groups.is_some() || !self.labels.is_empty()
    }

    /// Whether the override applies to a place by its group and labels: always without
    /// `groups:` and `labels:`; otherwise only in a rule of a matching group that has every
    /// one of the labels.
    fn matches_rule(&self, rule: Option<RulePlace>) -> bool {
        if !self.selects_rules() {
            return true;
        }
        rule.is_some_and(|r| {
            self.groups.as_ref().is_none_or(|g| g.is_match(r.group))
                && self
                    .labels
                    .iter()
                    .all(|(k, v)| r.labels.iter().any(|(lk, lv)| lk == k && lv == v))
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The config file, if one was found or given.
    pub file: Option<Arc<SourceFile>>,
    /// Where relative paths in the config (globs, runbook dirs) are resolved from.
    pub root: PathBuf,
    pub checks: CheckSettings,
    pub exclude: Vec<String>,
    pub policy: Policy,
    pub overrides: Vec<Override>,
    /// `runbooks:`: the runbook roots and what their runbooks must hold.
    pub runbooks: runbooks::RunbooksConfig,
    /// `alertmanager:`: where `alertmanager.yml` is and how its receivers are read.
    pub alertmanager: alertmanager::Settings,
    /// `promql: features:`: the experimental PromQL the rules' Prometheus enables (its
    /// `--enable-feature` names); by default none, as Prometheus.
    pub promql: promql::Options,
    /// `promql: known_metrics:`: globs of metric names recorded outside the checked files
    /// (`rule/dependency` does not ask for a recording rule of these).
    pub known_metrics: Option<GlobSet>,
    /// `promql: counter_suffixes:`: the endings of names that are certainly counters
    /// (`promql/counter`, `promql/rate`). By default `_total` and `_bucket`: `_count` and
    /// `_sum` also end gauges' names in the wild (`pg_stat_activity_count`).
    pub counter_suffixes: Option<Vec<String>>,
    /// `dialect:`: the ruler the rule files are written for (Prometheus by default).
    pub dialect: Dialect,
    /// `root` made absolute, once: [`Config::relative`] is asked per diagnostic and alert.
    absolute_root: std::sync::OnceLock<PathBuf>,
}

/// A config problem: reported with its position, and the run stops with exit code 2.
pub type ConfigError = Diagnostic;

impl Config {
    /// The endings of names that are certainly counters: the configured ones, else `_total`
    /// and `_bucket`.
    pub(crate) fn counter_suffixes(&self) -> Vec<String> {
        self.counter_suffixes
            .clone()
            .unwrap_or_else(|| vec!["_total".to_string(), "_bucket".to_string()])
    }

    /// Looks for `.alertlint.yaml` in `start` and its parents. The path found is relative to
    /// the working directory when it is under it, as messages show it.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let abs = std::path::absolute(start).ok()?;
        let cwd = std::env::current_dir().ok();
        let mut dir = if abs.is_dir() {
            Some(abs.as_path())
        } else {
            abs.parent()
        };
        while let Some(d) = dir {
            for name in CONFIG_NAMES {
                let candidate = d.join(name);
                if candidate.is_file() {
                    return Some(
                        match cwd.as_ref().and_then(|c| candidate.strip_prefix(c).ok()) {
                            Some(rel) => rel.to_path_buf(),
                            None => candidate,
                        },
                    );
                }
            }
            dir = d.parent();
        }
        None
    }

    pub fn load(path: &Path) -> Result<Config, Vec<ConfigError>> {
        let file = crate::load::read_source(path, "config", "config")?;
        // `.alertlint.yaml` has the parent "": the working directory.
        let root = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Self::parse(file, root)
    }

    pub fn parse(file: Arc<SourceFile>, root: PathBuf) -> Result<Config, Vec<ConfigError>> {
        let mut r = ConfigReader {
            sec: SectionReader::new(&file),
        };
        let (docs, problems) = yaml::parse(&file.text);
        for p in problems {
            r.sec.error(p.span, format!("invalid YAML: {}", p.message));
        }
        let mut config = Config {
            root,
            ..Config::default()
        };
        if let Some(doc) = docs.first().filter(|d| !d.root.is_null()) {
            r.read(&doc.root, &mut config);
        }
        // A second document would be ignored: most likely a `---` pasted by mistake, or two
        // configs run together.
        if let Some(second) = docs.iter().skip(1).find(|d| !d.root.is_null()) {
            r.sec.error(
                second.start,
                "a config file holds one YAML document; this is a second one (remove the `---` \
                 or merge the two)",
            );
        }
        config.file = Some(Arc::clone(&file));
        if r.sec.errors.is_empty() {
            Ok(config)
        } else {
            Err(r.sec.errors)
        }
    }

    /// Which checks report in the file at `path`, in the rule `rule` (`None`: outside any
    /// rule, where overrides by group or labels do not apply): later overrides win over
    /// earlier ones, and all over `checks:`.
    pub fn enabled(&self, path: &Path, rule: Option<RulePlace>) -> Enabled {
        self.enabled_where(&self.overrides_for(path), rule)
    }

    /// The overrides whose `paths:` take in the file at `path` (their `labels:` not looked at
    /// yet), in order: what [`Config::enabled_where`] is given for each place in that file.
    pub(crate) fn overrides_for(&self, path: &Path) -> Vec<&Override> {
        if self.overrides.is_empty() {
            return Vec::new();
        }
        let rel = self.relative(path);
        self.overrides
            .iter()
            .filter(|o| o.paths.as_ref().is_none_or(|g| g.is_match(&rel)))
            .collect()
    }

    /// [`Config::enabled`] with the overrides of the file worked out already
    /// ([`Config::overrides_for`]).
    pub(crate) fn enabled_where(
        &self,
        overrides: &[&Override],
        rule: Option<RulePlace>,
    ) -> Enabled {
        let mut settings = self.checks;
        for o in overrides.iter().filter(|o| o.matches_rule(rule)) {
            o.checks.apply_to(&mut settings);
        }
        let mut enabled = Enabled([None; CheckId::COUNT]);
        for &id in CheckId::ALL {
            let check = id.check();
            enabled.0[id as usize] = match settings.get(id) {
                Some(CheckSetting::Off) => None,
                Some(CheckSetting::On(sev)) => Some(sev.unwrap_or(check.default_severity)),
                None => check.default_enabled.then_some(check.default_severity),
            };
        }
        enabled
    }

    /// Whether a check may be on anywhere: on in `checks:` (or on by default and not set
    /// there), or on in some override. A check off everywhere need not run at all.
    pub fn may_enable(&self, id: CheckId) -> bool {
        let on = |s: Option<CheckSetting>| matches!(s, Some(CheckSetting::On(_)));
        match self.checks.get(id) {
            None if id.check().default_enabled => true,
            base => on(base) || self.overrides.iter().any(|o| on(o.checks.get(id))),
        }
    }

    /// Whether an override applies to a file (its path relative to the config) and, when the
    /// place is a rule, that rule.
    fn applies(o: &Override, rel: &Path, rule: Option<RulePlace>) -> bool {
        o.paths.as_ref().is_none_or(|g| g.is_match(rel)) && o.matches_rule(rule)
    }

    /// The on-call policy of a rule in the file at `path`: the `policy:` of the last
    /// override that applies to the file and the rule, else the base `policy`. Every
    /// check that reads a policy setting of an alert (its runbook annotation, severity or
    /// owner label) reads this one.
    pub fn policy_for(&self, path: &Path, group: &RuleGroup, rule: &Rule) -> &Policy {
        if !self.overrides.iter().any(|o| o.policy.is_some()) {
            return &self.policy;
        }
        let labels = rule.override_labels(group);
        let place = RulePlace {
            group: group.name.as_ref().map_or("", |n| n.value.as_str()),
            labels: &labels,
        };
        let rel = self.relative(path);
        self.overrides
            .iter()
            .rev()
            .filter(|o| Self::applies(o, &rel, Some(place)))
            .find_map(|o| o.policy.as_ref())
            .unwrap_or(&self.policy)
    }

    /// A path relative to the config's directory, for matching override globs.
    pub fn relative(&self, path: &Path) -> PathBuf {
        let abs = alertlint_diagnostics::source::absolute(path);
        let root = self.absolute_root.get_or_init(|| {
            // Without a config file the root is the working directory.
            let root = if self.root.as_os_str().is_empty() {
                Path::new(".")
            } else {
                &self.root
            };
            alertlint_diagnostics::source::absolute(root)
        });
        abs.strip_prefix(root)
            .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
    }
}

struct ConfigReader<'a> {
    sec: SectionReader<'a>,
}

impl ConfigReader<'_> {
    fn read(&mut self, root: &Node, config: &mut Config) {
        let mut overrides = None;
        for (key, value, _) in self.sec.entries(root, TOP_KEYS, "config") {
            match key {
                "checks" => config.checks = self.checks(value),
                "exclude" => config.exclude = self.excludes(value),
                "policy" => self.policy(value, &mut config.policy),
                // Read after the base policy, which override policies start from.
                "overrides" => overrides = Some(value),
                "runbooks" => config.runbooks = runbooks::read(&mut self.sec, value),
                "promql" => self.promql(value, config),
                "dialect" => {
                    if let Some(name) = self.sec.string(value, "dialect") {
                        if let Some(d) = Dialect::parse(&name) {
                            config.dialect = d;
                        } else {
                            let names: Vec<&str> = Dialect::ALL.iter().map(|d| d.name()).collect();
                            self.sec.error(
                                value.span,
                                format!(
                                    "unknown dialect `{name}`; expected one of: {}",
                                    names.join(", ")
                                ),
                            );
                        }
                    }
                }
                _ => {
                    config.alertmanager =
                        alertmanager::read_settings(&mut self.sec, value, &config.root);
                }
            }
        }
        if let Some(value) = overrides {
            for item in value.as_seq().unwrap_or(&[]) {
                if let Some(o) = self.override_(item, &config.policy) {
                    config.overrides.push(o);
                }
            }
            if value.as_seq().is_none() {
                self.sec.error(value.span, "`overrides` must be a list");
            }
        }
    }

    /// `promql:`: `features`, the names of Prometheus' `--enable-feature` flags for
    /// experimental PromQL; `known_metrics`, globs of metric names recorded elsewhere;
    /// `counter_suffixes`, the endings of counters' names; each checked where it is written.
    fn promql(&mut self, node: &Node, config: &mut Config) {
        const KEYS: &[&str] = &["features", "known_metrics", "counter_suffixes"];
        let mut opts = promql::Options::default();
        let mut known = None;
        for (key, value, _) in self.sec.entries(node, KEYS, "promql") {
            if key == "counter_suffixes" {
                config.counter_suffixes = Some(self.sec.strings(value, "promql.counter_suffixes"));
                continue;
            }
            if key == "known_metrics" {
                // Metric names have no path separator: `*` matches any run of characters.
                known = self.globs(value, "promql.known_metrics", false);
                continue;
            }
            for name in self.sec.strs(value, "promql.features") {
                if !opts.enable(&name.value) {
                    let hint = crate::suggest::closest(&name.value, &promql::syntax::FEATURES)
                        .map_or_else(
                            || format!("expected one of: {}", promql::syntax::FEATURES.join(", ")),
                            |s| format!("did you mean `{s}`?"),
                        );
                    self.sec.error(
                        name.span,
                        format!("unknown PromQL feature `{}`; {hint}", name.value),
                    );
                }
            }
        }
        config.promql = opts;
        config.known_metrics = known;
    }

    /// `exclude:` globs, each checked where it is written (rather than as an invalid
    /// `--exclude` once the files are searched).
    fn excludes(&mut self, node: &Node) -> Vec<String> {
        let globs = self.sec.strs(node, "exclude");
        for g in &globs {
            if let Some(e) = crate::load::exclude_glob_error(&g.value) {
                self.sec.error(
                    g.span,
                    format!("invalid glob `{}` in `exclude`: {e}", g.value),
                );
            }
        }
        globs.into_iter().map(|g| g.value).collect()
    }

    /// A `checks:` map, each key resolved to the checks it names (an id, or a family such
    /// as `alert/*`); an unknown one is reported at the key.
    fn checks(&mut self, node: &Node) -> CheckSettings {
        let mut families = CheckSettings::default();
        let mut ids = CheckSettings::default();
        for (pattern, value, key_span) in self.sec.entries(node, &[], "checks") {
            let Some(set) = CheckSet::parse(pattern) else {
                let what = if pattern.ends_with("/*") {
                    "check family"
                } else {
                    "check"
                };
                let hint = crate::check_id::unknown_pattern_hint(pattern);
                self.sec
                    .error(key_span, format!("unknown {what} `{pattern}`{hint}"));
                continue;
            };
            let found = match value.as_scalar().filter(|_| !value.is_null()) {
                Some(s) => format!("`{}`", s.text),
                None => value.kind_name().to_string(),
            };
            let setting = match value.as_str().filter(|_| !value.is_null()) {
                Some("off" | "false") => CheckSetting::Off,
                Some("on" | "true") => CheckSetting::On(None),
                s => {
                    if let Some(sev) = s.and_then(Severity::parse) {
                        CheckSetting::On(Some(sev))
                    } else {
                        self.sec.error(
                        value.span,
                        format!(
                            "`{pattern}`: expected one of error, warning, info, on, off; found {found}"
                        ),
                    );
                        continue;
                    }
                }
            };
            let into = if pattern.ends_with("/*") {
                &mut families
            } else {
                &mut ids
            };
            for id in set.iter() {
                into.set(id, setting);
            }
        }
        ids.apply_to(&mut families);
        families
    }

    fn policy(&mut self, node: &Node, policy: &mut Policy) {
        const KEYS: &[&str] = &[
            "severity_label",
            "tiers",
            "max_for",
            "owner_label",
            "teams",
            "runbook_annotation",
            "dashboard_annotation",
            "summary_annotation",
            "description_annotation",
            "scrape_interval",
            "scrape_intervals",
            "page_budget",
        ];
        for (key, value, _) in self.sec.entries(node, KEYS, "policy") {
            let text_field = match key {
                "severity_label" => Some(&mut policy.severity_label),
                "owner_label" => Some(&mut policy.owner_label),
                "runbook_annotation" => Some(&mut policy.runbook_annotation),
                "dashboard_annotation" => Some(&mut policy.dashboard_annotation),
                "summary_annotation" => Some(&mut policy.summary_annotation),
                "description_annotation" => Some(&mut policy.description_annotation),
                _ => None,
            };
            if let Some(field) = text_field {
                if let Some(s) = self.sec.string(value, key) {
                    *field = s;
                }
                continue;
            }
            match key {
                "teams" => policy.teams = self.sec.strings(value, "teams"),
                "max_for" => {
                    if let Some(ms) = self.sec.duration(value, "max_for") {
                        policy.max_for_ms = ms;
                    }
                }
                "tiers" => policy.tiers = self.tiers(value),
                "scrape_interval" => {
                    if let Some(ms) = self.positive_duration(value, "scrape_interval") {
                        policy.scrape_interval_ms = ms;
                    }
                }
                "page_budget" => match value.as_str().and_then(parse_page_budget) {
                    Some(n) => policy.page_budget = n,
                    None => self.sec.error(
                        value.span,
                        "`page_budget` is pages a week per team: a whole number, as `10` or \
                         `10/week`",
                    ),
                },
                "scrape_intervals" => {
                    policy.job_scrape_intervals_ms.clear();
                    for (job, v, _) in self.sec.entries(value, &[], "scrape_intervals") {
                        if let Some(ms) = self.positive_duration(v, "scrape_intervals") {
                            policy.job_scrape_intervals_ms.insert(job.to_string(), ms);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// A duration that must be above zero (a scrape interval).
    fn positive_duration(&mut self, node: &Node, what: &str) -> Option<i64> {
        let ms = self.sec.duration(node, what)?;
        if ms <= 0 {
            self.sec
                .error(node.span, format!("`{what}` must be longer than 0s"));
            return None;
        }
        Some(ms)
    }

    fn tiers(&mut self, node: &Node) -> Vec<Tier> {
        let mut tiers = Vec::new();
        for (name, value, _) in self.sec.entries(node, &[], "tiers") {
            let mut tier = Tier {
                name: name.to_string(),
                min_for_ms: 0,
                pages: None,
                max_detection_ms: None,
                spike_pages: false,
            };
            for (key, v, _) in self.sec.entries(
                value,
                &["min_for", "pages", "max_detection", "spike_pages"],
                "tier",
            ) {
                match key {
                    "min_for" => tier.min_for_ms = self.sec.duration(v, "min_for").unwrap_or(0),
                    "max_detection" => {
                        tier.max_detection_ms = self.positive_duration(v, "max_detection");
                    }
                    key => match v.as_str() {
                        Some("true") if key == "pages" => tier.pages = Some(true),
                        Some("false") if key == "pages" => tier.pages = Some(false),
                        Some("true") => tier.spike_pages = true,
                        Some("false") => tier.spike_pages = false,
                        _ => self
                            .sec
                            .error(v.span, format!("`{key}` must be true or false")),
                    },
                }
            }
            tiers.push(tier);
        }
        if tiers.is_empty() {
            self.sec
                .error(node.span, "`tiers` must name at least one severity tier");
        }
        tiers
    }

    /// A list of globs read into a set; each invalid one is an error at its position. With
    /// `paths`, `*` stops at `/` (file paths); otherwise it matches any characters.
    fn globs(&mut self, value: &Node, what: &str, paths: bool) -> Option<GlobSet> {
        let mut set = GlobSetBuilder::new();
        for g in self.sec.strs(value, what) {
            match GlobBuilder::new(&g.value).literal_separator(paths).build() {
                Ok(glob) => {
                    set.add(glob);
                }
                Err(e) => self
                    .sec
                    .error(g.span, format!("invalid glob `{}`: {}", g.value, e.kind())),
            }
        }
        set.build().ok()
    }

    fn override_(&mut self, node: &Node, base: &Policy) -> Option<Override> {
        let errors_before = self.sec.errors.len();
        let mut o = Override {
            paths: None,
            groups: None,
            labels: Vec::new(),
            checks: CheckSettings::default(),
            policy: None,
        };
        for (key, value, _) in self.sec.entries(
            node,
            &["paths", "groups", "labels", "checks", "policy"],
            "override",
        ) {
            match key {
                "paths" => o.paths = self.globs(value, "paths", true),
                // Group names hold no paths: `*` matches any characters, `/` included.
                "groups" => o.groups = self.globs(value, "groups", false),
                "labels" => {
                    for (k, v, _) in self.sec.entries(value, &[], "labels") {
                        if let Some(v) = self.sec.string(v, k) {
                            o.labels.push((k.to_string(), v));
                        }
                    }
                }
                "policy" => {
                    let mut policy = base.clone();
                    self.policy(value, &mut policy);
                    o.policy = Some(policy);
                }
                _ => o.checks = self.checks(value),
            }
        }
        // Said only of an override with nothing wrong inside: one whose `checks:` only named
        // unknown checks has had those reported.
        if o.checks.is_empty() && o.policy.is_none() && self.sec.errors.len() == errors_before {
            self.sec.error(
                node.span,
                "an override needs `checks:` or `policy:` to change",
            );
            return None;
        }
        Some(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Config {
        let file = SourceFile::new(".alertlint.yaml", text.to_string());
        Config::parse(file, PathBuf::from(".")).expect("valid config")
    }

    #[test]
    fn a_check_off_everywhere_need_not_run() {
        let config = parse(
            "checks:\n  alert/*: off\noverrides:\n  - paths: [team-a/**]\n    checks:\n      alert/owner: warning\n",
        );
        assert!(config.may_enable(CheckId::AlertOwner), "on in an override");
        assert!(!config.may_enable(CheckId::AlertSeverity), "off by family");
        assert!(config.may_enable(CheckId::RuleExpr), "on by default");
        assert!(
            !config.may_enable(CheckId::AlertDashboard),
            "off by default"
        );
        assert!(!Config::default().may_enable(CheckId::AlertDashboard));
    }

    /// An id wins over its family in one map, written before or after it; later overrides
    /// win over earlier ones; an override by labels applies in the rules that have them only.
    #[test]
    fn settings_resolve_once_per_place() {
        let config = parse(
            "checks:\n  alert/owner: info\n  alert/*: warning\n  rule/*: off\n  rule/expr: on\n\
             overrides:\n  - paths: [legacy/**]\n    checks: {alert/*: off}\n\
             \x20 - paths: [legacy/**]\n    checks: {alert/for: error}\n\
             \x20 - labels: {team: a}\n    checks: {alert/owner: off}\n",
        );
        let here = config.enabled(Path::new("rules/x.yaml"), None);
        assert_eq!(here.severity(CheckId::AlertOwner), Some(Severity::Info));
        assert_eq!(here.severity(CheckId::AlertFor), Some(Severity::Warning));
        assert_eq!(
            here.severity(CheckId::AlertDashboard),
            Some(Severity::Warning)
        );
        assert_eq!(here.severity(CheckId::RuleName), None);
        assert_eq!(here.severity(CheckId::RuleExpr), Some(Severity::Error));
        assert_eq!(here.severity(CheckId::YamlSyntax), Some(Severity::Error));
        let legacy = config.enabled(Path::new("legacy/x.yaml"), None);
        assert_eq!(legacy.severity(CheckId::AlertOwner), None);
        assert_eq!(legacy.severity(CheckId::AlertFor), Some(Severity::Error));
        let team_a = config.enabled(
            Path::new("rules/x.yaml"),
            Some(RulePlace {
                group: "g",
                labels: &[("team", "a")],
            }),
        );
        assert_eq!(team_a.severity(CheckId::AlertOwner), None);
        assert_eq!(team_a.severity(CheckId::AlertFor), Some(Severity::Warning));
    }

    /// `paths`, `groups` and `labels` of one override must all match.
    #[test]
    fn overrides_select_by_group_name_file_and_labels_together() {
        let config = parse(
            "overrides:\n  - groups: [\"kube-*\"]\n    checks: {alert/owner: off}\n\
             \x20 - paths: [legacy/**]\n    groups: [batch]\n    labels: {severity: critical}\n\
             \x20   checks: {alert/dashboard: error}\n",
        );
        let place = |group, labels| Some(RulePlace { group, labels });
        let owner = |path: &str, group| {
            config
                .enabled(Path::new(path), place(group, &[]))
                .severity(CheckId::AlertOwner)
        };
        assert_eq!(owner("rules/x.yaml", "kube-apiserver"), None);
        assert_eq!(owner("rules/x.yaml", "node"), Some(Severity::Error));
        // Outside a rule, an override by group does not apply.
        assert_eq!(
            config
                .enabled(Path::new("rules/x.yaml"), None)
                .severity(CheckId::AlertOwner),
            Some(Severity::Error)
        );
        let dashboard = |path: &str, group, labels| {
            config
                .enabled(Path::new(path), place(group, labels))
                .severity(CheckId::AlertDashboard)
        };
        let critical: &[(&str, &str)] = &[("severity", "critical")];
        assert_eq!(
            dashboard("legacy/x.yaml", "batch", critical),
            Some(Severity::Error)
        );
        assert_eq!(dashboard("rules/x.yaml", "batch", critical), None);
        assert_eq!(dashboard("legacy/x.yaml", "web", critical), None);
        assert_eq!(dashboard("legacy/x.yaml", "batch", &[]), None);
    }

    #[test]
    fn unknown_checks_and_families_are_reported_at_their_keys() {
        let text =
            "checks:\n  alret/*: off\n  nothing/*: off\n  alert/ownr: off\n  alert/for: [x]\n";
        let file = SourceFile::new(".alertlint.yaml", text.to_string());
        let errors = Config::parse(file, PathBuf::from(".")).expect_err("errors");
        let messages: Vec<(usize, &str)> = errors
            .iter()
            .map(|d| (d.start().line, d.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                (2, "unknown check family `alret/*`; did you mean `alert/*`?"),
                (
                    3,
                    "unknown check family `nothing/*` (see `alertlint checks`)"
                ),
                (4, "unknown check `alert/ownr`; did you mean `alert/owner`?"),
                (
                    5,
                    "`alert/for`: expected one of error, warning, info, on, off; found a list"
                ),
            ]
        );
    }
}
