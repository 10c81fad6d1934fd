//! Firing behaviour without hand-written tests (`alertlint simulate`, the `behaviour/*`
//! checks): for each alerting rule, input series are synthesized from what the semantic
//! analysis knows of its expression ([`inputs`]) and replayed through Prometheus' evaluator
//! and alert state machine ([`run`]) in a few scenarios:
//!
//! - **step**: the inputs move from a healthy level to just past the threshold, then back:
//!   how long until the alert fires (detection latency), and until it resolves;
//! - **spike**: one scrape, and separately two minutes, past the threshold: does it fire?
//! - **gap**: the target stops being scraped while the alert fires (its series go stale,
//!   `up` drops to 0, or the target disappears with its `up`): does the alert resolve, and
//!   does another alert of the rule set fire for the missing data?
//! - **reset**: a counter restarts from zero in the middle of the incident.
//!
//! The threshold is never solved for: the evaluator is asked at levels of each input on a
//! log scale until the condition changes, and the change is narrowed by bisection.

mod emit;
mod inputs;
mod run;

pub use emit::{EmittedTest, emit_tests};

use crate::alerts::{AlertRef, RuleRef};
use crate::config::Config;
use crate::model::RuleFile;
use crate::model::{Rule, RuleGroup};
use crate::semantics::{Comparison, SelectorFact, Semantics};
use inputs::{Family, Kind, Level, Timeline};
use promql::{Engine, Labels};
use run::{AlertSpec, Program, Recording, RunError};
use std::collections::HashMap;

/// How the simulation is run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Every input is scraped this often; by default the policy's `scrape_interval` (of the
    /// job the inputs belong to, when `scrape_intervals` names it).
    pub scrape_interval_ms: Option<i64>,
    /// The evaluation interval of groups that do not set one (Prometheus' default: 1m).
    pub default_interval_ms: i64,
    /// Only the alerts whose name this matches are simulated (all of them still cover the
    /// others' gaps).
    pub alerts: Option<regex::Regex>,
    /// Keep each scenario's series and evaluations, for [`emit_tests`]; without it only the
    /// figures are kept (a large rule set would hold every evaluation of every scenario).
    pub keep_scenarios: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            scrape_interval_ms: None,
            default_interval_ms: 60_000,
            alerts: None,
            keep_scenarios: false,
        }
    }
}

/// What the simulation found for one alerting rule.
pub struct Simulation<'a> {
    pub rule: RuleRef<'a>,
    pub policy: &'a crate::config::Policy,
    pub outcome: Outcome,
}

/// Whether the rule could be simulated.
pub enum Outcome {
    Simulated(Box<Behaviour>),
    /// Why not, in words.
    Unsimulated(String),
}

/// How an alert behaves in each scenario. Times are milliseconds.
pub struct Behaviour {
    /// The input moved, as a selector.
    pub driver: String,
    /// What its level means (`per second` for counters, empty for gauges).
    pub unit: &'static str,
    /// The scenarios are about the input disappearing (an `absent()` alert), not a level.
    pub absence: bool,
    pub healthy: f64,
    pub unhealthy: f64,
    pub scrape_interval_ms: i64,
    pub interval_ms: i64,
    /// From the step to the first firing evaluation; `None`: it did not fire within
    /// `detection_horizon_ms`.
    pub detection_ms: Option<i64>,
    pub detection_horizon_ms: i64,
    /// From the inputs' return to health to the first evaluation without the alert firing.
    pub resolution_ms: Option<i64>,
    /// A spike of one scrape: when the alert fired after its start, if it did.
    pub spike_ms: Option<i64>,
    /// A spike of two minutes: likewise.
    pub spike_2m_ms: Option<i64>,
    /// The target stops being scraped while the alert fires: `None` for absence alerts and
    /// for alerts that never fired.
    pub gap: Option<Gap>,
    /// A counter reset in the incident: `None` unless the input moved is a counter and the
    /// alert fired.
    pub reset: Option<Reset>,
    plan: Plan,
}

/// What happens when the target stops being scraped.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// Scrapes fail (`up` is 0, the other series go stale): when the alert resolved after
    /// the gap began, if it did.
    pub down_resolves_ms: Option<i64>,
    /// The target is gone (`up` goes stale too).
    pub gone_resolves_ms: Option<i64>,
    /// Other alerts of the rule set that start firing during each kind of gap.
    pub down_covered_by: Vec<String>,
    pub gone_covered_by: Vec<String>,
}

impl Gap {
    /// The kinds of gap during which the alert resolves and no other alert fires.
    pub fn silent(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.down_resolves_ms.is_some() && self.down_covered_by.is_empty() {
            out.push("scrapes fail (`up` is 0)");
        }
        if self.gone_resolves_ms.is_some() && self.gone_covered_by.is_empty() {
            out.push("the target disappears (`up` goes away too)");
        }
        out
    }
}

/// What a counter reset in the incident does.
#[derive(Debug, Clone, PartialEq)]
pub struct Reset {
    /// When the alert stopped firing after the reset, if it did.
    pub resolves_ms: Option<i64>,
}

/// What the emitted tests replay: the inputs and their timelines in each scenario.
struct Plan {
    families: Vec<Family>,
    /// The `up` series of the target.
    up: Labels,
    files: Vec<std::path::PathBuf>,
    group_order: Vec<String>,
    scenarios: Vec<Scenario>,
}

/// One scenario: every family's timeline, how long it runs, and what the alert did.
struct Scenario {
    name: &'static str,
    what: String,
    timelines: Vec<Timeline>,
    /// The `up` series' timeline, when the scenario writes one.
    up: Option<Timeline>,
    end_ms: i64,
    steps: Vec<run::Step>,
}

/// The most samples of one input series over a simulation's longest scenario: 17 days of
/// 15-second scrapes.
const MAX_SERIES_SAMPLES: i64 = 100_000;

/// The most distinct rules replayed on one gap to see which cover it.
const MAX_COVER_REPLAYS: usize = 64;

/// The most evaluations the search for an alert's threshold may cost, recording rules'
/// included: a few seconds at worst.
const MAX_SCAN_EVALUATIONS: i64 = 200_000;

/// How a scan over [`MAX_SCAN_EVALUATIONS`] says so.
const SCAN_STOPPED: &str = "the level scan stopped";

/// The most evaluations of a scenario: a 15-day window at a 1m interval takes about 45,000.
const MAX_EVALUATIONS: i64 = 100_000;

/// The most samples of one series a window of the rule holds in a simulation.
const MAX_WINDOW_SAMPLES: i64 = 2880;

/// The most history a simulation replays: rules reading further back are not simulated.
const MAX_LOOKBACK_MS: i64 = 15 * 86_400_000;

/// The levels tried for each input, on a log scale: 0, then 1, 2 and 5 times each power of
/// ten from 10⁻⁴ to 10⁸.
fn levels() -> Vec<f64> {
    let mut v = vec![0.0];
    for e in -4..=8 {
        for m in [1.0, 2.0, 5.0] {
            v.push(m * 10f64.powi(e));
        }
    }
    v
}

/// What every alert's simulation needs to know of the others.
struct Prepared<'a, 's> {
    rule: RuleRef<'a>,
    policy: &'a crate::config::Policy,
    /// The rule's program and inputs, or why it cannot be simulated.
    ready: Result<Ready<'s>, String>,
}

struct Ready<'a> {
    program: Program<'a>,
    /// The selectors of raw series it reads (recording rules unfolded).
    leaves: Vec<&'a crate::semantics::SelectorFact<'a>>,
    /// Every selector, recorded series included.
    all: Vec<&'a crate::semantics::SelectorFact<'a>>,
    joined: Vec<&'a str>,
    /// How far back an evaluation reads, recording rules included.
    lookback_ms: i64,
    /// How far back from an evaluation the recording rules' output is read.
    recorded_window_ms: i64,
    /// The first function of the alert's expression that reads how its inputs change.
    trend: Option<&'static str>,
    semantics: &'a Semantics<'a>,
    /// Files holding the rule and the recording rules it reads.
    files: Vec<std::path::PathBuf>,
    /// Every group of those files in the order they must be evaluated at one time: those of
    /// the recording rules read (deepest first), the alert's, then the others.
    group_order: Vec<String>,
}

/// What a simulation reads: the rules, the config, every alert with its policy, and each
/// rule's analysis (`checks::Context` has them all, worked out once).
pub(crate) struct Inputs<'a, 's> {
    pub(crate) files: &'a [RuleFile],
    pub(crate) config: &'a Config,
    pub(crate) alerts: &'s [AlertRef<'a>],
    pub(crate) semantics: &'s (dyn Fn(&Rule) -> Option<&'s Semantics<'s>> + Sync),
}

/// Simulates every alerting rule (those `opts.alerts` names).
pub(crate) fn simulate<'a>(ctx: &Inputs<'a, '_>, opts: &Options) -> Vec<Simulation<'a>> {
    let alerts = ctx.alerts;
    let recorded = recorded_by_name(ctx.files);
    let prepared: Vec<Prepared> = alerts
        .iter()
        .map(|&(rule, policy)| Prepared {
            rule,
            policy,
            ready: prepare(ctx, &recorded, rule, opts),
        })
        .collect();
    // Which alerts read each metric name, for the alerts that may fire in a gap.
    let mut readers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in prepared.iter().enumerate() {
        if let Ok(r) = &p.ready {
            for s in &r.leaves {
                if let Some(m) = s.metric {
                    readers.entry(m).or_default().push(i);
                }
            }
        }
    }
    let counters = ctx.config.counter_suffixes();
    let engine = engine(opts);
    let chosen: Vec<usize> = (0..prepared.len())
        .filter(|&i| {
            opts.alerts
                .as_ref()
                .is_none_or(|re| re.is_match(prepared[i].rule.2.name()))
        })
        .collect();
    crate::parallel::map(chosen.len(), |(): &mut (), k| {
        let i = chosen[k];
        let p = &prepared[i];
        let outcome = match &p.ready {
            Err(why) => Outcome::Unsimulated(why.clone()),
            Ok(ready) => {
                match simulate_one(
                    &engine, ready, p.policy, opts, &counters, i, &prepared, &readers,
                ) {
                    Ok(b) => Outcome::Simulated(Box::new(b)),
                    Err(why) => Outcome::Unsimulated(why),
                }
            }
        };
        Simulation {
            rule: p.rule,
            policy: p.policy,
            outcome,
        }
    })
}

fn engine(opts: &Options) -> Engine {
    Engine {
        no_step_subquery_interval_ms: opts.default_interval_ms,
        ..Engine::default()
    }
}

/// The recording rules of the context by the name they record.
fn recorded_by_name(files: &[RuleFile]) -> HashMap<&str, Vec<RuleRef<'_>>> {
    let mut out: HashMap<&str, Vec<RuleRef>> = HashMap::new();
    for r in crate::alerts::rules(files) {
        if let Some(name) = &r.2.record {
            out.entry(name.value.as_str()).or_default().push(r);
        }
    }
    out
}

fn duration(s: Option<&crate::model::Str>) -> Option<i64> {
    s.and_then(|s| prometheus_time::duration::parse_duration(&s.value).ok())
}

/// The labels a rule adds: its group's, then its own.
fn rule_labels(group: &RuleGroup, rule: &Rule) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for p in group.labels.iter().chain(&rule.labels) {
        out.retain(|(k, _)| *k != p.key.value);
        out.push((p.key.value.clone(), p.value.value.clone()));
    }
    out
}

/// An alert's program and inputs, or why it cannot be simulated.
fn prepare<'a>(
    ctx: &Inputs<'_, 'a>,
    recorded: &HashMap<&'a str, Vec<RuleRef<'a>>>,
    (file, group, rule): RuleRef<'a>,
    opts: &Options,
) -> Result<Ready<'a>, String> {
    let Some(Ok(expr)) = &rule.promql else {
        return Err("the expression does not parse".to_string());
    };
    if ctx.config.dialect == crate::model::Dialect::Loki {
        return Err("LogQL expressions are not simulated".to_string());
    }
    let semantics =
        (ctx.semantics)(rule).ok_or_else(|| "the expression does not parse".to_string())?;
    let reads = crate::semantics::reads(expr);
    if let Some(f) = reads.clock {
        return Err(format!(
            "it reads the clock (`{f}()`): its result changes with the time of day, not only with the data"
        ));
    }
    if reads.pinned {
        return Err("an `@` modifier pins part of it to a fixed time".to_string());
    }
    // Unfold the recording rules it reads, each once, those read first evaluated first.
    let mut recordings: Vec<Recording<'a>> = Vec::new();
    let mut leaves = Vec::new();
    let mut all = Vec::new();
    let mut joined: Vec<&str> = reads.joined_labels.clone();
    let mut files = vec![file.source.path.clone()];
    let mut lookback = reads
        .lookback_ms
        .ok_or_else(|| "a range or offset is a duration expression".to_string())?;
    let mut seen: Vec<*const Rule> = Vec::new();
    let mut order: Vec<(RuleRef<'a>, usize)> = Vec::new();
    // How far back the recorded series must exist: as far as what reads them reads back.
    let mut recorded_window = 0;
    // Each expression with how far back from the evaluation it is read: a recording rule
    // read over `[1h]` by the alert reads its own inputs an hour further back.
    let mut stack: Vec<(&'a Semantics<'a>, usize, i64)> = vec![(semantics, 0, lookback)];
    while let Some((sem, depth, reach)) = stack.pop() {
        if depth > 16 {
            return Err("its recording rules read each other more than 16 deep".to_string());
        }
        for s in &sem.selectors {
            all.push(s);
            match s.metric.and_then(|m| recorded.get(m)) {
                None => leaves.push(s),
                Some(rules) => {
                    for &r in rules {
                        if seen.contains(&std::ptr::from_ref(r.2)) {
                            continue;
                        }
                        seen.push(std::ptr::from_ref(r.2));
                        let rsem = (ctx.semantics)(r.2).ok_or_else(|| {
                            format!("recording rule `{}` does not parse", r.2.name())
                        })?;
                        let Some(Ok(rexpr)) = &r.2.promql else {
                            return Err(format!("recording rule `{}` does not parse", r.2.name()));
                        };
                        let rreads = crate::semantics::reads(rexpr);
                        if rreads.clock.is_some() || rreads.pinned {
                            return Err(format!(
                                "recording rule `{}` reads the clock or a fixed time",
                                r.2.name()
                            ));
                        }
                        let own = rreads.lookback_ms.ok_or_else(|| {
                            format!(
                                "a range of recording rule `{}` is a duration expression",
                                r.2.name()
                            )
                        })?;
                        recorded_window = recorded_window.max(reach);
                        lookback = lookback.max(reach + own);
                        joined.extend(rreads.joined_labels.iter().copied());
                        if !files.contains(&r.0.source.path) {
                            files.push(r.0.source.path.clone());
                        }
                        order.push((r, depth + 1));
                        stack.push((rsem, depth + 1, reach + own));
                    }
                }
            }
        }
    }
    // Deepest first: a recording rule is evaluated after those it reads.
    order.sort_by_key(|(_, depth)| std::cmp::Reverse(*depth));
    let group_name = |g: &RuleGroup| g.name.as_ref().map_or(String::new(), |n| n.value.clone());
    let mut group_order: Vec<String> = Vec::new();
    for g in order
        .iter()
        .map(|((_, g, _), _)| *g)
        .chain(std::iter::once(group))
        .chain(
            ctx.files
                .iter()
                .filter(|f| files.contains(&f.source.path))
                .flat_map(|f| &f.groups),
        )
    {
        let name = group_name(g);
        if !group_order.contains(&name) {
            group_order.push(name);
        }
    }
    for ((_, g, r), _) in order {
        let Some(Ok(e)) = &r.promql else { continue };
        recordings.push(Recording {
            name: r.name(),
            expr: e,
            labels: rule_labels(g, r),
        });
    }
    if lookback > MAX_LOOKBACK_MS {
        return Err(format!(
            "it reads {} of history, more than the 15d a simulation replays",
            prometheus_time::duration::format_duration(lookback)
        ));
    }
    if leaves.is_empty() {
        return Err(
            "it reads no series (a constant expression): there is no input to move".to_string(),
        );
    }
    let interval_ms = duration(group.interval.as_ref()).unwrap_or(opts.default_interval_ms);
    let program = Program {
        recordings,
        alert: AlertSpec {
            name: rule.name(),
            expr,
            labels: rule_labels(group, rule),
            for_ms: duration(rule.for_.as_ref()).unwrap_or(0),
            keep_firing_for_ms: duration(rule.keep_firing_for.as_ref()).unwrap_or(0),
            limit: group
                .limit
                .as_ref()
                .and_then(|l| l.value.parse().ok())
                .unwrap_or(0),
        },
        interval_ms: interval_ms.max(1000),
        query_offset_ms: duration(group.query_offset.as_ref()).unwrap_or(0),
    };
    joined.sort_unstable();
    joined.dedup();
    Ok(Ready {
        program,
        leaves,
        all,
        joined,
        lookback_ms: lookback,
        recorded_window_ms: recorded_window,
        trend: reads.trend,
        semantics,
        files,
        group_order,
    })
}

/// The scrape interval of the inputs.
fn scrape_interval(opts: &Options, policy: &crate::config::Policy, families: &[Family]) -> i64 {
    if let Some(ms) = opts.scrape_interval_ms {
        return round_up(ms, 1000);
    }
    let job = families
        .iter()
        .flat_map(|f| &f.members)
        .find_map(|m| m.labels.get("job"));
    // Whole seconds: samples sit half a scrape past each multiple of it, on the half-scrape
    // steps the emitted tests write.
    round_up(
        job.and_then(|j| policy.job_scrape_intervals_ms.get(j).copied())
            .unwrap_or(policy.scrape_interval_ms),
        1000,
    )
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// `ms` rounded up to a multiple of `grid`.
fn round_up(ms: i64, grid: i64) -> i64 {
    (ms + grid - 1) / grid * grid
}

/// The replay of one alert: its inputs, grid and timings.
struct Replay<'e, 'a> {
    engine: &'e Engine,
    ready: &'e Ready<'a>,
    families: Vec<Family>,
    scrape_ms: i64,
    /// Where the step, the spikes and the other scenarios start: the inputs have been at
    /// their healthy level for longer than an evaluation reads back.
    t0_ms: i64,
    up: Labels,
    /// The level of every input not moved: the first of [`BASE_LEVELS`] at which some input
    /// crosses the condition.
    base: std::cell::Cell<f64>,
    /// The evaluations the level scan has cost so far (bounded by [`MAX_SCAN_EVALUATIONS`]).
    scan_evaluations: std::cell::Cell<i64>,
}

impl Replay<'_, '_> {
    /// The series of every family (and the target's `up`) along their timelines.
    fn series(
        &self,
        timelines: &[Timeline],
        up: Option<&Timeline>,
        end_ms: i64,
    ) -> Vec<inputs::SeriesSamples> {
        inputs::scenario_series(
            &self.families,
            timelines,
            &self.up,
            up,
            self.scrape_ms,
            end_ms,
        )
    }

    fn holds(&self, timelines: &[Timeline]) -> Result<bool, RunError> {
        let end = self.t0_ms;
        // The recording rules are evaluated at every step up to `end`, then the alert once.
        let cost = (self.ready.recorded_window_ms.min(end) / self.ready.program.interval_ms + 2)
            * self.ready.program.recordings.len() as i64
            + 1;
        let spent = self.scan_evaluations.get() + cost;
        if spent > MAX_SCAN_EVALUATIONS {
            return Err(RunError(format!(
                "{SCAN_STOPPED} after {} evaluations (its recording rules are evaluated over {} of history at each level)",
                self.scan_evaluations.get(),
                fmt_ms(self.ready.recorded_window_ms.min(end))
            )));
        }
        self.scan_evaluations.set(spent);
        let mut storage = run::storage(&self.series(timelines, None, end));
        run::holds_at(
            self.engine,
            &mut storage,
            &self.ready.program,
            end,
            self.ready.recorded_window_ms,
        )
    }

    fn replay(
        &self,
        program: &Program,
        timelines: &[Timeline],
        up: Option<&Timeline>,
        end_ms: i64,
    ) -> Result<Vec<run::Step>, RunError> {
        let mut storage = run::storage(&self.series(timelines, up, end_ms));
        run::run(self.engine, &mut storage, program, end_ms)
    }

    /// Every family at its base level but `driver`, along `driver_timeline`.
    fn timelines(&self, driver: usize, driver_timeline: Timeline) -> Vec<Timeline> {
        (0..self.families.len())
            .map(|i| {
                if i == driver {
                    driver_timeline.clone()
                } else {
                    Timeline::constant(self.base.get())
                }
            })
            .collect()
    }
}

/// Functions of a range that need two samples in it to return anything.
const TWO_SAMPLE_FUNCTIONS: &[&str] = &[
    "rate",
    "irate",
    "increase",
    "delta",
    "idelta",
    "deriv",
    "predict_linear",
];

/// The levels tried for every input not moved, in turn: 1 first (a gauge of 1, a counter
/// growing 1/s), then 0 (`== 0` guards, `unless ... == 1` exclusions) and 2 (`!= 1` guards,
/// `> 1` conditions on another input).
const BASE_LEVELS: [f64; 3] = [1.0, 0.0, 2.0];

/// How far past the threshold "just past" is: 5% of the level where the condition changes.
const PAST_THRESHOLD: f64 = 0.05;

/// One input's levels: where the alert's condition is false, and just past where it
/// becomes true.
struct Crossing {
    driver: usize,
    healthy: f64,
    unhealthy: f64,
}

#[allow(clippy::too_many_arguments)]
fn simulate_one(
    engine: &Engine,
    ready: &Ready,
    policy: &crate::config::Policy,
    opts: &Options,
    counters: &[String],
    me: usize,
    prepared: &[Prepared],
    readers: &HashMap<&str, Vec<usize>>,
) -> Result<Behaviour, String> {
    let condition = &ready.semantics.condition;
    let absence = condition.comparisons.is_empty()
        && matches!(
            condition.presence,
            Some(crate::semantics::Presence::Absent(_))
        );
    if condition
        .comparisons
        .iter()
        .all(|c: &Comparison| !c.filters())
        && !absence
    {
        return Err(
            "it has no comparison that drops series: it fires whenever its selectors match, so there is no threshold to cross"
                .to_string(),
        );
    }
    let families =
        inputs::families(&ready.leaves, &ready.all, &ready.joined, counters).map_err(|e| e.0)?;
    let scrape_ms = scrape_interval(opts, policy, &families);
    // A week's window at 15s is forty thousand samples read at every one of twenty thousand
    // evaluations: past [`MAX_WINDOW_SAMPLES`], inputs are scraped less often (the interval
    // used is reported), unless that would leave a shorter window of the rule too few samples.
    let scrape_ms = if ready.lookback_ms / scrape_ms > MAX_WINDOW_SAMPLES {
        let coarse = round_up(ready.lookback_ms / MAX_WINDOW_SAMPLES, 1000);
        let shortest = ready.leaves.iter().filter_map(|s| s.range?.ms).min();
        if shortest.is_some_and(|r| r < 4 * coarse) {
            return Err(format!(
                "it reads both {} and {} windows: a scrape interval that the short one needs \
                 makes the long one too costly to replay",
                fmt_ms(ready.lookback_ms),
                fmt_ms(shortest.unwrap_or(0))
            ));
        }
        coarse
    } else {
        scrape_ms
    };
    let p = &ready.program;
    let grid_ms = scrape_ms / gcd(scrape_ms, p.interval_ms) * p.interval_ms;
    let t0_ms = round_up(
        ready.lookback_ms + 2 * scrape_ms.max(p.interval_ms),
        grid_ms,
    );
    let up = target_up(&families);
    let replay = Replay {
        engine,
        ready,
        families,
        scrape_ms,
        t0_ms,
        up,
        base: std::cell::Cell::new(BASE_LEVELS[0]),
        scan_evaluations: std::cell::Cell::new(0),
    };
    let a = &p.alert;
    let settle = ready.lookback_ms + a.for_ms + a.keep_firing_for_ms + 10 * p.interval_ms;
    let detection_horizon_ms = round_up(settle + 600_000, grid_ms);
    // The longest scenario (a gap after the step) bounds the samples each series holds: a
    // group evaluated yearly would otherwise replay two years of one-minute scrapes.
    let span_ms = t0_ms + 2 * detection_horizon_ms + ready.lookback_ms + 3_600_000;
    let samples = span_ms / scrape_ms;
    if samples > MAX_SERIES_SAMPLES {
        return Err(format!(
            "its scenarios would span {} (an evaluation every {}, {} of history), {samples} scrapes \
             of each input at {}: more than the {MAX_SERIES_SAMPLES} a simulation writes",
            fmt_ms(span_ms),
            fmt_ms(p.interval_ms),
            fmt_ms(ready.lookback_ms),
            fmt_ms(scrape_ms)
        ));
    }
    // The step scenario is the longest: its evaluations bound the work of every scenario.
    let evaluations = (t0_ms + 2 * detection_horizon_ms) / p.interval_ms;
    if evaluations > MAX_EVALUATIONS {
        return Err(format!(
            "a scenario would take {evaluations} evaluations (every {} over {} of history and \
             {} of `for`/`keep_firing_for`), more than the {MAX_EVALUATIONS} a simulation runs",
            fmt_ms(p.interval_ms),
            fmt_ms(ready.lookback_ms),
            fmt_ms(a.for_ms + a.keep_firing_for_ms)
        ));
    }
    let crossing = if absence {
        Crossing {
            driver: usize::MAX,
            healthy: BASE_LEVELS[0],
            unhealthy: f64::NAN,
        }
    } else {
        find_crossing(&replay)?
    };
    let moved = |level: f64| -> Level {
        if absence {
            Level::Gone
        } else {
            Level::At(level)
        }
    };
    let timelines_with = |stretches: Vec<(i64, Level)>| -> Vec<Timeline> {
        if absence {
            vec![Timeline(stretches); replay.families.len()]
        } else {
            replay.timelines(crossing.driver, Timeline(stretches))
        }
    };
    let healthy = Level::At(crossing.healthy);
    let mut scenarios = Vec::new();

    // Step.
    let t1 = t0_ms + detection_horizon_ms;
    let end = t1 + round_up(settle + 600_000, grid_ms);
    let step = timelines_with(vec![
        (0, healthy),
        (t0_ms, moved(crossing.unhealthy)),
        (t1, healthy),
    ]);
    let steps = replay.replay(p, &step, None, end).map_err(|e| e.0)?;
    // Right before the step, every window has seen only the healthy level (evaluations
    // before the first scrapes may fire an `absent()` alert: they are not the steady state).
    if steps
        .iter()
        .rev()
        .find(|s| s.t_ms < t0_ms)
        .is_some_and(|s| !s.firing.is_empty())
    {
        return Err("it fires at the healthy level too, before anything moves".to_string());
    }
    let first_firing = |steps: &[run::Step], from: i64| {
        steps
            .iter()
            .find(|s| s.t_ms >= from && !s.firing.is_empty())
            .map(|s| s.t_ms - from)
    };
    let first_quiet = |steps: &[run::Step], from: i64| {
        steps
            .iter()
            .find(|s| s.t_ms >= from && s.firing.is_empty())
            .map(|s| s.t_ms - from)
    };
    let detection_ms = first_firing(&steps[..], t0_ms).filter(|&d| d < detection_horizon_ms);
    let resolution_ms = detection_ms.and_then(|_| first_quiet(&steps[..], t1));
    scenarios.push(Scenario {
        name: "step",
        what: if absence {
            format!("the inputs disappear at {}", fmt_ms(t0_ms))
        } else {
            format!(
                "{} moves from {} to {} at {} and back at {}",
                replay.families[crossing.driver].text,
                crossing.healthy,
                crossing.unhealthy,
                fmt_ms(t0_ms),
                fmt_ms(t1)
            )
        },
        timelines: step.clone(),
        up: None,
        end_ms: end,
        steps,
    });

    // Spikes: one scrape, then two minutes.
    let spike_end = t0_ms + round_up(settle, grid_ms);
    let mut spike = |len_ms: i64, name: &'static str| -> Result<Option<i64>, String> {
        let tl = timelines_with(vec![
            (0, healthy),
            (t0_ms, moved(crossing.unhealthy)),
            (t0_ms + len_ms, healthy),
        ]);
        let steps = replay.replay(p, &tl, None, spike_end).map_err(|e| e.0)?;
        let fired = first_firing(&steps[..], t0_ms);
        scenarios.push(Scenario {
            name,
            what: format!("a spike of {} at {}", fmt_ms(len_ms), fmt_ms(t0_ms)),
            timelines: tl,
            up: None,
            end_ms: spike_end,
            steps,
        });
        Ok(fired)
    };
    let spike_ms = spike(scrape_ms, "spike")?;
    let spike_2m_ms = spike(120_000.max(scrape_ms), "spike-2m")?;

    // Gap and reset: only once the alert fires.
    let mut gap = None;
    let mut reset = None;
    if let (Some(detected), false) = (detection_ms, absence) {
        let t_gap = round_up(t0_ms + detected + p.interval_ms, grid_ms);
        let gap_end = t_gap
            + round_up(
                ready.lookback_ms + a.keep_firing_for_ms + 3_600_000,
                grid_ms,
            );
        let gone = |tl: &Timeline| {
            let mut v: Vec<(i64, Level)> =
                tl.0.iter()
                    .copied()
                    .filter(|(from, _)| *from < t_gap)
                    .collect();
            v.push((t_gap, Level::Gone));
            Timeline(v)
        };
        // The gap cuts the step scenario short.
        let during = &step;
        let gap_timelines: Vec<Timeline> = during.iter().map(gone).collect();
        // `up` is 1 until the gap, or as the scenario moved it when the rule reads it.
        let up_before = replay
            .families
            .iter()
            .position(|f| f.members.iter().any(|m| m.labels == replay.up))
            .map_or_else(|| Timeline::constant(1.0), |i| during[i].clone());
        let until_gap = |then: Level| {
            let mut v: Vec<(i64, Level)> = up_before
                .0
                .iter()
                .copied()
                .filter(|(from, _)| *from < t_gap)
                .collect();
            v.push((t_gap, then));
            Timeline(v)
        };
        let up_down = until_gap(Level::At(0.0));
        let up_gone = until_gap(Level::Gone);
        let mut outcome = Gap {
            down_resolves_ms: None,
            gone_resolves_ms: None,
            down_covered_by: Vec::new(),
            gone_covered_by: Vec::new(),
        };
        for (variant, up_tl) in [("gap-down", &up_down), ("gap-gone", &up_gone)] {
            let steps = replay
                .replay(p, &gap_timelines, Some(up_tl), gap_end)
                .map_err(|e| e.0)?;
            let resolves = first_quiet(&steps[..], t_gap);
            let series = replay.series(&gap_timelines, Some(up_tl), gap_end);
            let mut covered = Vec::new();
            // The alert itself may fire for the gap under other labels (`x < 1 or
            // absent(x)`): then it covers it.
            if fires_anew(&steps, t_gap) {
                covered.push(a.name.to_string());
            }
            covered.extend(covering_alerts(
                engine, me, prepared, readers, &series, t_gap, gap_end,
            ));
            if variant == "gap-down" {
                outcome.down_resolves_ms = resolves;
                outcome.down_covered_by = covered;
            } else {
                outcome.gone_resolves_ms = resolves;
                outcome.gone_covered_by = covered;
            }
            scenarios.push(Scenario {
                name: variant,
                what: if variant == "gap-down" {
                    format!("scrapes fail from {} (`up` is 0)", fmt_ms(t_gap))
                } else {
                    format!("the target disappears at {}", fmt_ms(t_gap))
                },
                timelines: gap_timelines.clone(),
                up: Some(up_tl.clone()),
                end_ms: gap_end,
                steps,
            });
        }
        gap = Some(outcome);
        if replay.families[crossing.driver].kind != Kind::Gauge {
            let t_reset = round_up(t0_ms + detected + ready.lookback_ms / 2, grid_ms);
            let reset_end = t_reset + round_up(settle, grid_ms);
            let tl = replay.timelines(
                crossing.driver,
                Timeline(vec![
                    (0, healthy),
                    (t0_ms, Level::At(crossing.unhealthy)),
                    (t_reset, Level::Reset(crossing.unhealthy)),
                ]),
            );
            let steps = replay.replay(p, &tl, None, reset_end).map_err(|e| e.0)?;
            reset = Some(Reset {
                resolves_ms: first_quiet(&steps[..], t_reset),
            });
            scenarios.push(Scenario {
                name: "reset",
                what: format!("the counter restarts from zero at {}", fmt_ms(t_reset)),
                timelines: tl,
                up: None,
                end_ms: reset_end,
                steps,
            });
        }
    }
    let driver_family = (!absence).then(|| &replay.families[crossing.driver]);
    Ok(Behaviour {
        driver: match driver_family {
            Some(f) => f.text.clone(),
            None => replay
                .families
                .iter()
                .map(|f| f.text.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        },
        unit: driver_family.map_or("", |f| f.kind.unit()),
        absence,
        healthy: crossing.healthy,
        unhealthy: crossing.unhealthy,
        scrape_interval_ms: scrape_ms,
        interval_ms: p.interval_ms,
        detection_ms,
        detection_horizon_ms,
        resolution_ms,
        spike_ms,
        spike_2m_ms,
        gap,
        reset,
        plan: Plan {
            families: replay.families.clone(),
            up: replay.up.clone(),
            files: ready.files.clone(),
            group_order: ready.group_order.clone(),
            scenarios: if opts.keep_scenarios {
                scenarios
            } else {
                Vec::new()
            },
        },
    })
}

/// The `up` series of the target the inputs are scraped from: the one the rule reads when
/// it reads one, else one with the labels every input series carries (the target's labels,
/// as relabelling gives them to every series of a target).
fn target_up(families: &[Family]) -> Labels {
    let members = || families.iter().flat_map(|f| &f.members);
    if let Some(m) = members().find(|m| m.labels.metric_name() == Some("up")) {
        return m.labels.clone();
    }
    let mut common: Vec<(String, String)> = members()
        .next()
        .map(|m| {
            m.labels
                .iter()
                .filter(|(k, _)| *k != "__name__" && *k != "le")
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default();
    for m in members() {
        common.retain(|(k, v)| m.labels.get(k) == Some(v.as_str()));
    }
    Labels::from_pairs(
        common
            .into_iter()
            .chain([("__name__".to_string(), "up".to_string())]),
    )
}

/// The input whose level makes the condition change, and the levels on each side: the
/// first input (in the order of the text) for which some level on the log scale holds and
/// another does not, with the others at one of [`BASE_LEVELS`] (the first that gives one).
fn find_crossing(replay: &Replay) -> Result<Crossing, String> {
    let levels = levels();
    let mut any_error = None;
    // Other base levels cannot help an input compared with its own past: with only the
    // first, such a rule (`x - avg_over_time(x[7d])`, often over recording rules) is not
    // scanned three times over a week of history for nothing.
    let bases = if compares_with_own_past(&replay.ready.all).is_some() {
        &BASE_LEVELS[..1]
    } else {
        &BASE_LEVELS[..]
    };
    let attempts = bases
        .iter()
        .flat_map(|&base| (0..replay.families.len()).map(move |d| (base, d)));
    for (base, driver) in attempts {
        replay.base.set(base);
        let holds = |level: f64| replay.holds(&replay.timelines(driver, Timeline::constant(level)));
        // Up the scale until the condition changes: levels past the first change are not
        // needed.
        let mut truth: Vec<bool> = Vec::with_capacity(levels.len());
        let mut change = None;
        for (k, &l) in levels.iter().enumerate() {
            match holds(l) {
                Ok(t) => truth.push(t),
                Err(e) => {
                    any_error = Some(e.0);
                    break;
                }
            }
            if k > 0 && truth[k] != truth[k - 1] {
                change = Some(k - 1);
                break;
            }
        }
        let Some(i) = change else {
            continue;
        };
        let rising = !truth[i];
        // Narrow the change down: `lo` keeps truth[i], `hi` truth[i + 1].
        let (mut lo, mut hi) = (levels[i], levels[i + 1]);
        for _ in 0..12 {
            let mid = if lo > 0.0 {
                (lo * hi).sqrt()
            } else {
                hi / 16.0
            };
            match holds(mid) {
                Ok(t) if t == truth[i] => lo = mid,
                Ok(_) => hi = mid,
                Err(e) => return Err(e.0),
            }
        }
        let holds_ok = |l: f64| holds(l).unwrap_or(false);
        // Just past the change, rounded away from it to three significant digits so that
        // reports and emitted tests show `0.0211`, not `0.021001174477749383`.
        let past = |l: f64, up: bool| {
            let past = l * if up {
                1.0 + PAST_THRESHOLD
            } else {
                1.0 - PAST_THRESHOLD
            };
            let rounded = round_significant(past, up);
            [rounded, past, l]
                .into_iter()
                .find(|&v| holds_ok(v))
                .unwrap_or(l)
        };
        let (healthy, unhealthy) = if rising {
            // Below the change is healthy: from nothing at all. A change at 0 itself (`> 0`)
            // has no "just past": the first level of the scale is.
            (
                0.0,
                if lo == 0.0 {
                    levels[i + 1]
                } else {
                    past(hi, true)
                },
            )
        } else {
            let unhealthy = past(lo, false);
            // Above the change is healthy: 1 when it is well clear of it (up, ratios),
            // else the first level on the scale at twice the change or more.
            let healthy = if 2.0 * hi <= 1.0 && !holds_ok(1.0) {
                1.0
            } else {
                levels
                    .iter()
                    .copied()
                    .filter(|&l| l >= 2.0 * hi)
                    .take(8)
                    .find(|&l| !holds_ok(l))
                    .unwrap_or(hi)
            };
            (healthy, unhealthy)
        };
        return Ok(Crossing {
            driver,
            healthy,
            unhealthy,
        });
    }
    let over_budget = replay.scan_evaluations.get() > 0
        && any_error
            .as_deref()
            .is_some_and(|e| e.starts_with(SCAN_STOPPED));
    if let (Some(e), false) = (&any_error, over_budget) {
        return Err(format!("the evaluation fails: {e}"));
    }
    let trend = replay
        .ready
        .trend
        .map(|f| {
            format!(" It reads how its inputs change (`{f}()`), which steady levels do not show.")
        })
        .unwrap_or_default();
    let history = compares_with_own_past(&replay.ready.all);
    let history = history
        .map(|m| {
            format!(" It compares `{m}` with its own past, which a level held steady never moves.")
        })
        .unwrap_or_default();
    // A window that holds fewer than two scrapes: `rate()` and its kin return nothing.
    let short = replay
        .ready
        .leaves
        .iter()
        .filter_map(|s| Some((s.function?, s.range?.ms?)))
        .filter(|(f, _)| TWO_SAMPLE_FUNCTIONS.contains(f))
        .find(|&(_, ms)| ms < 2 * replay.scrape_ms)
        .map(|(f, ms)| {
            format!(
                " Its `{f}()` window of {} holds fewer than two scrapes at a {} scrape interval, so it returns nothing (set `policy.scrape_interval`, or `--scrape-interval`, if targets are scraped more often).",
                fmt_ms(ms),
                fmt_ms(replay.scrape_ms)
            )
        })
        .unwrap_or_default();
    if let (true, Some(e)) = (over_budget, any_error) {
        return Err(format!(
            "{e}, no level tried having made the condition change.{trend}{history}{short}"
        ));
    }
    Err(format!(
        "no steady level of any input between 0 and 5e8 (the others at 1, 0 or 2) makes the condition change.{trend}{history}{short}"
    ))
}

/// `v` rounded to three significant digits, up or down.
fn round_significant(v: f64, up: bool) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return v;
    }
    // Powers of ten are exact as floats; dividing by one (or multiplying by one) gives the
    // float nearest the rounded decimal, which its shortest text reads back to.
    let k = 2 - v.log10().floor() as i32;
    let step = |x: f64| if up { x.ceil() } else { x.floor() };
    if k >= 0 {
        let p = 10f64.powi(k);
        step(v * p) / p
    } else {
        let p = 10f64.powi(-k);
        step(v / p) * p
    }
}

/// The metric a selector reads now and another over a window or an offset: the condition
/// compares an input with its own past, which a level held steady never moves.
fn compares_with_own_past<'a>(all: &[&SelectorFact<'a>]) -> Option<&'a str> {
    all.iter().enumerate().find_map(|(i, a)| {
        let m = a.metric?;
        all[i + 1..]
            .iter()
            .any(|b| b.metric == Some(m) && b.range.map(|r| r.ms) != a.range.map(|r| r.ms))
            .then_some(m)
    })
}

/// The other alerts of the rule set that start firing during a gap: those reading the
/// series of the scenario (found by metric name, then by their selectors), replayed on it.
fn covering_alerts(
    engine: &Engine,
    me: usize,
    prepared: &[Prepared],
    readers: &HashMap<&str, Vec<usize>>,
    series: &[inputs::SeriesSamples],
    t_gap: i64,
    end_ms: i64,
) -> Vec<String> {
    let mut candidates: Vec<usize> = series
        .iter()
        .filter_map(|(l, _)| readers.get(l.metric_name()?))
        .flatten()
        .copied()
        .filter(|&i| i != me)
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    let mut out = Vec::new();
    // Rules alike (same expression, `for`, `keep_firing_for`, grid) fire alike: each is
    // replayed once. Past [`MAX_COVER_REPLAYS`] distinct ones, the others are not tried, so
    // that a set of thousands of `up` alerts stays linear.
    let mut replayed: HashMap<(&str, i64, i64, i64, i64), bool> = HashMap::new();
    for i in candidates {
        let Ok(r) = &prepared[i].ready else { continue };
        let reads_these = r
            .leaves
            .iter()
            .any(|s| series.iter().any(|(l, _)| inputs::selects(s, l)));
        if !reads_these {
            continue;
        }
        let p = &r.program;
        let key = (
            prepared[i]
                .rule
                .2
                .expr
                .as_ref()
                .map_or("", |e| e.value.as_str()),
            p.alert.for_ms,
            p.alert.keep_firing_for_ms,
            p.interval_ms,
            p.query_offset_ms,
        );
        let fires = match replayed.get(&key) {
            Some(&fires) => fires,
            None if replayed.len() >= MAX_COVER_REPLAYS => continue,
            None => {
                // An alert that covers a gap fires within its `for` and what it reads back of
                // the gap's start, plus the hour a gap lasts here: replayed that far only.
                let until = end_ms.min(t_gap + p.alert.for_ms + r.lookback_ms + 3_600_000);
                let mut storage = run::storage(series);
                let fires = run::run(engine, &mut storage, p, until)
                    .is_ok_and(|steps| fires_anew(&steps, t_gap));
                replayed.insert(key, fires);
                fires
            }
        };
        if fires {
            let name = p.alert.name.to_string();
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// Whether an alert fires after `t_gap` with labels that were not firing at it.
fn fires_anew(steps: &[run::Step], t_gap: i64) -> bool {
    let at_gap: Vec<&Labels> = steps
        .iter()
        .rev()
        .find(|s| s.t_ms <= t_gap)
        .map(|s| s.firing.iter().map(|f| &f.labels).collect())
        .unwrap_or_default();
    steps
        .iter()
        .filter(|s| s.t_ms > t_gap)
        .flat_map(|s| &s.firing)
        .any(|f| !at_gap.contains(&&f.labels))
}

/// A duration as Prometheus writes it (`5m`, `1h30m`, `0s`).
pub fn fmt_ms(ms: i64) -> String {
    prometheus_time::duration::format_duration(ms)
}

/// The tier an alert belongs to, by its severity label.
pub(crate) fn tier<'p>(sim: &Simulation<'p>) -> Option<&'p crate::config::Tier> {
    let (_, group, rule) = sim.rule;
    let severity = rule.effective_label(group, &sim.policy.severity_label)?;
    sim.policy.tier(&severity.value.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_away_from_the_change() {
        assert_eq!(round_significant(0.021_001_174, true), 0.0211);
        assert_eq!(round_significant(1050.04, true), 1060.0);
        assert_eq!(round_significant(0.0949, false), 0.0949);
        assert_eq!(round_significant(0.094_99, false), 0.0949);
        assert_eq!(round_significant(0.0, true), 0.0);
        // The shortest text of each reads back to it: what emitted tests write.
        assert_eq!(
            format!("{}", round_significant(0.021_001_174, true)),
            "0.0211"
        );
    }

    #[test]
    fn the_target_up_carries_the_labels_every_input_shares() {
        let family = |labels: &[(&str, &str)]| Family {
            kind: Kind::Gauge,
            members: vec![inputs::Member::value(Labels::from_pairs(
                labels.iter().copied(),
            ))],
            text: String::new(),
        };
        let up = target_up(&[
            family(&[
                ("__name__", "a"),
                ("job", "j"),
                ("instance", "i"),
                ("code", "500"),
            ]),
            family(&[("__name__", "b"), ("job", "j"), ("instance", "i")]),
        ]);
        assert_eq!(
            up,
            Labels::from_pairs([("__name__", "up"), ("instance", "i"), ("job", "j")])
        );
        // The rule's own `up` is the target's.
        let own = [("__name__", "up"), ("job", "j"), ("model", "m")];
        assert_eq!(
            target_up(&[family(&[("__name__", "b"), ("job", "j")]), family(&own)]),
            Labels::from_pairs(own)
        );
    }
}
