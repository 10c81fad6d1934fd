//! The `runbooks:` section of `.alertlint.yaml`: roots, presets, and what a runbook must hold.
//!
//! Either a list of roots:
//! ```yaml
//! runbooks:
//!   - dir: runbooks/
//!     url_prefix: https://runbooks.example.com/fraud/
//!     preset: incident            # or prometheus-operator
//! ```
//! or a mapping with defaults for every root:
//! ```yaml
//! runbooks:
//!   preset: prometheus-operator
//!   max_age: 90d                  # `off` to never report stale runbooks
//!   roots:
//!     - dir: runbooks/
//! ```
//! Each root (and the mapping) may also set `sections`, `fields`, `diagnosis` (names of the
//! section whose items are the diagnostic steps) and `steps` (whether at least one step is
//! required), replacing the preset's lists.

use crate::config_reader::SectionReader;
use crate::suggest::closest;
use alertlint_diagnostics::source::Span;
use alertlint_yaml::Node;

pub const PRESETS: &[&str] = &["incident", "prometheus-operator"];

/// What a runbook under one root must contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub preset: String,
    /// Required sections (headings), as written in messages.
    pub sections: Vec<String>,
    /// Required header fields (`**Alert:** …` lines before the first section).
    pub fields: Vec<String>,
    /// Headings of the section holding the diagnostic steps (the first one found is used).
    pub diagnosis: Vec<String>,
    /// Whether at least one diagnostic step is required.
    pub require_steps: bool,
    /// `runbook/stale` reports runbooks last updated longer ago; `None`: never.
    pub max_age_days: Option<i64>,
}

impl Settings {
    pub fn preset(name: &str) -> Option<Settings> {
        let s = |v: &[&str]| {
            v.iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>()
        };
        match name {
            "incident" => Some(Settings {
                preset: name.to_string(),
                sections: s(&["Context", "Resolution", "Escalation", "Post-incident"]),
                fields: s(&["Alert", "Severity", "Owner", "Last updated"]),
                diagnosis: s(&[
                    "Diagnostic steps",
                    "Diagnosis",
                    "Steps",
                    "Investigation",
                    "Triage",
                ]),
                require_steps: true,
                max_age_days: Some(180),
            }),
            "prometheus-operator" => Some(Settings {
                preset: name.to_string(),
                sections: s(&["Meaning", "Impact", "Diagnosis", "Mitigation"]),
                fields: Vec::new(),
                diagnosis: s(&["Diagnosis"]),
                require_steps: false,
                max_age_days: Some(180),
            }),
            _ => None,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings::preset("incident").unwrap_or_else(|| Settings {
            preset: String::new(),
            sections: Vec::new(),
            fields: Vec::new(),
            diagnosis: Vec::new(),
            require_steps: false,
            max_age_days: None,
        })
    }
}

/// The `runbooks:` section as read with the rest of the config: the roots (not looked for
/// on disk yet) and the settings of roots given with `--runbooks`.
#[derive(Debug, Clone, Default)]
pub struct RunbooksConfig {
    pub roots: Vec<RootConfig>,
    /// The preset and settings of the mapping form, else the default preset's.
    pub defaults: Settings,
}

/// One configured root, before its directory is read.
#[derive(Debug, Clone)]
pub struct RootConfig {
    pub dir: String,
    pub url_prefix: Option<String>,
    pub settings: Settings,
    /// Where `dir` is written in the config, for errors about it.
    pub span: Option<Span>,
}

/// Which keys of a root or of the top mapping set what.
#[derive(Default, Clone)]
struct Overrides {
    preset: Option<Settings>,
    sections: Option<Vec<String>>,
    fields: Option<Vec<String>>,
    diagnosis: Option<Vec<String>>,
    steps: Option<bool>,
    max_age: Option<Option<i64>>,
}

impl Overrides {
    fn apply(&self, base: &Settings) -> Settings {
        let mut s = self.preset.clone().unwrap_or_else(|| base.clone());
        if self.preset.is_some() {
            // A root's preset replaces the lists but keeps the age limit set above it.
            s.max_age_days = base.max_age_days;
        }
        if let Some(v) = &self.sections {
            s.sections.clone_from(v);
        }
        if let Some(v) = &self.fields {
            s.fields.clone_from(v);
        }
        if let Some(v) = &self.diagnosis {
            s.diagnosis.clone_from(v);
        }
        if let Some(v) = self.steps {
            s.require_steps = v;
        }
        if let Some(v) = self.max_age {
            s.max_age_days = v;
        }
        s
    }
}

const SETTING_KEYS: &[&str] = &[
    "preset",
    "sections",
    "fields",
    "diagnosis",
    "steps",
    "max_age",
];

/// Reads the `runbooks:` section of `.alertlint.yaml`, reporting mistakes to `sec`.
pub(crate) fn read(sec: &mut SectionReader, node: &Node) -> RunbooksConfig {
    let (roots, defaults) = Reader { sec }.read(node);
    RunbooksConfig { roots, defaults }
}

struct Reader<'r, 'a> {
    sec: &'r mut SectionReader<'a>,
}

impl Reader<'_, '_> {
    fn strings(&mut self, node: &Node, what: &str) -> Option<Vec<String>> {
        let Some(items) = node.as_seq() else {
            self.sec.error(
                node.span,
                format!("`{what}` must be a list, found {}", node.kind_name()),
            );
            return None;
        };
        Some(
            items
                .iter()
                .filter_map(|i| self.sec.string(i, what))
                .collect(),
        )
    }

    /// Reads one setting key; `false` if `key` is not a setting.
    fn setting(&mut self, key: &str, value: &Node, o: &mut Overrides) -> bool {
        match key {
            "preset" => {
                if let Some(name) = self.sec.string(value, "preset") {
                    if let Some(p) = Settings::preset(&name) {
                        o.preset = Some(p);
                    } else {
                        let hint = closest(&name, PRESETS)
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_default();
                        self.sec.error(
                            value.span,
                            format!(
                                "unknown runbook preset `{name}` (expected one of: {}){hint}",
                                PRESETS.join(", ")
                            ),
                        );
                    }
                }
            }
            "sections" => o.sections = self.strings(value, "sections"),
            "fields" => o.fields = self.strings(value, "fields"),
            "diagnosis" => o.diagnosis = self.strings(value, "diagnosis"),
            "steps" => match value.as_str() {
                Some("true") => o.steps = Some(true),
                Some("false") => o.steps = Some(false),
                _ => self.sec.error(value.span, "`steps` must be true or false"),
            },
            "max_age" => match value.as_str() {
                Some("off" | "false") => o.max_age = Some(None),
                _ => match self.sec.duration(value, "max_age") {
                    Some(ms) if ms >= 86_400_000 => o.max_age = Some(Some(ms / 86_400_000)),
                    Some(_) => self.sec.error(
                        value.span,
                        "`max_age` must be at least a day (`1d`), or `off`",
                    ),
                    None => {}
                },
            },
            _ => return false,
        }
        true
    }

    fn root(&mut self, node: &Node, base: &Settings) -> Option<RootConfig> {
        if node.as_map().is_none() {
            self.sec.error(
                node.span,
                format!(
                    "a runbook root must be a mapping such as `{{dir: runbooks/, url_prefix: https://…/}}`, found {}",
                    node.kind_name()
                ),
            );
            return None;
        }
        let mut dir = None;
        let mut url_prefix = None;
        let mut o = Overrides::default();
        let mut dir_misspelt = false;
        for (k, value, key_span) in self.sec.entries(node, &[], "runbook root") {
            match k {
                "dir" => dir = self.sec.string(value, "dir").map(|d| (d, value.span)),
                "url_prefix" => {
                    if let Some(p) = self.sec.string(value, "url_prefix") {
                        if p.contains("://") {
                            url_prefix = Some(p);
                        } else {
                            self.sec.error(
                                value.span,
                                "`url_prefix` must be an absolute URL such as `https://wiki.example.com/runbooks/`",
                            );
                        }
                    }
                }
                _ => {
                    if !self.setting(k, value, &mut o) {
                        let known = [&["dir", "url_prefix"], SETTING_KEYS].concat();
                        self.sec.unknown_key(key_span, k, &known, "runbook root");
                        dir_misspelt |= closest(k, &known) == Some("dir");
                    }
                }
            }
        }
        let Some((dir, span)) = dir else {
            // A misspelt `dir:` was reported as such: that it is missing says it again.
            if !dir_misspelt {
                self.sec.error(node.span, "a runbook root needs `dir:`");
            }
            return None;
        };
        Some(RootConfig {
            dir,
            url_prefix,
            settings: o.apply(base),
            span: Some(span),
        })
    }

    /// Reads the whole `runbooks:` node.
    fn read(&mut self, node: &Node) -> (Vec<RootConfig>, Settings) {
        let mut base = Settings::default();
        let mut roots = Vec::new();
        if let Some(items) = node.as_seq() {
            for item in items {
                roots.extend(self.root(item, &base));
            }
        } else if node.as_map().is_some() {
            let mut o = Overrides::default();
            let mut root_nodes = None;
            for (k, value, key_span) in self.sec.entries(node, &[], "runbooks") {
                if k == "roots" {
                    root_nodes = Some(value);
                } else if !self.setting(k, value, &mut o) {
                    let known = [&["roots"], SETTING_KEYS].concat();
                    self.sec.unknown_key(key_span, k, &known, "runbooks");
                }
            }
            base = o.apply(&base);
            match root_nodes.map(|n| (n, n.as_seq())) {
                Some((_, Some(items))) => {
                    for item in items {
                        roots.extend(self.root(item, &base));
                    }
                }
                Some((n, None)) => self.sec.error(
                    n.span,
                    format!("`roots` must be a list, found {}", n.kind_name()),
                ),
                None => {}
            }
        } else if !node.is_null() {
            self.sec.error(
                node.span,
                format!(
                    "`runbooks` must be a list of roots such as `[{{dir: runbooks/, url_prefix: https://…/}}]`, found {}",
                    node.kind_name()
                ),
            );
        }
        (roots, base)
    }
}
