//! `.alertlint.yaml`: which checks run and how loud, the on-call policy, per-path and
//! per-label overrides. Read with the same span-preserving reader as rule files, so a mistake
//! in the config is reported at its line and column.

use crate::config_reader::SectionReader;
use crate::model::{Rule, RuleGroup};
use alertlint_diagnostics::diagnostic::{Diagnostic, Severity};
use alertlint_diagnostics::source::SourceFile;
use alertlint_yaml::{self as yaml, Node};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const CONFIG_NAMES: &[&str] = &[".alertlint.yaml", ".alertlint.yml"];

/// Top-level keys. Every section is read into its type when the config is loaded, so a
/// mistake anywhere in the file is a config error (exit 2) before anything is checked.
const TOP_KEYS: &[&str] = &[
    "checks",
    "exclude",
    "policy",
    "overrides",
    "runbooks",
    "alertmanager",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckSetting {
    Off,
    /// On, at the check's default severity or the one given.
    On(Option<Severity>),
}

/// One severity tier (`critical`, `warning`, …) of the on-call policy.
#[derive(Debug, Clone)]
pub struct Tier {
    pub name: String,
    /// Shortest `for:` accepted for alerts of this tier (0: `for` may be absent).
    pub min_for_ms: i64,
    /// Whether alerts of this tier must page (`Some(true)`), must not (`Some(false)`), or either.
    pub pages: Option<bool>,
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
}

impl Default for Policy {
    fn default() -> Self {
        let tier = |name: &str, min_for_ms, pages| Tier {
            name: name.to_string(),
            min_for_ms,
            pages,
        };
        Policy {
            severity_label: "severity".into(),
            tiers: vec![
                tier("critical", 60_000, Some(true)),
                tier("warning", 60_000, None),
                tier("info", 0, Some(false)),
            ],
            max_for_ms: 86_400_000,
            owner_label: "team".into(),
            teams: Vec::new(),
            runbook_annotation: "runbook_url".into(),
            dashboard_annotation: "dashboard_url".into(),
            summary_annotation: "summary".into(),
            description_annotation: "description".into(),
        }
    }
}

impl Policy {
    pub fn tier(&self, name: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.name == name)
    }
}

/// Check settings that apply to some files (by glob) and/or some rules (by label values).
#[derive(Debug, Clone)]
pub struct Override {
    pub paths: Option<GlobSet>,
    pub labels: Vec<(String, String)>,
    pub checks: BTreeMap<String, CheckSetting>,
    /// The whole policy where this override applies: the base policy with the override's
    /// `policy:` keys applied (`None` when it sets no policy).
    pub policy: Option<Policy>,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The config file, if one was found or given.
    pub file: Option<Arc<SourceFile>>,
    /// Where relative paths in the config (globs, runbook dirs) are resolved from.
    pub root: PathBuf,
    pub checks: BTreeMap<String, CheckSetting>,
    pub exclude: Vec<String>,
    pub policy: Policy,
    pub overrides: Vec<Override>,
    /// `runbooks:`: the runbook roots and what their runbooks must hold.
    pub runbooks: crate::runbook::settings::RunbooksConfig,
    /// `alertmanager:`: where `alertmanager.yml` is and how its receivers are read.
    pub alertmanager: crate::alertmanager::Settings,
    /// `root` made absolute, once: [`Config::relative`] is asked per diagnostic and alert.
    absolute_root: std::sync::OnceLock<PathBuf>,
}

/// A config problem: reported with its position, and the run stops with exit code 2.
pub type ConfigError = Diagnostic;

impl Config {
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

    pub fn load(path: &Path, is_check: impl Fn(&str) -> bool) -> Result<Config, Vec<ConfigError>> {
        let file = crate::load::read_source(path, "config", "config")?;
        // `.alertlint.yaml` has the parent "": the working directory.
        let root = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Self::parse(file, root, is_check)
    }

    pub fn parse(
        file: Arc<SourceFile>,
        root: PathBuf,
        is_check: impl Fn(&str) -> bool,
    ) -> Result<Config, Vec<ConfigError>> {
        let mut r = ConfigReader {
            sec: SectionReader::new(&file),
            is_check: &is_check,
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

    /// The setting for a check on a file, and (if the diagnostic is about a rule) that
    /// rule's labels: later overrides win over earlier ones, and all over `checks:`.
    pub fn setting(
        &self,
        check: &str,
        path: &Path,
        labels: Option<&[(&str, &str)]>,
    ) -> Option<CheckSetting> {
        let mut setting = setting_in(&self.checks, check);
        if self.overrides.is_empty() {
            return setting;
        }
        let rel = self.relative(path);
        for o in self
            .overrides
            .iter()
            .filter(|o| Self::applies(o, &rel, labels))
        {
            if let Some(s) = setting_in(&o.checks, check) {
                setting = Some(s);
            }
        }
        setting
    }

    /// Whether `check` may be on anywhere: on in `checks:` (or on by default and not set
    /// there), or on in some override. A check off everywhere need not run at all.
    pub fn may_enable(&self, check: &str, on_by_default: bool) -> bool {
        let on = |s: Option<CheckSetting>| matches!(s, Some(CheckSetting::On(_)));
        match setting_in(&self.checks, check) {
            None if on_by_default => true,
            base => {
                on(base)
                    || self
                        .overrides
                        .iter()
                        .any(|o| on(setting_in(&o.checks, check)))
            }
        }
    }

    /// Whether an override applies to a file (its path relative to the config) and, when the
    /// place is a rule, that rule's labels.
    fn applies(o: &Override, rel: &Path, labels: Option<&[(&str, &str)]>) -> bool {
        let path_ok = o.paths.as_ref().is_none_or(|g| g.is_match(rel));
        let labels_ok = o.labels.is_empty()
            || labels.is_some_and(|ls| {
                o.labels
                    .iter()
                    .all(|(k, v)| ls.iter().any(|(lk, lv)| lk == k && lv == v))
            });
        path_ok && labels_ok
    }

    /// The on-call policy of a rule in the file at `path`: the `policy:` of the last
    /// override that applies to the file or the rule's labels, else the base `policy`. Every
    /// check that reads a policy setting of an alert (its runbook annotation, severity or
    /// owner label) reads this one.
    pub fn policy_for(&self, path: &Path, group: &RuleGroup, rule: &Rule) -> &Policy {
        if !self.overrides.iter().any(|o| o.policy.is_some()) {
            return &self.policy;
        }
        let labels: Vec<(&str, &str)> = rule.labels_with(group).collect();
        let rel = self.relative(path);
        self.overrides
            .iter()
            .rev()
            .filter(|o| Self::applies(o, &rel, Some(&labels)))
            .find_map(|o| o.policy.as_ref())
            .unwrap_or(&self.policy)
    }

    /// A path relative to the config's directory, for matching override globs.
    pub fn relative(&self, path: &Path) -> PathBuf {
        let abs = alertlint_diagnostics::source::absolute(path);
        let root = self
            .absolute_root
            .get_or_init(|| alertlint_diagnostics::source::absolute(&self.root));
        abs.strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

/// A check's setting in a `checks:` map: its exact id wins over its family (`alert/*`).
/// Asked for every diagnostic: the family is found among the few keys of the map rather
/// than by formatting its key each time.
fn setting_in(m: &BTreeMap<String, CheckSetting>, check: &str) -> Option<CheckSetting> {
    m.get(check)
        .or_else(|| {
            m.iter()
                .find(|(k, _)| k.ends_with("/*") && crate::checks::covers(k, check))
                .map(|(_, s)| s)
        })
        .copied()
}

struct ConfigReader<'a> {
    sec: SectionReader<'a>,
    is_check: &'a dyn Fn(&str) -> bool,
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
                "runbooks" => {
                    config.runbooks = crate::runbook::settings::read(&mut self.sec, value)
                }
                _ => {
                    config.alertmanager =
                        crate::alertmanager::read_settings(&mut self.sec, value, &config.root)
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

    fn checks(&mut self, node: &Node) -> BTreeMap<String, CheckSetting> {
        let mut out = BTreeMap::new();
        for (id, value, key_span) in self.sec.entries(node, &[], "checks") {
            if !(self.is_check)(id) && !id.ends_with("/*") {
                let ids: Vec<&str> = crate::checks::CHECKS.iter().map(|c| c.id).collect();
                let hint = crate::load::closest(id, &ids)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_else(|| " (see `alertlint checks`)".to_string());
                self.sec
                    .error(key_span, format!("unknown check `{id}`{hint}"));
                continue;
            }
            let setting = match value.as_str().unwrap_or("") {
                "off" | "false" => CheckSetting::Off,
                "on" | "true" => CheckSetting::On(None),
                s => {
                    match Severity::parse(s) {
                        Some(sev) => CheckSetting::On(Some(sev)),
                        None => {
                            self.sec.error(
                            value.span,
                            format!("`{id}`: expected one of error, warning, info, on, off; found `{s}`"),
                        );
                            continue;
                        }
                    }
                }
            };
            out.insert(id.to_string(), setting);
        }
        out
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
                _ => {}
            }
        }
    }

    fn tiers(&mut self, node: &Node) -> Vec<Tier> {
        let mut tiers = Vec::new();
        for (name, value, _) in self.sec.entries(node, &[], "tiers") {
            let mut tier = Tier {
                name: name.to_string(),
                min_for_ms: 0,
                pages: None,
            };
            for (key, v, _) in self.sec.entries(value, &["min_for", "pages"], "tier") {
                match key {
                    "min_for" => tier.min_for_ms = self.sec.duration(v, "min_for").unwrap_or(0),
                    _ => match v.as_str() {
                        Some("true") => tier.pages = Some(true),
                        Some("false") => tier.pages = Some(false),
                        _ => self.sec.error(v.span, "`pages` must be true or false"),
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

    fn override_(&mut self, node: &Node, base: &Policy) -> Option<Override> {
        let errors_before = self.sec.errors.len();
        let mut o = Override {
            paths: None,
            labels: Vec::new(),
            checks: BTreeMap::new(),
            policy: None,
        };
        for (key, value, _) in
            self.sec
                .entries(node, &["paths", "labels", "checks", "policy"], "override")
        {
            match key {
                "paths" => {
                    let mut set = GlobSetBuilder::new();
                    for g in self.sec.strs(value, "paths") {
                        match GlobBuilder::new(&g.value).literal_separator(true).build() {
                            Ok(glob) => {
                                set.add(glob);
                            }
                            Err(e) => self
                                .sec
                                .error(g.span, format!("invalid glob `{}`: {}", g.value, e.kind())),
                        }
                    }
                    o.paths = set.build().ok();
                }
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

    #[test]
    fn a_check_off_everywhere_need_not_run() {
        let text = "checks:\n  alert/*: off\noverrides:\n  - paths: [team-a/**]\n    checks:\n      alert/owner: warning\n";
        let file = SourceFile::new(".alertlint.yaml", text.to_string());
        let config = Config::parse(file, PathBuf::from("."), crate::checks::is_check_id)
            .expect("valid config");
        assert!(config.may_enable("alert/owner", true), "on in an override");
        assert!(!config.may_enable("alert/severity", true), "off by family");
        assert!(config.may_enable("rule/expr", true), "on by default");
        assert!(
            !config.may_enable("alert/dashboard", false),
            "off by default"
        );
        assert!(!Config::default().may_enable("alert/dashboard", false));
    }
}
