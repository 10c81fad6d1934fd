//! `alertlint backtest`: each alerting rule's expression is asked of the server over the window
//! (on its group's evaluation grid, one range query per distinct expression and grid), the
//! answers are replayed through Prometheus' alert state machine, and the fires are reported per
//! alert and per team, with findings (`backtest/*`) where an alert would have been noise.

use super::check::{human_options, load_config};
use super::{CliError, EXIT_OK, EXIT_PROBLEMS, table, write_stderr, write_stdout};
use crate::cli::{BacktestArgs, BacktestFormat};
use alertlint_backtest::compare::{ActualFiring, Agreement};
use alertlint_backtest::replay::{AlertRule, Replay, RuleReport};
use alertlint_backtest::{
    BasicAuth, Client, ClientCertFiles, ClientError, ClientOptions, QueryStats,
};
use alertlint_diagnostics::diagnostic::Diagnostic;
use alertlint_diagnostics::report::{self, Summary};
use alertlint_linter::checks::CheckId;
use alertlint_linter::config::{Config, RulePlace};
use alertlint_linter::model::{Rule, RuleFile, RuleGroup};
use prometheus_time::duration::{format_duration, parse_duration};
use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

const WEEK_MS: i64 = 7 * 24 * 3_600_000;
/// Share of the window past which an alert counts as always firing.
const ALWAYS_FIRING_SHARE: f64 = 0.95;
/// Flaps in the window from which an alert is reported as flapping.
const FLAPPING_FLAPS: usize = 3;

/// One alerting rule to replay, with where it is written.
struct Target<'a> {
    file: &'a RuleFile,
    group: &'a RuleGroup,
    rule: &'a Rule,
    spec: AlertRule,
    expr: &'a str,
    team: Option<String>,
    /// Alerts of its severity page (the policy's tier says `pages: true`).
    pages: bool,
}

/// One range query: an expression on one evaluation grid, for the rules that share it.
struct Query<'a> {
    expr: &'a str,
    /// The first and last query times (evaluation time minus the group's `query_offset`).
    start_ms: i64,
    end_ms: i64,
    step_ms: i64,
    targets: Vec<usize>,
}

/// What a query brought back for each of its rules.
struct Outcome {
    reports: Vec<(usize, RuleReport)>,
    error: Option<String>,
    warnings: BTreeSet<String>,
}

fn usage(message: impl std::fmt::Display) -> CliError {
    CliError::usage(message)
}

fn duration_arg(flag: &str, value: &str) -> Result<i64, CliError> {
    parse_duration(value).map_err(|e| usage(format!("--{flag} {value}: {e}")))
}

/// A time on the command line: RFC 3339 in UTC (`2026-11-01T00:00:00Z`) or Unix seconds.
fn time_arg(flag: &str, value: &str) -> Result<i64, CliError> {
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
    {
        #[allow(clippy::cast_possible_truncation)]
        return Ok((secs * 1000.0).round() as i64);
    }
    let t = humantime::parse_rfc3339(value).map_err(|e| {
        usage(format!(
            "--{flag} {value}: {e} (expected RFC 3339 in UTC, `2026-11-01T00:00:00Z`, or Unix \
             seconds)"
        ))
    })?;
    let ms = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| usage(format!("--{flag} {value}: before 1970")))?
        .as_millis();
    i64::try_from(ms).map_err(|_| usage(format!("--{flag} {value}: out of range")))
}

fn anchored(flag: &str, re: Option<&String>) -> Result<Option<regex::Regex>, CliError> {
    re.map(|r| {
        regex::Regex::new(&format!("^(?:{r})$"))
            .map_err(|e| usage(format!("--{flag}: invalid regex: {e}")))
    })
    .transpose()
}

fn client_options(args: &BacktestArgs) -> Result<ClientOptions, CliError> {
    let mut o = ClientOptions::new(args.url.clone());
    o.timeout = std::time::Duration::from_millis(
        u64::try_from(duration_arg("timeout", &args.timeout)?).unwrap_or(0),
    );
    o.max_points = args.max_points.max(1);
    o.retries = args.retries;
    o.bearer_token_file.clone_from(&args.bearer_token_file);
    if let (Some(user), Some(file)) = (&args.basic_auth_user, &args.basic_auth_password_file) {
        o.basic_auth = Some(BasicAuth {
            username: user.clone(),
            password_file: file.clone(),
        });
    }
    for h in &args.header {
        let Some((name, value)) = h.split_once(':') else {
            return Err(usage(format!("--header {h}: expected `Name: value`")));
        };
        o.headers
            .push((name.trim().to_string(), value.trim().to_string()));
    }
    o.tenant.clone_from(&args.tenant);
    o.ca_file.clone_from(&args.ca_file);
    if let (Some(cert), Some(key)) = (&args.cert_file, &args.key_file) {
        o.client_cert = Some(ClientCertFiles {
            cert_file: cert.clone(),
            key_file: key.clone(),
        });
    }
    Ok(o)
}

/// An error of [`Client::new`] in the command line's terms: an option it refuses is named by
/// its flag (`--header`, not the library's `headers`), which is what the user has to change.
fn client_error(e: ClientError) -> CliError {
    match e {
        ClientError::BadOption { option, problem } => {
            let flag = match option {
                "headers" => "header".to_string(),
                other => other.replace('_', "-"),
            };
            usage(format!("--{flag}: {problem}"))
        }
        e => usage(e),
    }
}

/// The alerting rules to replay, and why others were left out.
fn targets_of<'a>(
    files: &'a [RuleFile],
    config: &Config,
    args: &BacktestArgs,
    default_interval_ms: i64,
) -> Result<(Vec<Target<'a>>, Vec<String>), CliError> {
    let alert_re = anchored("alert", args.alert.as_ref())?;
    let group_re = anchored("group", args.group.as_ref())?;
    let mut out = Vec::new();
    let mut left_out = Vec::new();
    for file in files {
        for (group, rule) in file.rules() {
            let Some(name) = rule.alert.as_ref().map(|a| a.value.as_str()) else {
                continue;
            };
            let group_name = group.name.as_ref().map_or("", |n| n.value.as_str());
            if alert_re.as_ref().is_some_and(|re| !re.is_match(name))
                || group_re.as_ref().is_some_and(|re| !re.is_match(group_name))
            {
                continue;
            }
            let dur = |s: Option<&alertlint_linter::model::Str>, default: i64| {
                s.map_or(Ok(default), |s| parse_duration(&s.value))
            };
            let expr = rule
                .expr
                .as_ref()
                .map(|e| e.value.as_str())
                .filter(|e| !e.is_empty());
            let spec = (|| {
                Some(AlertRule {
                    name: name.to_string(),
                    for_ms: dur(rule.for_.as_ref(), 0).ok()?,
                    keep_firing_for_ms: dur(rule.keep_firing_for.as_ref(), 0).ok()?,
                    limit: match &group.limit {
                        Some(l) => l.value.parse().ok()?,
                        None => 0,
                    },
                    labels: rule
                        .labels
                        .iter()
                        .map(|p| (p.key.value.clone(), p.value.value.clone()))
                        .collect(),
                    interval_ms: dur(group.interval.as_ref(), default_interval_ms)
                        .ok()
                        .filter(|i| *i > 0)?,
                    query_offset_ms: dur(group.query_offset.as_ref(), 0).ok()?,
                })
            })();
            let (Some(spec), Some(expr)) = (spec, expr) else {
                left_out.push(format!(
                    "{}: `{name}` (not a valid rule: see `alertlint check`)",
                    file.source.display_path()
                ));
                continue;
            };
            let policy = config.policy_for(&file.source.path, group, rule);
            let label = |key: &str| {
                rule.effective_label(group, key)
                    .map(|p| p.value.value.clone())
                    .filter(|v| !v.contains("{{"))
            };
            let pages = label(&policy.severity_label)
                .and_then(|s| policy.tier(&s).and_then(|t| t.pages))
                .unwrap_or(false);
            out.push(Target {
                file,
                group,
                rule,
                spec,
                expr,
                team: label(&policy.owner_label),
                pages,
            });
        }
    }
    Ok((out, left_out))
}

/// The range queries for the targets: one per expression and evaluation grid, covering the
/// window and the warm-up of every rule that shares it.
fn queries<'a>(
    targets: &[Target<'a>],
    start_ms: i64,
    end_ms: i64,
    eval_offset_ms: i64,
) -> Vec<Query<'a>> {
    let mut by_key: BTreeMap<(&str, i64, i64), Query<'a>> = BTreeMap::new();
    for (i, t) in targets.iter().enumerate() {
        let step = t.spec.interval_ms;
        // The first evaluation at or after the warm-up's start, and the last one by the end.
        let first_eval = align_up(start_ms - t.spec.warm_up_ms(), step, eval_offset_ms);
        let last_eval = align_up(end_ms - step + 1, step, eval_offset_ms);
        let q = by_key
            .entry((t.expr, step, t.spec.query_offset_ms))
            .or_insert_with(|| Query {
                expr: t.expr,
                start_ms: first_eval - t.spec.query_offset_ms,
                end_ms: last_eval - t.spec.query_offset_ms,
                step_ms: step,
                targets: Vec::new(),
            });
        q.start_ms = q.start_ms.min(first_eval - t.spec.query_offset_ms);
        q.targets.push(i);
    }
    by_key.into_values().collect()
}

/// The first time at or after `t` on the grid `offset + k × step`.
fn align_up(t: i64, step: i64, offset: i64) -> i64 {
    let k = (t - offset).div_euclid(step);
    let at = offset + k * step;
    if at < t { at + step } else { at }
}

fn run_query(
    client: &Client,
    q: &Query,
    targets: &[Target],
    window_start_ms: i64,
    end_ms: i64,
    flap_window_ms: i64,
) -> Outcome {
    let mut replays: Vec<Replay> = q
        .targets
        .iter()
        .map(|&i| Replay::new(targets[i].spec.clone(), window_start_ms))
        .collect();
    let mut warnings = BTreeSet::new();
    let mut error = None;
    match client.query_range(q.expr, q.start_ms, q.end_ms, q.step_ms) {
        Ok(chunks) => {
            for chunk in chunks {
                match chunk {
                    Ok(c) => {
                        warnings.extend(c.warnings.iter().cloned());
                        for r in &mut replays {
                            r.feed(&c, q.step_ms);
                        }
                    }
                    Err(e) => {
                        error = Some(e.to_string());
                        break;
                    }
                }
            }
        }
        Err(e) => error = Some(e.to_string()),
    }
    let reports = if error.is_some() {
        Vec::new()
    } else {
        q.targets
            .iter()
            .zip(replays)
            .map(|(&i, r)| (i, r.finish(end_ms, flap_window_ms)))
            .collect()
    };
    Outcome {
        reports,
        error,
        warnings,
    }
}

pub(crate) fn run(args: BacktestArgs) -> Result<ExitCode, CliError> {
    let first = args.paths.first().cloned().unwrap_or_else(|| ".".into());
    let config = load_config(args.config.as_ref(), args.no_config, &first, args.color)?;
    let (files, _) =
        alertlint_linter::load::load_rule_files(&args.paths, &config.exclude, config.dialect)
            .map_err(usage)?;
    let alertmanager = alertlint_linter::alertmanager::load(&config, args.alertmanager.as_deref())
        .map_err(|errors| super::check::config_error(errors, &config, args.color))?;
    let page_budget = match &args.page_budget {
        Some(b) => alertlint_linter::config::parse_page_budget(b).ok_or_else(|| {
            usage(format!(
                "--page-budget {b}: expected a whole number of pages a week, as `10` or `10/week`"
            ))
        })?,
        None => config.policy.page_budget,
    };
    let default_interval_ms = duration_arg("interval", &args.interval)?;
    if default_interval_ms <= 0 {
        return Err(usage("--interval must be positive"));
    }
    let eval_offset_ms = duration_arg("eval-offset", &args.eval_offset)?;
    let flap_window_ms = duration_arg("flap-window", &args.flap_window)?;
    let now_ms = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis()),
    )
    .unwrap_or(i64::MAX);
    let end_ms = args
        .end
        .as_deref()
        .map_or(Ok(now_ms), |t| time_arg("end", t))?;
    let start_ms = match &args.start {
        Some(t) => time_arg("start", t)?,
        None => end_ms - duration_arg("since", &args.since)?,
    };
    if start_ms >= end_ms {
        return Err(usage(
            "the window is empty: its start is not before its end",
        ));
    }
    // The rules at `--baseline-ref`, read from git, replayed with today's.
    let base_files: Vec<RuleFile> = match &args.baseline_ref {
        None => Vec::new(),
        Some(rev) => crate::git::files_at(rev, &args.paths)
            .map_err(usage)?
            .into_iter()
            .filter_map(|(path, text)| {
                let shown = std::env::current_dir()
                    .ok()
                    .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
                    .unwrap_or(path);
                let source = alertlint_diagnostics::source::SourceFile::new(shown, text);
                match alertlint_linter::load::read_rule_file(source, config.dialect) {
                    alertlint_linter::load::Classified::Rules(f) => Some(f),
                    alertlint_linter::load::Classified::NotRules => None,
                }
            })
            .collect(),
    };
    let (mut targets, left_out) = targets_of(&files, &config, &args, default_interval_ms)?;
    for l in &left_out {
        write_stderr(&format!("note: not replayed: {l}"));
    }
    let current = targets.len();
    let (base_targets, _) = targets_of(&base_files, &config, &args, default_interval_ms)?;
    targets.extend(base_targets);
    if targets.is_empty() {
        return Err(usage(
            "no alerting rule to replay (check the paths and --alert/--group)",
        ));
    }
    let queries = queries(&targets, start_ms, end_ms, eval_offset_ms);
    let client = Client::new(client_options(&args)?).map_err(client_error)?;

    // A progress bar on a terminal only: a CI log or a pipe gets the report alone.
    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(u64::try_from(queries.len()).unwrap_or(0));
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} replaying {pos}/{len} queries {wide_bar} {elapsed}",
        ) {
            bar.set_style(style);
        }
        bar
    });
    let outcomes: Vec<Outcome> = on_threads(queries.len(), args.concurrency, |i| {
        let outcome = run_query(
            &client,
            &queries[i],
            &targets,
            start_ms,
            end_ms,
            flap_window_ms,
        );
        if let Some(bar) = &progress {
            bar.inc(1);
        }
        outcome
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let answered = outcomes.iter().filter(|o| o.error.is_none()).count();
    if answered == 0 {
        let why = outcomes
            .iter()
            .find_map(|o| o.error.clone())
            .unwrap_or_default();
        return Err(usage(format!(
            "no query could be answered by {}: {why}",
            args.url
        )));
    }
    let mut reports: Vec<Option<RuleReport>> = (0..targets.len()).map(|_| None).collect();
    let mut errors: Vec<Option<String>> = (0..targets.len()).map(|_| None).collect();
    let mut warnings = BTreeSet::new();
    for (q, o) in queries.iter().zip(outcomes) {
        warnings.extend(o.warnings);
        for (i, r) in o.reports {
            reports[i] = Some(r);
        }
        if let Some(e) = o.error {
            for &i in &q.targets {
                errors[i] = Some(e.clone());
            }
        }
    }
    for w in &warnings {
        write_stderr(&format!("warning: the server says: {w}"));
    }
    let window_ms = end_ms - start_ms;
    // Pages per team, and per alert (the pages its alerts were behind), of one side: the rules
    // now, or at `--baseline-ref`, each paging by the same model so that the change is theirs.
    let pages_of = |targets: &[Target], reports: &[Option<RuleReport>]| {
        if let Some(am) = &alertmanager {
            routed_team_pages(am, &config, targets, reports, start_ms, end_ms)
        } else {
            let per_alert = targets
                .iter()
                .zip(reports)
                .map(|(t, r)| r.as_ref().filter(|_| t.pages).map_or(0, |r| r.fires))
                .collect();
            (team_pages(targets, reports, window_ms), per_alert)
        }
    };
    let (teams, alert_pages) = pages_of(&targets[..current], &reports[..current]);
    // The rules at `--baseline-ref` were replayed after today's: compared, then set aside.
    let change = args.baseline_ref.as_ref().map(|rev| {
        let (before, _) = pages_of(&targets[current..], &reports[current..]);
        Change::new(
            rev,
            (&targets[..current], &reports[..current], &teams),
            (&targets[current..], &reports[current..], &before),
            window_ms,
        )
    });
    targets.truncate(current);
    reports.truncate(current);
    errors.truncate(current);
    let diags = findings(
        &targets,
        &reports,
        &errors,
        &teams,
        &config,
        window_ms,
        page_budget,
        flap_window_ms,
    );
    let team_table = TeamTable::new(&targets, &reports, &teams, window_ms, page_budget);
    let actual = if args.compare_actual {
        compare_actual(
            &client,
            &targets,
            &reports,
            start_ms,
            end_ms,
            eval_offset_ms,
            args.concurrency,
        )
    } else {
        Vec::new()
    };
    let stats = client.stats();
    let results = Results {
        targets: &targets,
        reports: &reports,
        alert_pages: &alert_pages,
        errors: &errors,
        teams: &team_table,
        diags: &diags,
        start_ms,
        end_ms,
    };
    let out = match args.format {
        BacktestFormat::Human => {
            let mut out = human(&results, &args);
            if !actual.is_empty() {
                out.push('\n');
                out.push_str(&actual_table(&targets, &actual));
            }
            if let Some(c) = &change {
                out.push('\n');
                out.push_str(&c.human());
            }
            out
        }
        BacktestFormat::Sarif | BacktestFormat::Github => {
            let format = if args.format == BacktestFormat::Sarif {
                report::Format::Sarif
            } else {
                report::Format::Github
            };
            let mut summary = Summary::default();
            summary.count(&diags);
            report::render(
                format,
                &diags,
                &summary,
                &human_options(args.color),
                &alertlint_linter::checks::docs(),
            )
        }
        BacktestFormat::Json => {
            let mut doc = json(&results, &args, &stats, &warnings);
            if let Some(c) = &change {
                doc["change"] = c.json();
            }
            for (i, a) in actual.iter().enumerate() {
                let Some(a) = a else { continue };
                doc["alerts"][i]["actual"] = match a {
                    Ok(a) => serde_json::json!({
                        "replayed_points": a.replayed,
                        "actual_points": a.actual,
                        "both": a.both,
                        "precision": a.precision(),
                        "recall": a.recall(),
                    }),
                    Err(e) => serde_json::json!({"error": e}),
                };
            }
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            text
        }
    };
    write_stdout(&out);
    let failed = super::fails_on(args.fail_on, &diags);
    Ok(ExitCode::from(if failed { EXIT_PROBLEMS } else { EXIT_OK }))
}

/// `work(0..n)` on `threads` threads, each taking the next index not yet taken; the results
/// in index order.
fn on_threads<T: Send>(n: usize, threads: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, n.max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let result = work(i);
                    if let Ok(mut all) = results.lock() {
                        all[i] = Some(result);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

/// `--compare-actual`: each alert's replay against the `ALERTS` series the server recorded.
fn compare_actual(
    client: &Client,
    targets: &[Target],
    reports: &[Option<RuleReport>],
    start_ms: i64,
    end_ms: i64,
    eval_offset_ms: i64,
    concurrency: usize,
) -> Vec<Option<Result<Agreement, String>>> {
    on_threads(targets.len(), concurrency, |i| {
        let t = &targets[i];
        let report = reports[i].as_ref()?;
        let step = t.spec.interval_ms;
        let first = align_up(start_ms, step, eval_offset_ms);
        let last = align_up(end_ms - step + 1, step, eval_offset_ms);
        if last < first {
            return None;
        }
        let name = t.spec.name.replace('\\', "\\\\").replace('"', "\\\"");
        let expr = format!("ALERTS{{alertname=\"{name}\", alertstate=\"firing\"}}");
        let mut actual = ActualFiring::new();
        let chunks = match client.query_range(&expr, first, last, step) {
            Ok(c) => c,
            Err(e) => return Some(Err(e.to_string())),
        };
        for chunk in chunks {
            match chunk {
                Ok(c) => actual.feed(&c),
                Err(e) => return Some(Err(e.to_string())),
            }
        }
        Some(Ok(actual.agreement(&report.firings, first, last, step)))
    })
}

/// Pages per team with an Alertmanager config: the notifications it would have sent to paging
/// receivers. A page to a team's receiver is that team's; a page to a shared receiver is the
/// page of each team owning an alert behind it.
fn routed_team_pages(
    am: &alertlint_linter::alertmanager::Alertmanager,
    config: &Config,
    targets: &[Target],
    reports: &[Option<RuleReport>],
    start_ms: i64,
    end_ms: i64,
) -> (Vec<TeamPages>, Vec<usize>) {
    use alertlint_linter::alertmanager::ReceiverTeams;
    use alertlint_linter::alertmanager::notify::{FiringAlert, notifications};
    let mut alerts = Vec::new();
    let mut owner = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        for f in r.iter().flat_map(|r| &r.firings) {
            alerts.push(FiringAlert {
                labels: f.labels.clone(),
                fired_at_ms: f.fired_at_ms,
                resolved_at_ms: f.resolved_at_ms,
            });
            owner.push(i);
        }
    }
    let sent = notifications(am, &alerts, start_ms, end_ms);
    if sent.truncated {
        write_stderr("warning: the Alertmanager simulation stopped at its notification limit");
    }
    let mut known: BTreeSet<&str> = config.policy.teams.iter().map(String::as_str).collect();
    known.extend(targets.iter().filter_map(|t| t.team.as_deref()));
    let known: Vec<&str> = known.into_iter().collect();
    let index = ReceiverTeams::new(&am.settings, &known);
    let mut by_team: BTreeMap<String, (usize, BTreeMap<usize, usize>)> = BTreeMap::new();
    // Per target: the pages its alerts were behind.
    let mut by_target = vec![0; targets.len()];
    for n in sent.pages(am) {
        let causes: BTreeSet<usize> = n.causes.iter().map(|&a| owner[a]).collect();
        for &t in &causes {
            by_target[t] += 1;
        }
        let teams: BTreeSet<String> = match am.receiver_team(sent.receiver(n), &index) {
            Some(team) => std::iter::once(team.to_string()).collect(),
            None => causes
                .iter()
                .filter_map(|&t| targets[t].team.clone())
                .collect(),
        };
        for team in teams {
            let entry = by_team.entry(team).or_default();
            entry.0 += 1;
            for &t in &causes {
                *entry.1.entry(t).or_default() += 1;
            }
        }
    }
    let window_ms = end_ms - start_ms;
    let teams = by_team
        .into_iter()
        .map(|(team, (pages, alerts))| {
            let mut alerts: Vec<(usize, usize)> = alerts.into_iter().collect();
            alerts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            TeamPages {
                team,
                pages,
                per_week: per_week(pages, window_ms),
                alerts,
            }
        })
        .collect();
    (teams, by_target)
}

/// Pages per team: fires of alerts of a paging tier.
struct TeamPages {
    team: String,
    pages: usize,
    per_week: f64,
    /// The paging alerts that fired, most fires first: (target, fires).
    alerts: Vec<(usize, usize)>,
}

/// Per team (the alerts' owner label): fires of all its alerts and pages, per week, against
/// the page budget.
struct TeamTable {
    /// Team, fires, fires a week, pages, pages a week.
    rows: Vec<(String, usize, f64, usize, f64)>,
    budget: u32,
}

impl TeamTable {
    fn new(
        targets: &[Target],
        reports: &[Option<RuleReport>],
        pages: &[TeamPages],
        window_ms: i64,
        budget: u32,
    ) -> TeamTable {
        let mut fires: BTreeMap<&str, usize> = BTreeMap::new();
        for (t, r) in targets.iter().zip(reports) {
            if let (Some(team), Some(r)) = (&t.team, r) {
                *fires.entry(team).or_default() += r.fires;
            }
        }
        let paged: BTreeMap<&str, &TeamPages> =
            pages.iter().map(|p| (p.team.as_str(), p)).collect();
        let teams: BTreeSet<&str> = fires.keys().chain(paged.keys()).copied().collect();
        let rows = teams
            .into_iter()
            .map(|team| {
                let f = fires.get(team).copied().unwrap_or(0);
                let (p, pw) = paged.get(team).map_or((0, 0.0), |p| (p.pages, p.per_week));
                (team.to_string(), f, per_week(f, window_ms), p, pw)
            })
            .collect();
        TeamTable { rows, budget }
    }
}

#[allow(clippy::cast_precision_loss)]
fn per_week(n: usize, window_ms: i64) -> f64 {
    n as f64 * WEEK_MS as f64 / window_ms.max(1) as f64
}

fn team_pages(
    targets: &[Target],
    reports: &[Option<RuleReport>],
    window_ms: i64,
) -> Vec<TeamPages> {
    let mut by_team: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    for (i, t) in targets.iter().enumerate() {
        let (Some(team), Some(r), true) = (&t.team, &reports[i], t.pages) else {
            continue;
        };
        by_team.entry(team).or_default().push((i, r.fires));
    }
    by_team
        .into_iter()
        .map(|(team, mut alerts)| {
            alerts.retain(|(_, n)| *n > 0);
            alerts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let pages = alerts.iter().map(|(_, n)| n).sum();
            TeamPages {
                team: team.to_string(),
                pages,
                per_week: per_week(pages, window_ms),
                alerts,
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn findings(
    targets: &[Target],
    reports: &[Option<RuleReport>],
    errors: &[Option<String>],
    teams: &[TeamPages],
    config: &Config,
    window_ms: i64,
    budget: u32,
    flap_window_ms: i64,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut push = |t: &Target, check: CheckId, message: String, help: &str| {
        let labels: Vec<(&str, &str)> = t
            .rule
            .labels_with(t.group)
            .chain(std::iter::once(("alertname", t.spec.name.as_str())))
            .collect();
        let place = RulePlace {
            group: t.group.name.as_ref().map_or("", |n| n.value.as_str()),
            labels: &labels,
        };
        let Some(severity) = config
            .enabled(&t.file.source.path, Some(place))
            .severity(check)
        else {
            return;
        };
        let mut d = Diagnostic::new(check.id(), &t.file.source, t.rule.name_span(), message)
            .with_help(help);
        d.severity = severity;
        out.push(d);
    };
    let window = format_duration(window_ms);
    for (i, t) in targets.iter().enumerate() {
        let name = &t.spec.name;
        if let Some(e) = &errors[i] {
            push(
                t,
                CheckId::BacktestQueryError,
                format!("`{name}` could not be replayed: {e}"),
                "run the expression in the server's UI over a short range to see the error",
            );
            continue;
        }
        let Some(r) = &reports[i] else { continue };
        if let Some(f) = r.failures.first() {
            push(
                t,
                CheckId::BacktestQueryError,
                format!(
                    "{} evaluation{} of `{name}` would have failed, the first at {}: {}",
                    r.failures.len(),
                    if r.failures.len() == 1 { "" } else { "s" },
                    time_text(f.at_ms),
                    f.message
                ),
                "a failed evaluation sends no alert: fix the rule's labels or the group's limit",
            );
        }
        #[allow(clippy::cast_precision_loss)]
        if r.max_firing_ms as f64 >= ALWAYS_FIRING_SHARE * window_ms as f64 {
            push(
                t,
                CheckId::BacktestAlwaysFiring,
                format!("`{name}` was firing through the whole window ({window})"),
                "raise the threshold, or show this state on a dashboard instead",
            );
        }
        if r.fires == 0 && r.firing_at_start == 0 && r.failures.is_empty() {
            push(
                t,
                CheckId::BacktestNeverFired,
                format!("`{name}` did not fire in the window ({window})"),
                "if it cannot fire (a renamed metric, a threshold out of reach), fix or remove it",
            );
        }
        if r.flaps >= FLAPPING_FLAPS {
            push(
                t,
                CheckId::BacktestFlapping,
                format!(
                    "`{name}` fired again within {} of resolving {} times in the window",
                    format_duration(flap_window_ms),
                    r.flaps
                ),
                "a longer `for:` or a `keep_firing_for:` merges short gaps into one alert",
            );
        }
        let templated: Vec<&str> = t
            .spec
            .labels
            .iter()
            .filter(|(_, v)| v.contains("{{"))
            .map(|(k, _)| k.as_str())
            .collect();
        if !templated.is_empty() {
            let series: BTreeSet<Vec<(&String, &String)>> = r
                .firings
                .iter()
                .map(|f| {
                    f.labels
                        .iter()
                        .filter(|(k, _)| !templated.contains(&k.as_str()))
                        .collect()
                })
                .collect();
            if r.label_sets > series.len() {
                push(
                    t,
                    CheckId::BacktestLabelChurn,
                    format!(
                        "`{name}` fired with {} label sets for {} series: its templated label{} {} \
                         made new alerts",
                        r.label_sets,
                        series.len(),
                        if templated.len() == 1 { "" } else { "s" },
                        templated
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "move what changes into an annotation",
                );
            }
        }
    }
    for team in teams {
        if team.per_week <= f64::from(budget) {
            continue;
        }
        let Some(&(top, _)) = team.alerts.first() else {
            continue;
        };
        let list = team
            .alerts
            .iter()
            .take(5)
            .map(|(i, n)| format!("`{}` {n}", targets[*i].spec.name))
            .collect::<Vec<_>>()
            .join(", ");
        push(
            &targets[top],
            CheckId::BacktestPagesOverBudget,
            format!(
                "team `{}` would have been paged {:.1} times a week (budget {budget}): {list}",
                team.team, team.per_week
            ),
            "tune the noisiest alerts, or move them to a tier that does not page",
        );
    }
    alertlint_diagnostics::diagnostic::sort(&mut out);
    out
}

/// A time for messages: RFC 3339 in UTC, to the second.
fn time_text(ms: i64) -> String {
    let t =
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_seconds(t).to_string()
}

/// What the reports are made of: every alert's replay, with what it paged and any error, the
/// teams and the findings.
#[derive(Clone, Copy)]
struct Results<'a> {
    targets: &'a [Target<'a>],
    reports: &'a [Option<RuleReport>],
    /// Per alert: the pages its alerts were behind.
    alert_pages: &'a [usize],
    errors: &'a [Option<String>],
    teams: &'a TeamTable,
    diags: &'a [Diagnostic],
    start_ms: i64,
    end_ms: i64,
}

fn human(results: &Results, args: &BacktestArgs) -> String {
    let Results {
        targets,
        reports,
        alert_pages,
        errors,
        teams,
        diags,
        start_ms,
        end_ms,
    } = *results;
    let window_ms = end_ms - start_ms;
    let mut rows = vec![
        [
            "alert",
            "for",
            "keep",
            "fires",
            "firing",
            "label sets",
            "flaps",
            "fires/week",
            "pages/week",
            "team",
        ]
        .map(String::from),
    ];
    for (i, t) in targets.iter().enumerate() {
        let mut row = [
            t.spec.name.clone(),
            format_duration(t.spec.for_ms),
            format_duration(t.spec.keep_firing_for_ms),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            t.team.clone().unwrap_or_else(|| "-".to_string()),
        ];
        match (&reports[i], &errors[i]) {
            (Some(r), _) => {
                row[3] = if r.firing_at_start > 0 {
                    format!("{} (+{} at start)", r.fires, r.firing_at_start)
                } else {
                    r.fires.to_string()
                };
                row[4] = format_duration(r.firing_ms);
                row[5] = r.label_sets.to_string();
                row[6] = r.flaps.to_string();
                row[7] = format!("{:.1}", per_week(r.fires, window_ms));
                row[8] = format!("{:.1}", per_week(alert_pages[i], window_ms));
            }
            (None, _) => row[3] = "error".to_string(),
        }
        rows.push(row);
    }
    let mut out = table(&rows);
    if !teams.rows.is_empty() {
        out.push('\n');
        let mut team_rows = vec![
            [
                "team",
                "fires",
                "fires/week",
                "pages",
                "pages/week",
                "budget",
            ]
            .map(String::from),
        ];
        for (team, fires, fires_week, pages, pages_week) in &teams.rows {
            team_rows.push([
                team.clone(),
                fires.to_string(),
                format!("{fires_week:.1}"),
                pages.to_string(),
                format!("{pages_week:.1}"),
                teams.budget.to_string(),
            ]);
        }
        out.push_str(&table(&team_rows));
    }
    if !diags.is_empty() {
        out.push('\n');
        let files = targets
            .iter()
            .map(|t| std::sync::Arc::as_ptr(&t.file.source))
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        out.push_str(&super::render_findings(diags, files, args.color));
    }
    out
}

fn json(
    results: &Results,
    args: &BacktestArgs,
    stats: &QueryStats,
    warnings: &BTreeSet<String>,
) -> serde_json::Value {
    let Results {
        targets,
        reports,
        alert_pages,
        errors,
        teams,
        diags,
        start_ms,
        end_ms,
    } = *results;
    use serde_json::json;
    let seconds = |ms: i64| ms as f64 / 1000.0;
    let alerts: Vec<serde_json::Value> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut a = json!({
                "alert": t.spec.name,
                "group": t.group.name.as_ref().map(|n| n.value.clone()),
                "file": t.file.source.display_path(),
                "for_seconds": seconds(t.spec.for_ms),
                "keep_firing_for_seconds": seconds(t.spec.keep_firing_for_ms),
                "interval_seconds": seconds(t.spec.interval_ms),
                "team": t.team,
                "pages": t.pages,
                "error": errors[i],
            });
            if let Some(r) = &reports[i] {
                a["fires"] = json!(r.fires);
                a["firing_at_start"] = json!(r.firing_at_start);
                a["fires_per_week"] = json!(per_week(r.fires, end_ms - start_ms));
                a["pages"] = json!(alert_pages[i]);
                a["pages_per_week"] = json!(per_week(alert_pages[i], end_ms - start_ms));
                a["firing_seconds"] = json!(seconds(r.firing_ms));
                a["median_firing_seconds"] = json!(seconds(r.median_firing_ms));
                a["max_firing_seconds"] = json!(seconds(r.max_firing_ms));
                a["label_sets"] = json!(r.label_sets);
                a["flaps"] = json!(r.flaps);
                a["max_concurrent"] = json!(r.max_concurrent);
                a["failed_evaluations"] = json!(r.failures.len());
                if !args.events {
                    return a;
                }
                a["firings"] = r
                    .firings
                    .iter()
                    .map(|f| {
                        json!({
                            "labels": f.labels,
                            "fired_at": seconds(f.fired_at_ms),
                            "resolved_at": f.resolved_at_ms.map(seconds),
                        })
                    })
                    .collect();
            }
            a
        })
        .collect();
    json!({
        "version": 1,
        "server": args.url,
        "window": {"start": seconds(start_ms), "end": seconds(end_ms)},
        "alerts": alerts,
        "teams": teams.rows.iter().map(|(team, fires, fires_week, pages, pages_week)| json!({
            "team": team,
            "fires": fires,
            "fires_per_week": fires_week,
            "pages": pages,
            "pages_per_week": pages_week,
            "budget": teams.budget,
        })).collect::<Vec<_>>(),
        "findings": diags.iter().map(|d| {
            let at = d.start();
            json!({
                "check": d.check,
                "severity": d.severity.as_str(),
                "message": d.message,
                "file": d.file.display_path(),
                "line": at.line,
                "column": at.col,
            })
        }).collect::<Vec<_>>(),
        "queries": {
            "requests": stats.requests,
            "retries": stats.retries,
            "halvings": stats.halvings,
            "bytes": stats.bytes,
        },
        "warnings": warnings,
    })
}

/// `--compare-actual` in the human report: per alert, the agreement of the replay with the
/// server's `ALERTS`.
fn actual_table(targets: &[Target], actual: &[Option<Result<Agreement, String>>]) -> String {
    let share =
        |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{:.0}%", v * 100.0));
    let mut rows = vec![
        [
            "alert",
            "replayed",
            "in ALERTS",
            "both",
            "precision",
            "recall",
        ]
        .map(String::from),
    ];
    for (t, a) in targets.iter().zip(actual) {
        let row = match a {
            None => continue,
            Some(Err(e)) => [
                t.spec.name.clone(),
                format!("error: {e}"),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
            Some(Ok(a)) => [
                t.spec.name.clone(),
                a.replayed.to_string(),
                a.actual.to_string(),
                a.both.to_string(),
                share(a.precision()),
                share(a.recall()),
            ],
        };
        rows.push(row);
    }
    format!(
        "Against the server's ALERTS (firing points on each alert's grid):\n{}",
        table(&rows)
    )
}

/// An alert's fires at the baseline revision and now (`None`: no such alert there).
struct AlertChange {
    alert: String,
    group: String,
    before: Option<usize>,
    after: Option<usize>,
}

/// One side of the change: the rules (now, or at the baseline), their replays and the pages
/// per team they made.
type Side<'s, 'a> = (&'s [Target<'a>], &'s [Option<RuleReport>], &'s [TeamPages]);

/// Fires and pages per week.
type WeeklyCounts = (f64, f64);

/// The rules now against the rules at `--baseline-ref`: fires per alert, pages per team.
struct Change {
    rev: String,
    alerts: Vec<AlertChange>,
    /// Team, its fires and pages per week before, and now.
    teams: Vec<(String, WeeklyCounts, WeeklyCounts)>,
    window_ms: i64,
}

impl Change {
    /// `now` and `before`: each side's rules, replays and pages per team.
    fn new(rev: &str, now: Side, before: Side, window_ms: i64) -> Change {
        // An alert is known by its group and name, and which of that name it is (alerts of
        // one name often come in tiers).
        let keyed = |(targets, reports, _): Side| {
            let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
            let mut out = BTreeMap::new();
            for (t, r) in targets.iter().zip(reports) {
                let group = t.group.name.as_ref().map_or("", |n| n.value.as_str());
                let key = (group.to_string(), t.spec.name.clone());
                let n = seen.entry(key.clone()).or_default();
                *n += 1;
                out.insert(
                    (key.0, key.1, *n),
                    (
                        alertlint_linter::changed::content_key(t.group, t.rule),
                        r.as_ref().map(|r| r.fires),
                    ),
                );
            }
            out
        };
        let (now_keyed, before_keyed) = (keyed(now), keyed(before));
        let mut alerts = Vec::new();
        let keys: BTreeSet<_> = now_keyed
            .keys()
            .chain(before_keyed.keys())
            .cloned()
            .collect();
        for key in keys {
            let a = now_keyed.get(&key);
            let b = before_keyed.get(&key);
            let same_rule = matches!((a, b), (Some(a), Some(b)) if a.0 == b.0);
            let (fires_now, fires_before) = (a.and_then(|a| a.1), b.and_then(|b| b.1));
            if same_rule && fires_now == fires_before {
                continue;
            }
            alerts.push(AlertChange {
                alert: key.1,
                group: key.0,
                before: fires_before,
                after: fires_now,
            });
        }
        // Per team: fires and pages a week, then and now.
        let per_team = |(targets, reports, pages): Side| -> BTreeMap<String, (f64, f64)> {
            TeamTable::new(targets, reports, pages, window_ms, 0)
                .rows
                .into_iter()
                .map(|(team, _, fires_week, _, pages_week)| (team, (fires_week, pages_week)))
                .collect()
        };
        let (now_teams, before_teams) = (per_team(now), per_team(before));
        let teams = now_teams
            .keys()
            .chain(before_teams.keys())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|t| {
                let b = before_teams.get(t).copied().unwrap_or((0.0, 0.0));
                let a = now_teams.get(t).copied().unwrap_or((0.0, 0.0));
                (t.clone(), b, a)
            })
            .filter(|(_, b, a)| b != a)
            .collect();
        Change {
            rev: rev.to_string(),
            alerts,
            teams,
            window_ms,
        }
    }

    fn human(&self) -> String {
        let mut out = format!("Against {}:\n", self.rev);
        if self.alerts.is_empty() && self.teams.is_empty() {
            out.push_str("no alert fires differently\n");
            return out;
        }
        let count = |n: Option<usize>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
        let mut rows =
            vec![["alert", "group", "fires before", "fires now", "per week"].map(String::from)];
        for a in &self.alerts {
            let delta = per_week(a.after.unwrap_or(0), self.window_ms)
                - per_week(a.before.unwrap_or(0), self.window_ms);
            rows.push([
                a.alert.clone(),
                a.group.clone(),
                count(a.before),
                count(a.after),
                format!("{delta:+.1}"),
            ]);
        }
        out.push_str(&table(&rows));
        if !self.teams.is_empty() {
            out.push('\n');
            let mut rows = vec![
                [
                    "team",
                    "fires/week before",
                    "now",
                    "pages/week before",
                    "now",
                    "pages change",
                ]
                .map(String::from),
            ];
            for (team, before, now) in &self.teams {
                rows.push([
                    team.clone(),
                    format!("{:.1}", before.0),
                    format!("{:.1}", now.0),
                    format!("{:.1}", before.1),
                    format!("{:.1}", now.1),
                    format!("{:+.1}", now.1 - before.1),
                ]);
            }
            out.push_str(&table(&rows));
        }
        out
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "ref": self.rev,
            "alerts": self.alerts.iter().map(|a| serde_json::json!({
                "alert": a.alert,
                "group": a.group,
                "fires_before": a.before,
                "fires_now": a.after,
            })).collect::<Vec<_>>(),
            "teams": self.teams.iter().map(|(t, b, a)| serde_json::json!({
                "team": t,
                "fires_per_week_before": b.0,
                "fires_per_week_now": a.0,
                "pages_per_week_before": b.1,
                "pages_per_week_now": a.1,
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::align_up;

    #[test]
    fn grid_alignment() {
        assert_eq!(align_up(0, 60, 0), 0);
        assert_eq!(align_up(1, 60, 0), 60);
        assert_eq!(align_up(59, 60, 15), 75);
        assert_eq!(align_up(-1, 60, 0), 0);
        assert_eq!(align_up(-61, 60, 0), -60);
    }
}
