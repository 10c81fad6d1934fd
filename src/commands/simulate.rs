//! `alertlint simulate`: replays synthesized series through every alerting rule
//! (`alertlint_linter::simulate`) and reports each alert's firing behaviour, the alerts that
//! could not be simulated and why, and the `behaviour/*` findings.
//!
//! Exit codes: 0 nothing at or above `--fail-on`, 1 a finding at or above it, 2 bad
//! arguments or input.

use super::check::load_config;
use super::{CliError, EXIT_OK, EXIT_PROBLEMS, table, write_stderr, write_stdout};
use crate::cli::{SimulateArgs, SimulateFormat};
use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_linter::checks::{CheckId, Context};
use alertlint_linter::config::RulePlace;
use alertlint_linter::simulate::{Behaviour, Outcome, Simulation, fmt_ms};
use prometheus_time::duration::parse_duration;
use std::process::ExitCode;

/// The checks `simulate` reports.
const BEHAVIOUR_CHECKS: &[CheckId] = &[
    CheckId::BehaviourSlowDetection,
    CheckId::BehaviourSpikePages,
    CheckId::BehaviourSilentOnGap,
    CheckId::BehaviourUnsimulated,
];

fn duration_arg(flag: &str, value: &str) -> Result<i64, CliError> {
    match parse_duration(value) {
        Ok(ms) if ms > 0 => Ok(ms),
        Ok(_) => Err(CliError::usage(format!(
            "--{flag} {value}: must be longer than 0s"
        ))),
        Err(e) => Err(CliError::usage(format!("--{flag} {value}: {e}"))),
    }
}

pub(crate) fn run(args: SimulateArgs) -> Result<ExitCode, CliError> {
    let first = args.paths.first().cloned().unwrap_or_else(|| ".".into());
    let config = load_config(args.config.as_ref(), args.no_config, &first, args.color)?;
    let alert_filter = match &args.alert {
        None => None,
        Some(r) => Some(
            regex::Regex::new(&format!("^(?:{r})$"))
                .map_err(|e| CliError::usage(format!("invalid --alert regex {r:?}: {e}")))?,
        ),
    };
    let scrape_interval_ms = args
        .scrape_interval
        .as_deref()
        .map(|v| duration_arg("scrape-interval", v))
        .transpose()?;
    let default_interval_ms = duration_arg("interval", &args.interval)?;
    let (files, _) =
        alertlint_linter::load::load_rule_files(&args.paths, &config.exclude, config.dialect)
            .map_err(CliError::usage)?;
    if files.is_empty() {
        return Err(CliError::usage("no rule files found"));
    }
    let mut ctx = Context::new(&files, &config, None, None);
    ctx.simulate_options = alertlint_linter::simulate::Options {
        scrape_interval_ms,
        default_interval_ms,
        alerts: alert_filter,
        keep_scenarios: args.emit_tests.is_some(),
    };
    let shown: Vec<&Simulation> = ctx.simulations().iter().collect();
    // Each behaviour check at its configured severity, or its default where the config
    // leaves it off (`simulate` is asked for them; `check` runs them only when enabled).
    let mut diags = Vec::new();
    for &id in BEHAVIOUR_CHECKS {
        let check = id.check();
        let Some(run) = check.run else { continue };
        let mut found = Vec::new();
        run(&ctx, &mut found);
        for mut d in found {
            let Some(sim) = shown.iter().find(|s| {
                std::sync::Arc::ptr_eq(&s.rule.0.source, &d.file)
                    && s.rule.2.name_span().start <= d.span.start
                    && d.span.end <= s.rule.2.span.end
            }) else {
                continue;
            };
            let (_, group, rule) = sim.rule;
            let labels: Vec<(&str, &str)> = rule.labels_with(group).collect();
            let place = RulePlace {
                group: group.name.as_ref().map_or("", |n| n.value.as_str()),
                labels: &labels,
            };
            d.severity = config
                .enabled(&sim.rule.0.source.path, Some(place))
                .severity(id)
                .unwrap_or(check.default_severity);
            diags.push(d);
        }
    }
    diags.sort_by(|a, b| {
        (a.file.path.as_path(), a.span.start, a.check).cmp(&(
            b.file.path.as_path(),
            b.span.start,
            b.check,
        ))
    });
    if let Some(dir) = &args.emit_tests {
        emit(&shown, dir)?;
    }
    let out = match args.format {
        SimulateFormat::Human => human(&shown, &diags, &args),
        SimulateFormat::Json => json(&shown, &diags),
    };
    write_stdout(&out);
    let failed = super::fails_on(args.fail_on, &diags);
    Ok(ExitCode::from(if failed { EXIT_PROBLEMS } else { EXIT_OK }))
}

/// Writes the unit-test files; says on stderr which alerts got none and why.
fn emit(sims: &[&Simulation], dir: &std::path::Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::usage(format!("cannot create {}: {e}", dir.display())))?;
    let tests = alertlint_linter::simulate::emit_tests(sims, dir);
    let mut written = 0;
    for t in tests {
        if let (Some(note), Ok(_)) = (&t.note, &t.text) {
            write_stderr(&format!("note: `{}`: {note}", t.alert));
        }
        match t.text {
            Ok(text) => {
                let path = dir.join(&t.file_name);
                std::fs::write(&path, text).map_err(|e| {
                    CliError::usage(format!("cannot write {}: {e}", path.display()))
                })?;
                written += 1;
            }
            Err(why) => write_stderr(&format!("note: no test written for `{}`: {why}", t.alert)),
        }
    }
    write_stderr(&format!(
        "wrote {written} unit-test file(s) into {}",
        dir.display()
    ));
    Ok(())
}

fn latency(ms: Option<i64>, none: &str) -> String {
    ms.map_or_else(|| none.to_string(), fmt_ms)
}

fn level(b: &Behaviour) -> String {
    if b.absence {
        return "present → gone".to_string();
    }
    let unit = if b.unit.is_empty() {
        String::new()
    } else {
        format!(" {}", b.unit)
    };
    format!("{} → {}{unit}", b.healthy, b.unhealthy)
}

fn gap_cell(b: &Behaviour) -> String {
    let Some(g) = &b.gap else {
        return "-".to_string();
    };
    let one = |resolves: Option<i64>, covered: &[String]| -> String {
        let what = resolves.map_or_else(
            || "keeps firing".to_string(),
            |ms| format!("resolves +{}", fmt_ms(ms)),
        );
        if covered.is_empty() {
            what
        } else {
            format!("{what}, {} fires", covered.join("/"))
        }
    };
    format!(
        "down: {}; gone: {}",
        one(g.down_resolves_ms, &g.down_covered_by),
        one(g.gone_resolves_ms, &g.gone_covered_by)
    )
}

fn human(sims: &[&Simulation], diags: &[Diagnostic], args: &SimulateArgs) -> String {
    let mut rows = vec![
        [
            "alert",
            "input moved",
            "healthy → unhealthy",
            "detects",
            "resolves",
            "1-scrape spike",
            "2m spike",
            "scrape gap",
            "counter reset",
        ]
        .map(String::from),
    ];
    let mut unsimulated = Vec::new();
    for s in sims {
        let name = s.rule.2.name().to_string();
        match &s.outcome {
            Outcome::Simulated(b) => rows.push([
                name,
                b.driver.clone(),
                level(b),
                latency(
                    b.detection_ms,
                    &format!("not in {}", fmt_ms(b.detection_horizon_ms)),
                ),
                if b.detection_ms.is_some() {
                    latency(b.resolution_ms, "never")
                } else {
                    "-".into()
                },
                latency(b.spike_ms.map(|_| 0), "no").replace("0s", "fires"),
                latency(b.spike_2m_ms.map(|_| 0), "no").replace("0s", "fires"),
                gap_cell(b),
                match &b.reset {
                    None => "-".into(),
                    Some(r) => r.resolves_ms.map_or_else(
                        || "keeps firing".into(),
                        |ms| format!("resolves +{}", fmt_ms(ms)),
                    ),
                },
            ]),
            Outcome::Unsimulated(why) => unsimulated.push(format!("  {name}: {why}")),
        }
    }
    let mut out = String::new();
    if rows.len() > 1 {
        out.push_str(&table(&rows));
    }
    if !unsimulated.is_empty() {
        out.push_str(&format!("\nnot simulated ({}):\n", unsimulated.len()));
        for u in unsimulated {
            out.push_str(&u);
            out.push('\n');
        }
    }
    if !diags.is_empty() {
        out.push('\n');
        let files = sims
            .iter()
            .map(|s| std::sync::Arc::as_ptr(&s.rule.0.source))
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        out.push_str(&super::render_findings(diags, files, args.color));
    }
    out
}

fn json(sims: &[&Simulation], diags: &[Diagnostic]) -> String {
    let opt = |ms: Option<i64>| {
        ms.map_or(serde_json::Value::Null, |ms| {
            serde_json::json!(ms as f64 / 1000.0)
        })
    };
    let alerts: Vec<serde_json::Value> = sims
        .iter()
        .map(|s| {
            let (file, group, rule) = s.rule;
            let mut v = serde_json::json!({
                "alert": rule.name(),
                "group": group.name.as_ref().map(|n| n.value.clone()),
                "file": file.source.display_path(),
            });
            match &s.outcome {
                Outcome::Unsimulated(why) => {
                    v["simulated"] = false.into();
                    v["reason"] = why.clone().into();
                }
                Outcome::Simulated(b) => {
                    v["simulated"] = true.into();
                    v["input"] = serde_json::json!({
                        "selector": b.driver,
                        "unit": b.unit,
                        "absence": b.absence,
                        "healthy": if b.absence { serde_json::Value::Null } else { b.healthy.into() },
                        "unhealthy": if b.absence { serde_json::Value::Null } else { b.unhealthy.into() },
                        "scrape_interval_seconds": b.scrape_interval_ms as f64 / 1000.0,
                    });
                    v["interval_seconds"] = serde_json::json!(b.interval_ms as f64 / 1000.0);
                    v["detection_seconds"] = opt(b.detection_ms);
                    v["detection_horizon_seconds"] = serde_json::json!(b.detection_horizon_ms as f64 / 1000.0);
                    v["resolution_seconds"] = opt(b.resolution_ms);
                    v["spike_fires_after_seconds"] = opt(b.spike_ms);
                    v["spike_2m_fires_after_seconds"] = opt(b.spike_2m_ms);
                    v["gap"] = b.gap.as_ref().map_or(serde_json::Value::Null, |g| {
                        serde_json::json!({
                            "scrapes_fail": {"resolves_after_seconds": opt(g.down_resolves_ms), "covered_by": g.down_covered_by},
                            "target_gone": {"resolves_after_seconds": opt(g.gone_resolves_ms), "covered_by": g.gone_covered_by},
                        })
                    });
                    v["counter_reset"] = b.reset.as_ref().map_or(serde_json::Value::Null, |r| {
                        serde_json::json!({"resolves_after_seconds": opt(r.resolves_ms)})
                    });
                }
            }
            v
        })
        .collect();
    let findings: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let at = d.file.line_col(d.span.start);
            serde_json::json!({
                "check": d.check,
                "severity": d.severity.as_str(),
                "file": d.file.display_path(),
                "line": at.line,
                "column": at.col,
                "message": d.message,
            })
        })
        .collect();
    let doc = serde_json::json!({"version": 1, "alerts": alerts, "findings": findings});
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
