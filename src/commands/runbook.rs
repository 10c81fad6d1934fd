//! `alertlint runbook new <AlertName>`: writes a runbook skeleton filled from the rule.

use super::{EXIT_OK, EXIT_USAGE, usage_error};
use crate::cli::{Color, RunbookCommand, RunbookNewArgs};
use crate::load::{closest, load_rule_files};
use crate::runbook::skeleton::{Facts, render};
use crate::runbook::{Resolution, Settings, date};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(cmd: RunbookCommand) -> ExitCode {
    match cmd {
        RunbookCommand::New(args) => new(args),
    }
}

fn new(args: RunbookNewArgs) -> ExitCode {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let config = match super::check::load_config(
        args.config.as_ref(),
        args.no_config,
        &paths[0],
        Color::Auto,
    ) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let rule_files = match load_rule_files(&paths, &config.exclude) {
        Ok((files, _)) => files,
        Err(e) => return usage_error(e),
    };
    let found = rule_files.iter().find_map(|f| {
        f.rules()
            .find(|(_, r)| r.is_alert() && r.name() == args.alert)
            .map(|(g, r)| (f, g, r))
    });
    let Some((file, group, rule)) = found else {
        let names: Vec<&str> = rule_files
            .iter()
            .flat_map(|f| f.rules())
            .filter(|(_, r)| r.is_alert())
            .map(|(_, r)| r.name())
            .collect();
        let hint = closest(&args.alert, &names)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return usage_error(format!(
            "no alert `{}` in the rule files under {}{hint}",
            args.alert,
            paths
                .iter()
                .map(|p| crate::source::display_path(p))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };

    let runbooks = match crate::runbook::load(&config, &args.runbooks) {
        Ok(r) => r,
        Err(errors) => {
            for e in errors {
                eprintln!(
                    "error: {}:{}: {}",
                    e.file.display_path(),
                    e.start().line,
                    e.message
                );
            }
            return ExitCode::from(EXIT_USAGE);
        }
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
                return usage_error(format!(
                    "unknown preset `{p}` (expected one of: {})",
                    crate::runbook::settings::PRESETS.join(", ")
                ));
            }
        }
    }

    let text = render(
        &Facts::of(group, rule, policy),
        &settings,
        &date::format_date(date::today()),
    );

    let out: Option<PathBuf> = match args.out.as_deref() {
        Some(p) if p.as_os_str() == "-" => None,
        Some(p) => Some(p.to_path_buf()),
        None => match (&resolution, runbooks.as_ref()) {
            (
                Some(Resolution::MissingFile {
                    root: Some(_),
                    expected,
                }),
                _,
            ) => Some(PathBuf::from(expected)),
            (Some(Resolution::Found { doc, .. }), Some(rbs)) => {
                rbs.doc(*doc).map(|d| d.path.clone())
            }
            (_, Some(rbs)) => rbs
                .roots
                .first()
                .map(|r| r.dir.join(format!("{}.md", args.alert))),
            _ => None,
        },
    };
    match out {
        None => {
            print!("{text}");
            ExitCode::from(EXIT_OK)
        }
        Some(path) => {
            if path.exists() && !args.force {
                return usage_error(format!(
                    "{} already exists (use --force to overwrite, or --out - to print)",
                    crate::source::display_path(&path)
                ));
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                && let Err(e) = std::fs::create_dir_all(dir)
            {
                return usage_error(format!("{}: {e}", crate::source::display_path(dir)));
            }
            match std::fs::write(&path, text) {
                Ok(()) => {
                    eprintln!(
                        "wrote {} ({} preset); fill in the TODOs, then run `alertlint check`",
                        crate::source::display_path(&path),
                        if settings.preset.is_empty() {
                            "custom"
                        } else {
                            &settings.preset
                        }
                    );
                    ExitCode::from(EXIT_OK)
                }
                Err(e) => usage_error(format!("{}: {e}", crate::source::display_path(&path))),
            }
        }
    }
}
