//! The `alertmanager:` section of `.alertlint.yaml`: where the Alertmanager config is and how
//! its receivers map to teams and pagers.

use crate::config_reader::SectionReader;
use alertlint_diagnostics::source::Span;
use alertlint_yaml::Node;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The integrations Alertmanager knows, as `<kind>_configs` keys of a receiver.
pub(crate) const INTEGRATIONS: &[&str] = &[
    "discord",
    "email",
    "msteams",
    "msteamsv2",
    "jira",
    "opsgenie",
    "pagerduty",
    "pushover",
    "rocketchat",
    "slack",
    "sns",
    "telegram",
    "victorops",
    "webex",
    "webhook",
    "wechat",
    "incidentio",
];

/// Integrations that page a human unless the config says otherwise.
pub(crate) const DEFAULT_PAGING: &[&str] = &["pagerduty", "opsgenie", "victorops"];

/// How alertlint reads the config (the `alertmanager:` key of `.alertlint.yaml`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The Alertmanager config file, resolved against the `.alertlint.yaml` directory.
    pub config: Option<PathBuf>,
    /// Explicit receivers of each team; teams not listed are matched by naming convention.
    pub teams: BTreeMap<String, Vec<String>>,
    /// Receivers that any team's alerts may reach (an audit log, a catch-all archive).
    pub shared_receivers: Vec<String>,
    /// Integrations that page.
    pub paging_integrations: Vec<String>,
    /// Overrides the `pages` setting of the `warning` tier of the policy.
    pub warning_pages: Option<bool>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            config: None,
            teams: BTreeMap::new(),
            shared_receivers: Vec::new(),
            paging_integrations: DEFAULT_PAGING
                .iter()
                .map(std::string::ToString::to_string)
                .collect(),
            warning_pages: None,
        }
    }
}

/// Reads the `alertmanager:` settings of `.alertlint.yaml` (with the rest of the config),
/// reporting mistakes to `sec`; `root` is the config's directory, which `config:` is relative
/// to.
pub(crate) fn read_settings(sec: &mut SectionReader, node: &Node, root: &Path) -> Settings {
    let mut settings = Settings::default();
    let string = |n: &Node| n.as_str().filter(|_| !n.is_null()).map(str::to_string);
    // Not SectionReader::strings: these messages are worded for lists of names.
    // Each name with where it is written.
    let spanned = |n: &Node, sec: &mut SectionReader, what: &str| -> Vec<(Span, String)> {
        if let Some(items) = n.as_seq() {
            items
                .iter()
                .filter_map(|i| {
                    let s = string(i);
                    if s.is_none() {
                        sec.error(i.span, format!("`{what}` entries must be strings"));
                    }
                    Some((i.span, s?))
                })
                .collect()
        } else {
            sec.error(
                n.span,
                format!("`{what}` must be a list, found {}", n.kind_name()),
            );
            Vec::new()
        }
    };
    let strings = |n: &Node, sec: &mut SectionReader, what: &str| -> Vec<String> {
        spanned(n, sec, what).into_iter().map(|(_, s)| s).collect()
    };
    if let Some(path) = string(node) {
        settings.config = Some(root.join(path));
        return settings;
    }
    if node.as_map().is_none() && !node.is_null() {
        sec.error(
            node.span,
            format!(
                "`alertmanager` must be a path or a mapping, found {}",
                node.kind_name()
            ),
        );
    }
    const KEYS: &[&str] = &[
        "config",
        "teams",
        "shared_receivers",
        "paging_integrations",
        "warning_pages",
    ];
    for e in node.as_map().unwrap_or_default() {
        let Some(key) = e.key.as_str() else {
            sec.error(e.key.span, "keys must be strings");
            continue;
        };
        let v = &e.value;
        match key {
            "config" => match string(v) {
                Some(p) => settings.config = Some(root.join(p)),
                None => sec.error(v.span, "`config` must be the path of alertmanager.yml"),
            },
            "teams" => match v.as_map() {
                Some(teams) => {
                    for t in teams {
                        let Some(team) = t.key.as_str() else {
                            sec.error(t.key.span, "team names must be strings");
                            continue;
                        };
                        let list = match string(&t.value) {
                            Some(one) => vec![one],
                            None => strings(&t.value, sec, "teams"),
                        };
                        settings.teams.insert(team.to_string(), list);
                    }
                }
                None => sec.error(v.span, "`teams` must map each team to its receivers"),
            },
            "shared_receivers" => {
                settings.shared_receivers = strings(v, sec, "shared_receivers");
            }
            "paging_integrations" => {
                let list = spanned(v, sec, "paging_integrations");
                for (span, name) in &list {
                    if !INTEGRATIONS.contains(&name.as_str()) {
                        sec.error(
                            *span,
                            format!(
                                "unknown integration `{name}`; expected one of: {}",
                                INTEGRATIONS.join(", ")
                            ),
                        );
                    }
                }
                settings.paging_integrations = list.into_iter().map(|(_, s)| s).collect();
            }
            "warning_pages" => match v.as_str() {
                Some("true") => settings.warning_pages = Some(true),
                Some("false") => settings.warning_pages = Some(false),
                _ => sec.error(v.span, "`warning_pages` must be true or false"),
            },
            other => sec.unknown_key(e.key.span, other, KEYS, "alertmanager"),
        }
    }
    settings
}
