//! `alertlint route`: where Alertmanager sends a label set (like `amtool config routes test`),
//! or every alert of some rule files, so a reviewer sees the effect of a routing change.

use super::{CliError, EXIT_OK, EXIT_PROBLEMS, write_stderr};
use crate::cli::RouteArgs;
use crate::commands::check::{config_error, load_config};
use alertlint_diagnostics::source::Span;
use alertlint_linter::alertmanager::{
    self, Alertmanager, LabelSet, MatchType, Matched, Routing, matcher,
};
use alertlint_linter::load::load_rule_files;
use std::path::PathBuf;
use std::process::ExitCode;

pub(crate) fn run(args: RouteArgs) -> Result<ExitCode, CliError> {
    if args.labels.is_none() && args.rules.is_empty() {
        return Err(CliError::usage(
            "give --labels k=v,... or --rules PATH (see `alertlint route --help`)",
        ));
    }
    let first = args
        .rules
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let config = load_config(args.config.as_ref(), args.no_config, &first, args.color)?;
    let am = match alertmanager::load(&config, args.alertmanager.as_deref()) {
        Ok(Some(am)) => am,
        Ok(None) => {
            return Err(CliError::usage(
                "no Alertmanager config: pass --alertmanager FILE or set `alertmanager:` in .alertlint.yaml",
            ));
        }
        Err(errors) => return Err(config_error(errors, &config, args.color)),
    };
    let mut out = String::new();
    if let Some(labels) = &args.labels {
        let set = match parse_labels(labels) {
            Ok(s) => s,
            Err(e) => return Err(CliError::usage(e)),
        };
        out.push_str(&describe_labels(&am, &set));
        if let Some(expected) = &args.verify_receivers {
            let matches = am.route_labels(&set);
            let got: Vec<&str> = matches
                .iter()
                .map(alertlint_linter::alertmanager::Matched::receiver_name)
                .collect();
            let want: Vec<&str> = expected.split(',').map(str::trim).collect();
            if got != want {
                super::write_stdout(&out);
                write_stderr(&format!(
                    "error: expected receivers {}, got {}",
                    want.join(","),
                    got.join(",")
                ));
                return Ok(ExitCode::from(EXIT_PROBLEMS));
            }
        }
    }
    if !args.rules.is_empty() {
        let rule_files = match load_rule_files(&args.rules, &config.exclude, config.dialect) {
            Ok((files, skipped)) => {
                for line in skipped.walk.lines("rule file", "rule files") {
                    write_stderr(&line.clone());
                }
                files
            }
            Err(e) => return Err(CliError::usage(e)),
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&table(&am, &config, &rule_files));
    }
    super::write_stdout(&out);
    Ok(ExitCode::from(EXIT_OK))
}

/// `severity=critical,team=ml-platform` (the matcher syntax, equality only).
pub(crate) fn parse_labels(s: &str) -> Result<LabelSet, String> {
    let ms = matcher::parse_matchers(s, Span::default()).map_err(|e| format!("--labels: {e}"))?;
    let mut set = LabelSet::new();
    for m in ms {
        if m.op != MatchType::Equal {
            return Err(format!(
                "--labels: `{m}`: labels must be given as name=value"
            ));
        }
        set.insert(m.name, m.value);
    }
    Ok(set)
}

fn format_labels(set: &LabelSet) -> String {
    let parts: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", parts.join(", "))
}

fn receiver_note(am: &Alertmanager, name: &str) -> String {
    match am.receiver(name) {
        None => "undefined receiver".to_string(),
        Some(r) if r.integrations.is_empty() => "no integrations: dropped".to_string(),
        Some(r) => {
            let mut kinds: Vec<&str> = r.integrations.iter().map(|i| i.kind.as_str()).collect();
            kinds.dedup();
            let pages = if am.pages(name) {
                "pages"
            } else {
                "does not page"
            };
            format!("{}; {pages}", kinds.join(", "))
        }
    }
}

fn describe_match(am: &Alertmanager, m: &Matched) -> String {
    let steps: Vec<String> = m
        .chain
        .iter()
        .skip(1)
        .map(|r| matcher::display_list(&r.matchers))
        .collect();
    let via = if steps.is_empty() {
        "(default route)".to_string()
    } else {
        steps.join(" / ")
    };
    let line = am.file.line_col(m.route().span.start).line;
    let mut s = format!(
        "  {}  {via}  ({}:{line})\n",
        m.path_name(),
        am.file.display_path()
    );
    s.push_str(&format!(
        "    receiver: {} ({})\n",
        m.receiver_name(),
        receiver_note(am, m.receiver_name())
    ));
    if !m.group_by.is_empty() {
        s.push_str(&format!("    group_by: [{}]\n", m.group_by.join(", ")));
    }
    let route = m.route();
    for (what, list) in [
        ("mute_time_intervals", &route.mute_time_intervals),
        ("active_time_intervals", &route.active_time_intervals),
    ] {
        if !list.is_empty() {
            let names: Vec<&str> = list.iter().map(|s| s.value.as_str()).collect();
            s.push_str(&format!("    {what}: [{}]\n", names.join(", ")));
        }
    }
    s
}

fn describe_labels(am: &Alertmanager, set: &LabelSet) -> String {
    let matches = am.route_labels(set);
    let mut s = format!("Labels: {}\nMatched routes:\n", format_labels(set));
    for m in &matches {
        s.push_str(&describe_match(am, m));
    }
    let names: Vec<&str> = matches
        .iter()
        .map(alertlint_linter::alertmanager::Matched::receiver_name)
        .collect();
    s.push_str(&format!("Receivers: {}\n", names.join(",")));
    s
}

fn table(
    am: &Alertmanager,
    config: &alertlint_linter::config::Config,
    files: &[alertlint_linter::model::RuleFile],
) -> String {
    let mut rows = vec![[
        "ALERT".to_string(),
        "SEVERITY".to_string(),
        "TEAM".to_string(),
        "RECEIVERS".to_string(),
        "PAGES".to_string(),
    ]];
    let ctx = alertlint_linter::checks::Context::new(files, config, None, Some(am));
    for a in ctx.routed_alerts() {
        let get = |k: &str| {
            a.labels
                .labels
                .get(k)
                .cloned()
                .unwrap_or_else(|| "-".into())
        };
        let (receivers, pages) = match &a.routing {
            Routing::Routes(ms) => {
                let mut names: Vec<String> = ms
                    .iter()
                    .map(|m| {
                        let n = m.receiver_name().to_string();
                        if m.is_root() {
                            format!("{n} (default)")
                        } else {
                            n
                        }
                    })
                    .collect();
                names.dedup();
                let pages = ms.iter().any(|m| am.pages(m.receiver_name()));
                (
                    names.join(", "),
                    if pages { "yes" } else { "no" }.to_string(),
                )
            }
            Routing::Templated(names) => (
                format!("? (templated: {})", names.join(", ")),
                "?".to_string(),
            ),
        };
        rows.push([
            a.rule.name().to_string(),
            get(&a.policy.severity_label),
            get(&a.policy.owner_label),
            receivers,
            pages,
        ]);
    }
    let mut widths = [0usize; 5];
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut s = String::new();
    for r in &rows {
        let mut line = String::new();
        for (i, (c, w)) in r.iter().zip(widths).enumerate() {
            if i + 1 == r.len() {
                line.push_str(c);
            } else {
                line.push_str(c);
                line.push_str(&" ".repeat(w - c.chars().count() + 2));
            }
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}
