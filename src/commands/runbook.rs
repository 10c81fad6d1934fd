//! `alertlint runbook new <AlertName>`: writes a runbook skeleton filled from the rule.

use super::{CliError, EXIT_OK, write_stderr};
use crate::cli::{Color, RunbookCommand, RunbookNewArgs};
use alertlint_linter::config::Config;
use alertlint_linter::load::load_rule_files;
use alertlint_linter::model::RuleFile;
use alertlint_linter::runbook::skeleton::{self, Destination, Facts, WriteError, render};
use alertlint_linter::runbook::{Resolution, Runbooks, Settings, date};
use alertlint_linter::suggest::closest;
use std::path::PathBuf;
use std::process::ExitCode;

pub(crate) fn run(cmd: RunbookCommand) -> Result<ExitCode, CliError> {
    match cmd {
        RunbookCommand::New(args) => new(args),
    }
}

fn new(args: RunbookNewArgs) -> Result<ExitCode, CliError> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let config =
        super::check::load_config(args.config.as_ref(), args.no_config, &paths[0], Color::Auto)?;
    let rule_files = match load_rule_files(&paths, &config.exclude, config.dialect) {
        Ok((files, _)) => files,
        Err(e) => return Err(CliError::usage(e)),
    };
    let found = rule_files.iter().find_map(|f| {
        f.rules()
            .find(|(_, r)| r.is_alert() && r.name() == args.alert)
            .map(|(g, r)| (f, g, r))
    });
    let Some((file, group, rule)) = found else {
        let names: Vec<&str> = rule_files
            .iter()
            .flat_map(alertlint_linter::model::RuleFile::rules)
            .filter(|(_, r)| r.is_alert())
            .map(|(_, r)| r.name())
            .collect();
        let hint = closest(&args.alert, &names)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(CliError::usage(format!(
            "no alert `{}` in the rule files under {}{hint}",
            args.alert,
            paths
                .iter()
                .map(|p| alertlint_diagnostics::source::display_path(p))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };

    let runbooks = match alertlint_linter::runbook::load(&config, &args.runbooks) {
        Ok(r) => r,
        Err(errors) => return Err(super::check::config_error(errors, &config, Color::Auto)),
    };
    let policy = config.policy_for(&file.source.path, group, rule);
    let resolution = runbooks.as_ref().and_then(|rbs| {
        rule.annotation(&policy.runbook_annotation)
            .map(|p| rbs.resolve(&p.value.value, &file.source.path))
    });

    // The preset: --preset, else the root the alert's link points into, else the first root's.
    let mut settings = runbooks.as_ref().map_or_else(Settings::default, |rbs| {
        let root = match &resolution {
            Some(Resolution::MissingFile { root: Some(i), .. }) => *i,
            Some(Resolution::Found { doc, .. }) => rbs.doc(*doc).map_or(0, |d| d.root),
            _ => 0,
        };
        rbs.roots
            .get(root)
            .map_or_else(|| rbs.defaults.clone(), |r| r.settings.clone())
    });
    if let Some(p) = &args.preset {
        match Settings::preset(p) {
            Some(s) => settings = s,
            None => {
                return Err(CliError::usage(format!(
                    "unknown preset `{p}` (expected one of: {})",
                    alertlint_linter::config::runbooks::PRESETS.join(", ")
                )));
            }
        }
    }

    let text = render(
        &Facts::of(group, rule, policy),
        &settings,
        &date::format_date(date::today()),
    );

    // Where it goes: --out, else where the alert's runbook_url points under a root, else
    // `<first root>/<ALERT>.md`, else standard output. Under a root, never outside it.
    let url = rule
        .annotation(&policy.runbook_annotation)
        .map(|p| p.value.value.as_str());
    // Where the path under the root comes from, for messages.
    let from_url = if url.is_some_and(|u| u.contains('%')) {
        "runbook_url (percent-decoded)"
    } else {
        "runbook_url"
    };
    let under_root = |root: usize, rel: String, from: &'static str| {
        runbooks
            .as_ref()
            .and_then(|rbs| rbs.roots.get(root))
            .map(|r| (r.dir.clone(), rel, from))
    };
    let target: Option<(PathBuf, String, &str)> = match args.out.as_deref() {
        Some(p) if p.as_os_str() == "-" => None,
        Some(p) => {
            return finish(
                skeleton::write(Destination::Chosen(p), &text, args.force),
                &settings,
            );
        }
        None => match (&resolution, runbooks.as_ref()) {
            (_, None) => None,
            (
                Some(Resolution::Found { doc, .. } | Resolution::MissingHeading { doc, .. }),
                Some(rbs),
            ) => {
                let Some(d) = rbs.doc(*doc) else {
                    return Err(CliError::usage(format!("runbook {doc} vanished")));
                };
                // One file holding several alerts' runbooks is never replaced by one skeleton.
                let others = linked_by_others(rbs, &rule_files, &config, *doc, &args.alert);
                let fragment = url
                    .and_then(|u| u.split_once('#'))
                    .map(|(_, f)| f.trim())
                    .filter(|f| !f.is_empty());
                let why = match (others.as_slice(), fragment) {
                    ([], None) => None,
                    ([one], _) => Some(format!("{one} links to it")),
                    ([], Some(f)) => Some(format!("the runbook_url points to its section `#{f}`")),
                    (names, _) => Some(format!("{} link to it", list(names))),
                };
                if let Some(why) = why {
                    return Err(CliError::usage(format!(
                        "{} is shared by other alerts ({why}); add the section for {} by hand, \
                         or use --out to write the skeleton elsewhere",
                        alertlint_diagnostics::source::display_path(&d.path),
                        args.alert
                    )));
                }
                under_root(d.root, d.rel.clone(), from_url)
            }
            (Some(Resolution::MissingFile { root: Some(_), .. }), Some(rbs)) => url
                .and_then(|u| rbs.new_file_under_root(u, &file.source.path))
                .and_then(|(root, rel)| under_root(root, rel, from_url))
                .or_else(|| under_root(0, format!("{}.md", args.alert), "alert name")),
            (_, Some(_)) => under_root(0, format!("{}.md", args.alert), "alert name"),
        },
    };
    match target {
        None => {
            super::write_stdout(&text);
            Ok(ExitCode::from(EXIT_OK))
        }
        Some((root, rel, from)) => finish(
            skeleton::write(
                Destination::UnderRoot {
                    root: &root,
                    rel: &rel,
                    from,
                },
                &text,
                args.force,
            ),
            &settings,
        ),
    }
}

/// The exit code of a write, and what to tell the user.
fn finish(written: Result<String, WriteError>, settings: &Settings) -> Result<ExitCode, CliError> {
    let shown = written?;
    write_stderr(&format!(
        "wrote {shown} ({} preset); fill in the TODOs, then run `alertlint check`",
        if settings.preset.is_empty() {
            "custom"
        } else {
            &settings.preset
        }
    ));
    Ok(ExitCode::from(EXIT_OK))
}

/// The other alerts (by name, sorted) whose `runbook_url` leads to the runbook `doc`.
fn linked_by_others<'a>(
    rbs: &Runbooks,
    rule_files: &'a [RuleFile],
    config: &Config,
    doc: usize,
    alert: &str,
) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for f in rule_files {
        for (g, r) in f.rules().filter(|(_, r)| r.is_alert() && r.name() != alert) {
            let policy = config.policy_for(&f.source.path, g, r);
            let Some(url) = r.annotation(&policy.runbook_annotation) else {
                continue;
            };
            if let Resolution::Found { doc: d, .. } | Resolution::MissingHeading { doc: d, .. } =
                rbs.resolve(&url.value.value, &f.source.path)
                && d == doc
            {
                names.push(r.name());
            }
        }
    }
    names.sort_unstable();
    names.dedup();
    names
}

/// Names for a message: `A and B`, `A, B and C`, `A, B, C and 2 more`.
fn list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [a] => (*a).to_string(),
        [init @ .., last] if names.len() <= 3 => format!("{} and {last}", init.join(", ")),
        [a, b, c, rest @ ..] => format!("{a}, {b}, {c} and {} more", rest.len()),
        _ => names.join(", "),
    }
}
