//! Which notifications Alertmanager would have sent for a history of alerts: the dispatcher's
//! aggregation groups (`dispatch/dispatch.go`), inhibition (`inhibit/inhibit.go`) and the
//! notification log's deduplication (`notify/dedup_stage.go`), replayed as a discrete-event
//! simulation. `alertlint backtest --alertmanager` counts pages with it.
//!
//! What is modelled, as Alertmanager does it:
//!
//! - Routing: an alert goes to every route [`Alertmanager::route_labels`] finds (`continue`).
//! - Aggregation groups: one per route and value of the route's `group_by` labels (`...`: all
//!   labels; labels an alert lacks are left out of its group's labels, as `getGroupLabels`
//!   does). A group is created by its first alert and flushes `group_wait` later, then every
//!   `group_interval` on that grid (the timer is reset before each flush, so the grid does not
//!   drift). A resolved alert stays in its group until the next flush, which deletes it; a
//!   group left without alerts is destroyed, and the next alert of its labels creates a new
//!   one, waiting `group_wait` again.
//! - Inhibition, at flush time (the `MuteStage` before deduplication): an alert is muted while
//!   some firing alert matches an inhibit rule's source matchers, the muted one its target
//!   matchers, and both have the same values (missing: empty) of the rule's `equal` labels; an
//!   alert matching both sides is not muted by sources that also match both. Muted alerts are
//!   left out of the notification; a flush all of whose alerts are muted sends nothing.
//! - Deduplication (`needsUpdate`), against the last notification of the group to the
//!   receiver, which outlives the group: the first notification with a firing alert; one when
//!   an alert fires that the last one did not report firing; one when every alert resolved
//!   (logged always, sent only if the receiver sends resolved notifications); one when an
//!   alert resolved, if it sends resolved notifications; else a repeat once the last
//!   notification is more than `repeat_interval` old, so repeats land on the `group_interval`
//!   grid, on the first flush strictly after `repeat_interval` has passed.
//!
//! What is simplified:
//!
//! - An alert is in Alertmanager exactly from `fired_at_ms` to `resolved_at_ms`: Prometheus'
//!   re-sending every `resend_delay`, `endsAt` extrapolation and network delays are ignored.
//!   Events at the same millisecond are applied before flushes at it.
//! - Deduplication is per receiver, not per integration: `send_resolved` is taken as true when
//!   any of the receiver's paging integrations (else any of its integrations) sends resolved
//!   notifications. A receiver without integrations (or not defined) sends nothing and is
//!   left out.
//! - The inhibitor here looks at every firing source alert with the same `equal` values;
//!   Alertmanager indexes one per value (the one resolving last), which differs where sources
//!   that match both sides are excluded, and where `endsAt` estimates mislead it.
//! - `mute_time_intervals`, `active_time_intervals` and silences are not modelled (alerts
//!   notify at any time of day); nor are failed notifications and their retries, cluster
//!   peers' `peer_timeout` waits, the notification log's retention (Alertmanager forgets an
//!   entry after `--data.retention`, 120h by default; here entries are kept) and the limit on
//!   aggregation groups.
//! - Alerts that fired before `start_ms` are replayed from when they fired, so that their groups'
//!   timers and the notification log are right inside the window; only notifications in
//!   `[start_ms, end_ms)` are returned. Alerts firing at `end_ms` are left firing; a flush due at
//!   or after `end_ms` is not simulated (it had not happened by then).
//!
//! Cost: the alert events are sorted once; flushes that cannot notify (nothing changed in the
//! group and no repeat due) are skipped, and repeats before the window with no alert event
//! between them are logged at once, so the simulation does work per alert event, per group
//! it touches (its own, and those holding alerts it may inhibit), and per notification, each
//! with a heap operation. Notifications are capped at [`MAX_NOTIFICATIONS`].

use super::matcher::{self, LabelSet};
use super::{Alertmanager, Timing, path_name};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

/// At most this many notifications are simulated; a config that repeats every few
/// milliseconds would otherwise fill memory. [`Notifications::truncated`] says it was reached.
pub const MAX_NOTIFICATIONS: usize = 1_000_000;

/// One alert's firing: its labels (including `alertname`) from when it fired to when it
/// resolved (`None`: still firing at the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiringAlert {
    pub labels: LabelSet,
    pub fired_at_ms: i64,
    pub resolved_at_ms: Option<i64>,
}

/// Why a notification was sent (`notify.NotifyReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// The group's first notification with firing alerts (or the first after all resolved).
    First,
    /// An alert fires that the last notification did not report firing.
    NewAlerts,
    /// An alert resolved (sent to receivers that send resolved notifications).
    NewResolved,
    /// Every alert of the group resolved.
    AllResolved,
    /// Nothing changed and `repeat_interval` has passed since the last notification.
    Repeat,
}

impl Reason {
    /// Whether a notification for this reason pages: it reports a new firing alert or repeats
    /// firing ones. Resolved notifications close incidents; they wake nobody.
    pub fn pages(self) -> bool {
        matches!(self, Reason::First | Reason::NewAlerts | Reason::Repeat)
    }
}

/// An aggregation group: a route and the values of its `group_by` labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertGroup {
    /// Child indices from the root route (see [`path_name`]).
    pub route_path: Vec<usize>,
    pub receiver: String,
    /// The alert labels the route groups by.
    pub labels: LabelSet,
}

impl AlertGroup {
    /// `route.routes[1]{team="ml"}`: the route and the group's labels.
    pub fn key(&self) -> String {
        let labels: Vec<String> = self
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        format!("{}{{{}}}", path_name(&self.route_path), labels.join(","))
    }
}

/// One notification sent to a receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Index into [`Notifications::groups`].
    pub group: usize,
    pub at_ms: i64,
    pub reason: Reason,
    /// The firing alerts it reports (muted ones left out), as indices into the alerts given
    /// to [`notifications`]; of a label set that fired several times, its latest firing.
    pub firing: Vec<usize>,
    /// The alerts that made it be sent: those newly firing for [`Reason::NewAlerts`], all
    /// firing ones for [`Reason::First`] and [`Reason::Repeat`], none for resolutions.
    pub causes: Vec<usize>,
    /// How many resolved alerts it reports.
    pub resolved: usize,
}

/// The simulation's outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notifications {
    /// Every aggregation group that notified or might have, in order of creation.
    pub groups: Vec<AlertGroup>,
    /// In time order (then by group).
    pub sent: Vec<Notification>,
    /// [`MAX_NOTIFICATIONS`] was reached: the simulation stopped there.
    pub truncated: bool,
}

impl Notifications {
    pub fn receiver(&self, n: &Notification) -> &str {
        self.groups.get(n.group).map_or("", |g| g.receiver.as_str())
    }

    /// The notifications that page: to a receiver with a paging integration
    /// ([`Alertmanager::pages`]), for a reason that pages ([`Reason::pages`]).
    pub fn pages<'s>(
        &'s self,
        am: &Alertmanager,
    ) -> impl Iterator<Item = &'s Notification> + use<'s> {
        let paging: Vec<bool> = self.groups.iter().map(|g| am.pages(&g.receiver)).collect();
        self.sent
            .iter()
            .filter(move |n| n.reason.pages() && paging.get(n.group).copied().unwrap_or(false))
    }
}

/// Pages of one receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverPages {
    pub receiver: String,
    pub pages: usize,
    /// Pages each alert name caused ([`Notification::causes`]); a page caused by alerts of two
    /// names counts for both.
    pub by_alertname: BTreeMap<String, usize>,
}

/// Pages per paging receiver, by receiver name.
pub fn pages_by_receiver(
    am: &Alertmanager,
    notifications: &Notifications,
    alerts: &[FiringAlert],
) -> Vec<ReceiverPages> {
    let mut by_receiver: BTreeMap<&str, ReceiverPages> = BTreeMap::new();
    for n in notifications.pages(am) {
        let receiver = notifications.receiver(n);
        let entry = by_receiver
            .entry(receiver)
            .or_insert_with(|| ReceiverPages {
                receiver: receiver.to_string(),
                pages: 0,
                by_alertname: BTreeMap::new(),
            });
        entry.pages += 1;
        let names: BTreeSet<&str> = n
            .causes
            .iter()
            .filter_map(|&i| alerts.get(i)?.labels.get("alertname"))
            .map(String::as_str)
            .collect();
        for name in names {
            *entry.by_alertname.entry(name.to_string()).or_default() += 1;
        }
    }
    by_receiver.into_values().collect()
}

/// The notification log's entry of a group for its receiver (`nflogpb.Entry`).
struct LogEntry {
    at_ms: i64,
    firing: BTreeSet<usize>,
    resolved: BTreeSet<usize>,
}

/// A group's state: its current instance (while `alive`) and its notification log entry,
/// which outlives instances as Alertmanager's does.
struct Group {
    timing: Timing,
    send_resolved: bool,
    /// The label sets (series) in the current instance, firing or resolved since the last
    /// flush.
    members: BTreeSet<usize>,
    alive: bool,
    /// The current instance's first flush: the origin of its `group_interval` grid.
    first_flush_ms: i64,
    /// The flush in the queue; earlier queue entries for the group are stale.
    scheduled_ms: Option<i64>,
    log: Option<LogEntry>,
}

impl Group {
    /// The first flush of the current instance at or after `t`.
    fn flush_at_or_after(&self, t: i64) -> i64 {
        if t <= self.first_flush_ms {
            return self.first_flush_ms;
        }
        // In i128: the distance between two i64 times may not fit an i64.
        let origin = i128::from(self.first_flush_ms);
        let interval = i128::from(self.timing.group_interval_ms.max(1));
        let steps = (i128::from(t) - origin + interval - 1) / interval;
        i64::try_from(origin + steps * interval).unwrap_or(i64::MAX)
    }
}

/// What an inhibit rule makes of one label set.
struct InhibitRole {
    rule: usize,
    /// Index of the label set's `equal` values among the rule's.
    key: usize,
    source: bool,
    target: bool,
}

/// A distinct label set among the alerts.
struct Series {
    /// Firing intervals open now (overlapping firings of one label set are merged).
    open: u32,
    /// The latest firing's index in the input.
    latest: usize,
    /// Its groups, resolved at its first firing.
    groups: Option<Vec<usize>>,
    inhibit: Vec<InhibitRole>,
}

/// Firing sources of an inhibit rule with one set of `equal` values.
#[derive(Default)]
struct Sources {
    firing: u32,
    /// Of which also match the rule's target.
    firing_both: u32,
    /// Groups that have held a target alert with these values: their flushes may change when
    /// the sources do.
    watchers: BTreeSet<usize>,
}

impl Sources {
    /// Whether they mute a target alert that does (`both`) or does not match the source too.
    fn mute(&self, both: bool) -> bool {
        if both {
            self.firing > self.firing_both
        } else {
            self.firing > 0
        }
    }
}

struct Simulation<'a> {
    am: &'a Alertmanager,
    alerts: &'a [FiringAlert],
    start_ms: i64,
    series: Vec<Series>,
    /// Per inhibit rule: the sources by index of `equal` values.
    sources: Vec<Vec<Sources>>,
    equal_index: Vec<HashMap<Vec<String>, usize>>,
    groups: Vec<Group>,
    group_index: HashMap<(Vec<usize>, LabelSet), usize>,
    every_flush: bool,
    /// When the next alert event is (`i64::MAX`: none left).
    next_event_ms: i64,
    out: Notifications,
    queue: BinaryHeap<Reverse<(i64, usize)>>,
}

/// The notifications Alertmanager would send for these alerts, in `[start_ms, end_ms)`.
///
/// ```ignore
/// let sent = notifications(&am, &alerts, start_ms, end_ms);
/// let pages = sent.pages(&am).count();
/// for r in pages_by_receiver(&am, &sent, &alerts) {
///     println!("{}: {} pages ({:?})", r.receiver, r.pages, r.by_alertname);
/// }
/// ```
pub fn notifications(
    am: &Alertmanager,
    alerts: &[FiringAlert],
    start_ms: i64,
    end_ms: i64,
) -> Notifications {
    simulate(am, alerts, start_ms, end_ms, false)
}

/// [`notifications`]; `every_flush` simulates every flush of every group rather than only
/// those that may notify (the tests check both find the same).
fn simulate(
    am: &Alertmanager,
    alerts: &[FiringAlert],
    start_ms: i64,
    end_ms: i64,
    every_flush: bool,
) -> Notifications {
    // (time, fire before resolve at one time, alert): fires first, so that a firing that
    // resolves the instant it fires is opened before it is closed.
    let mut events: Vec<(i64, u8, usize)> = Vec::with_capacity(alerts.len() * 2);
    let mut series_of: HashMap<&LabelSet, usize> = HashMap::new();
    let mut alert_series = Vec::with_capacity(alerts.len());
    let mut sim = Simulation {
        am,
        alerts,
        start_ms,
        series: Vec::new(),
        sources: am.inhibit_rules.iter().map(|_| Vec::new()).collect(),
        equal_index: vec![HashMap::new(); am.inhibit_rules.len()],
        groups: Vec::new(),
        group_index: HashMap::new(),
        every_flush,
        next_event_ms: i64::MAX,
        out: Notifications::default(),
        queue: BinaryHeap::new(),
    };
    for (i, a) in alerts.iter().enumerate() {
        let next = sim.series.len();
        let s = *series_of.entry(&a.labels).or_insert(next);
        if s == next {
            let inhibit = sim.inhibit_roles(&a.labels);
            sim.series.push(Series {
                open: 0,
                latest: i,
                groups: None,
                inhibit,
            });
        }
        alert_series.push(s);
        let resolved = a.resolved_at_ms.filter(|&r| r < end_ms);
        if a.fired_at_ms >= end_ms || resolved.is_some_and(|r| r < a.fired_at_ms) {
            continue;
        }
        events.push((a.fired_at_ms, 0, i));
        if let Some(r) = resolved {
            events.push((r, 1, i));
        }
    }
    events.sort_unstable();

    let mut next_event = 0;
    loop {
        let event = events.get(next_event);
        let flush = sim.queue.peek().map(|Reverse(f)| *f);
        match (event, flush) {
            (Some(&(t, kind, alert)), flush) if flush.is_none_or(|(ft, _)| t <= ft) => {
                next_event += 1;
                let s = alert_series[alert];
                if kind == 0 {
                    sim.fire(s, alert, t);
                } else {
                    sim.resolve(s, t);
                }
            }
            (_, Some((t, g))) if t < end_ms => {
                sim.queue.pop();
                sim.next_event_ms = event.map_or(i64::MAX, |e| e.0);
                if sim.groups[g].alive && sim.groups[g].scheduled_ms == Some(t) {
                    sim.groups[g].scheduled_ms = None;
                    sim.flush(g, t);
                    if sim.out.sent.len() >= MAX_NOTIFICATIONS {
                        sim.out.truncated = true;
                        break;
                    }
                }
            }
            _ => break,
        }
    }
    sim.out
}

impl Simulation<'_> {
    fn inhibit_roles(&mut self, labels: &LabelSet) -> Vec<InhibitRole> {
        let mut roles = Vec::new();
        for (rule, r) in self.am.inhibit_rules.iter().enumerate() {
            let source = matcher::all_match(&r.source, labels);
            let target = matcher::all_match(&r.target, labels);
            if !source && !target {
                continue;
            }
            let values: Vec<String> = r
                .equal
                .iter()
                .flatten()
                .map(|name| labels.get(&name.value).cloned().unwrap_or_default())
                .collect();
            let next = self.sources[rule].len();
            let key = *self.equal_index[rule].entry(values).or_insert(next);
            if key == next {
                self.sources[rule].push(Sources::default());
            }
            roles.push(InhibitRole {
                rule,
                key,
                source,
                target,
            });
        }
        roles
    }

    /// The groups of a label set: one per route it reaches whose receiver can notify.
    fn groups_of(&mut self, s: usize, alert: usize) -> Vec<usize> {
        if let Some(groups) = &self.series[s].groups {
            return groups.clone();
        }
        let labels = &self.alerts[alert].labels;
        let mut groups = Vec::new();
        for m in self.am.route_labels(labels) {
            let Some(send_resolved) = sends_resolved(self.am, m.receiver_name()) else {
                continue;
            };
            let group_labels: LabelSet = if m.group_by.iter().any(|l| l == "...") {
                labels.clone()
            } else {
                m.group_by
                    .iter()
                    .filter_map(|l| labels.get_key_value(l))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            };
            let key = (m.path.clone(), group_labels);
            let next = self.groups.len();
            let g = *self.group_index.entry(key.clone()).or_insert(next);
            if g == next {
                self.out.groups.push(AlertGroup {
                    route_path: key.0,
                    receiver: m.receiver_name().to_string(),
                    labels: key.1,
                });
                self.groups.push(Group {
                    timing: m.timing,
                    send_resolved,
                    members: BTreeSet::new(),
                    alive: false,
                    first_flush_ms: 0,
                    scheduled_ms: None,
                    log: None,
                });
            }
            groups.push(g);
        }
        self.series[s].groups = Some(groups.clone());
        groups
    }

    fn schedule(&mut self, g: usize, t: i64) {
        let group = &mut self.groups[g];
        if group.scheduled_ms.is_none_or(|s| t < s) {
            group.scheduled_ms = Some(t);
            self.queue.push(Reverse((t, g)));
        }
    }

    /// Something the group's next flush looks at changed at `t`.
    fn changed(&mut self, g: usize, t: i64) {
        if self.groups[g].alive {
            let at = self.groups[g].flush_at_or_after(t);
            self.schedule(g, at);
        }
    }

    fn fire(&mut self, s: usize, alert: usize, t: i64) {
        self.series[s].latest = alert;
        self.series[s].open += 1;
        if self.series[s].open > 1 {
            return;
        }
        for g in self.groups_of(s, alert) {
            let group = &mut self.groups[g];
            if !group.alive {
                group.alive = true;
                group.first_flush_ms = t.saturating_add(group.timing.group_wait_ms.max(0));
                group.members.clear();
            }
            group.members.insert(s);
            for role in self.series[s].inhibit.iter().filter(|r| r.target) {
                self.sources[role.rule][role.key].watchers.insert(g);
            }
            self.changed(g, t);
        }
        self.sources_changed(s, t, true);
    }

    fn resolve(&mut self, s: usize, t: i64) {
        self.series[s].open = self.series[s].open.saturating_sub(1);
        if self.series[s].open > 0 {
            return;
        }
        for g in self.series[s].groups.clone().unwrap_or_default() {
            if self.groups[g].members.contains(&s) {
                self.changed(g, t);
            }
        }
        self.sources_changed(s, t, false);
    }

    /// A label set started or stopped firing: update the rules it is a source of, and mark
    /// the groups whose alerts that may mute or unmute.
    fn sources_changed(&mut self, s: usize, t: i64, firing: bool) {
        let mut touched = BTreeSet::new();
        for role in self.series[s].inhibit.iter().filter(|r| r.source) {
            let sources = &mut self.sources[role.rule][role.key];
            let before = (sources.mute(false), sources.mute(true));
            let step = |n: &mut u32| {
                *n = if firing {
                    n.saturating_add(1)
                } else {
                    n.saturating_sub(1)
                };
            };
            step(&mut sources.firing);
            if role.target {
                step(&mut sources.firing_both);
            }
            if before != (sources.mute(false), sources.mute(true)) {
                touched.extend(sources.watchers.iter().copied());
            }
        }
        for g in touched {
            self.changed(g, t);
        }
    }

    fn muted(&self, s: usize) -> bool {
        self.series[s]
            .inhibit
            .iter()
            .filter(|r| r.target)
            .any(|r| self.sources[r.rule][r.key].mute(r.source))
    }

    /// A flush of group `g` at `t` (`aggrGroup.flush` through the notification pipeline).
    fn flush(&mut self, g: usize, t: i64) {
        let mut firing = BTreeSet::new();
        let mut resolved = BTreeSet::new();
        let mut resolved_all = Vec::new();
        for &s in &self.groups[g].members {
            let is_firing = self.series[s].open > 0;
            if !is_firing {
                resolved_all.push(s);
            }
            if self.muted(s) {
                continue;
            }
            if is_firing {
                firing.insert(s);
            } else {
                resolved.insert(s);
            }
        }
        // A pipeline left without alerts by the mute stage stops before deduplication.
        if !firing.is_empty() || !resolved.is_empty() {
            self.deduplicate(g, t, &firing, resolved);
        }
        let group = &mut self.groups[g];
        for s in resolved_all {
            group.members.remove(&s);
        }
        if group.members.is_empty() {
            group.alive = false;
            return;
        }
        if self.every_flush {
            let next = t.saturating_add(group.timing.group_interval_ms.max(1));
            self.schedule(g, next);
            return;
        }
        // Until something changes, the group's firing alerts stay these (and resolved ones
        // are gone): its next notification is a repeat, if any firing alert is not muted.
        if firing.is_empty() {
            return;
        }
        let repeat_due = group
            .log
            .as_ref()
            .map(|e| {
                let after = e
                    .at_ms
                    .saturating_add(group.timing.repeat_interval_ms.max(0));
                group.flush_at_or_after(after.saturating_add(1))
            })
            .filter(|&r| r > t);
        if let Some(r) = repeat_due {
            let r = self.skip_unseen_repeats(g, r, firing);
            self.schedule(g, r);
        }
    }

    /// Repeats due at `r` and every period after, of a group whose firing alerts are `firing`:
    /// those before the window that no alert event can come between are not simulated one by
    /// one (an alert firing for years before the window would cost a flush per
    /// `repeat_interval`), but logged at once. The next repeat to simulate.
    fn skip_unseen_repeats(&mut self, g: usize, r: i64, firing: BTreeSet<usize>) -> i64 {
        let horizon = self.start_ms.min(self.next_event_ms);
        let group = &mut self.groups[g];
        let interval = i128::from(group.timing.group_interval_ms.max(1));
        // A repeat is due on the first flush more than `repeat_interval` after the last.
        let period = (i128::from(group.timing.repeat_interval_ms.max(0)) / interval + 1) * interval;
        if r >= horizon {
            return r;
        }
        // Repeats due before the horizon: r, r + period, …
        let before = (i128::from(horizon) - 1 - i128::from(r)) / period + 1;
        if before < 2 {
            return r;
        }
        let at = |k: i128| i64::try_from(i128::from(r) + k * period).unwrap_or(i64::MAX);
        group.log = Some(LogEntry {
            at_ms: at(before - 2),
            firing,
            resolved: BTreeSet::new(),
        });
        at(before - 1)
    }

    /// `DedupStage.needsUpdate`, then the notification (if the receiver is sent one) and the
    /// log entry.
    fn deduplicate(
        &mut self,
        g: usize,
        t: i64,
        firing: &BTreeSet<usize>,
        resolved: BTreeSet<usize>,
    ) {
        let group = &self.groups[g];
        let reason = match &group.log {
            None if firing.is_empty() => return,
            None => Reason::First,
            Some(e) if !firing.is_subset(&e.firing) => {
                if e.firing.is_empty() {
                    Reason::First
                } else {
                    Reason::NewAlerts
                }
            }
            Some(e) if firing.is_empty() => {
                if e.firing.is_empty() {
                    return;
                }
                Reason::AllResolved
            }
            Some(e) if group.send_resolved && !resolved.is_subset(&e.resolved) => {
                Reason::NewResolved
            }
            Some(e) if e.at_ms < t.saturating_sub(group.timing.repeat_interval_ms) => {
                Reason::Repeat
            }
            Some(_) => return,
        };
        // Without `send_resolved`, a notification of resolved alerts only is logged, not sent.
        let sent = !firing.is_empty() || group.send_resolved;
        if sent && t >= self.start_ms {
            let latest = |s: &usize| self.series[*s].latest;
            let mut firing_alerts: Vec<usize> = firing.iter().map(latest).collect();
            firing_alerts.sort_unstable();
            let mut causes: Vec<usize> = match (reason, &group.log) {
                (Reason::NewAlerts, Some(e)) => firing.difference(&e.firing).map(latest).collect(),
                (Reason::First | Reason::Repeat, _) => firing_alerts.clone(),
                _ => Vec::new(),
            };
            causes.sort_unstable();
            self.out.sent.push(Notification {
                group: g,
                at_ms: t,
                reason,
                firing: firing_alerts,
                causes,
                resolved: if group.send_resolved {
                    resolved.len()
                } else {
                    0
                },
            });
        }
        self.groups[g].log = Some(LogEntry {
            at_ms: t,
            firing: firing.clone(),
            resolved,
        });
    }
}

/// Whether a receiver is taken to send resolved notifications (see the module's notes), or
/// `None` when it sends nothing at all.
fn sends_resolved(am: &Alertmanager, receiver: &str) -> Option<bool> {
    let integrations = &am.receiver(receiver)?.integrations;
    if integrations.is_empty() {
        return None;
    }
    let paging = am.paging_integrations(receiver);
    Some(if paging.is_empty() {
        integrations.iter().any(super::Integration::sends_resolved)
    } else {
        paging.iter().any(|i| i.sends_resolved())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alertlint_diagnostics::source::SourceFile;

    const S: i64 = 1_000;
    const M: i64 = 60 * S;
    const H: i64 = 60 * M;
    const DAY: i64 = 24 * H;

    fn am(text: &str) -> Alertmanager {
        match Alertmanager::parse(&SourceFile::new("am.yml", text.to_string())) {
            Ok(a) => a,
            Err(e) => panic!("{:?}", e.iter().map(|d| &d.message).collect::<Vec<_>>()),
        }
    }

    fn alert(
        labels: &[(&str, &str)],
        fired_at_ms: i64,
        resolved_at_ms: Option<i64>,
    ) -> FiringAlert {
        FiringAlert {
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            fired_at_ms,
            resolved_at_ms,
        }
    }

    /// (receiver, time, reason, alerts reported firing) of each notification.
    fn sent(n: &Notifications) -> Vec<(&str, i64, Reason, Vec<usize>)> {
        n.sent
            .iter()
            .map(|x| (n.receiver(x), x.at_ms, x.reason, x.firing.clone()))
            .collect()
    }

    const PAGER: &str = r"
route:
  receiver: pager
  group_by: [alertname]
receivers:
  - name: pager
    pagerduty_configs: [{routing_key: x}]
";

    #[test]
    fn an_alert_firing_ten_minutes_pages_once() {
        let am = am(PAGER);
        let alerts = [alert(&[("alertname", "Down")], 0, Some(10 * M))];
        let n = notifications(&am, &alerts, 0, DAY);
        // Flushes at 30s, 5m30s, 10m30s: the first reports it, the third its resolution.
        assert_eq!(
            sent(&n),
            [
                ("pager", 30 * S, Reason::First, vec![0]),
                ("pager", 10 * M + 30 * S, Reason::AllResolved, vec![]),
            ]
        );
        assert_eq!(n.pages(&am).count(), 1);
    }

    #[test]
    fn an_alert_shorter_than_group_wait_sends_nothing() {
        let am = am(PAGER);
        let alerts = [alert(&[("alertname", "Blip")], 0, Some(20 * S))];
        assert!(notifications(&am, &alerts, 0, DAY).sent.is_empty());
    }

    #[test]
    fn a_second_alert_of_a_group_waits_for_the_next_group_interval() {
        let am = am(PAGER);
        let a = |instance, at| alert(&[("alertname", "Down"), ("instance", instance)], at, None);
        // The second after the first flush: its own notification a group_interval later.
        let n = notifications(&am, &[a("a", 0), a("b", M)], 0, H);
        assert_eq!(
            sent(&n),
            [
                ("pager", 30 * S, Reason::First, vec![0]),
                ("pager", 5 * M + 30 * S, Reason::NewAlerts, vec![0, 1]),
            ]
        );
        assert_eq!(n.sent[1].causes, [1]);
        // The second before the first flush: one notification for both.
        let n = notifications(&am, &[a("a", 0), a("b", 10 * S)], 0, H);
        assert_eq!(sent(&n), [("pager", 30 * S, Reason::First, vec![0, 1])]);
    }

    #[test]
    fn repeats_land_on_the_group_interval_grid_after_repeat_interval() {
        let am = am(PAGER);
        let alerts = [alert(&[("alertname", "Down")], 0, Some(9 * H))];
        let n = notifications(&am, &alerts, 0, DAY);
        // 30s + 4h is a flush, but not more than 4h after the notification: the next one is.
        assert_eq!(
            sent(&n),
            [
                ("pager", 30 * S, Reason::First, vec![0]),
                ("pager", 4 * H + 5 * M + 30 * S, Reason::Repeat, vec![0]),
                ("pager", 8 * H + 10 * M + 30 * S, Reason::Repeat, vec![0]),
                ("pager", 9 * H + 30 * S, Reason::AllResolved, vec![]),
            ]
        );
        assert_eq!(n.pages(&am).count(), 3);
    }

    #[test]
    fn route_timing_is_inherited() {
        let am = am(r"
route:
  receiver: pager
  group_by: [alertname]
  group_wait: 1m
  repeat_interval: 1h
  routes:
    - matchers: [team=a]
      group_interval: 10m
receivers:
  - name: pager
    pagerduty_configs: [{routing_key: x}]
");
        let alerts = [alert(&[("alertname", "Down"), ("team", "a")], 0, None)];
        let n = notifications(&am, &alerts, 0, 3 * H);
        let times: Vec<i64> = n.sent.iter().map(|x| x.at_ms).collect();
        // First at 1m; repeats on the 10m grid strictly after 1h: 1h11m, 2h21m.
        assert_eq!(times, [M, H + 11 * M, 2 * H + 21 * M]);
    }

    #[test]
    fn a_critical_alert_inhibits_warnings_of_its_cluster_while_it_fires() {
        let am = am(r"
route:
  receiver: pager
  group_by: [alertname, cluster]
receivers:
  - name: pager
    pagerduty_configs: [{routing_key: x}]
inhibit_rules:
  - source_matchers: [severity=critical]
    target_matchers: [severity=warning]
    equal: [cluster]
");
        let alerts = [
            alert(
                &[
                    ("alertname", "Down"),
                    ("severity", "critical"),
                    ("cluster", "c1"),
                ],
                0,
                Some(H),
            ),
            alert(
                &[
                    ("alertname", "Slow"),
                    ("severity", "warning"),
                    ("cluster", "c1"),
                ],
                0,
                Some(2 * H),
            ),
            alert(
                &[
                    ("alertname", "Slow"),
                    ("severity", "warning"),
                    ("cluster", "c2"),
                ],
                0,
                Some(2 * H),
            ),
        ];
        let n = notifications(&am, &alerts, 0, DAY);
        // Each alert is alone in its group (by alertname and cluster).
        let of = |alert: usize| -> Vec<(i64, Reason)> {
            let labels = &alerts[alert].labels;
            n.sent
                .iter()
                .filter(|x| {
                    let group = &n.groups[x.group].labels;
                    group.get("alertname") == labels.get("alertname")
                        && group.get("cluster") == labels.get("cluster")
                })
                .map(|x| (x.at_ms, x.reason))
                .collect()
        };
        assert_eq!(
            of(0),
            [(30 * S, Reason::First), (H + 30 * S, Reason::AllResolved)]
        );
        // Muted until the critical resolves at 1h: first notified on the next flush.
        assert_eq!(
            of(1),
            [
                (H + 30 * S, Reason::First),
                (2 * H + 30 * S, Reason::AllResolved)
            ]
        );
        // Another cluster: not muted.
        assert_eq!(
            of(2),
            [
                (30 * S, Reason::First),
                (2 * H + 30 * S, Reason::AllResolved)
            ]
        );
    }

    #[test]
    fn an_alert_matching_both_sides_is_not_muted_by_itself() {
        let am = am(r"
route:
  receiver: pager
receivers:
  - name: pager
    pagerduty_configs: [{routing_key: x}]
inhibit_rules:
  - source_matchers: [severity=~critical|warning]
    target_matchers: [severity=~critical|warning]
");
        let alerts = [alert(
            &[("alertname", "Down"), ("severity", "critical")],
            0,
            None,
        )];
        let n = notifications(&am, &alerts, 0, H);
        assert_eq!(sent(&n), [("pager", 30 * S, Reason::First, vec![0])]);
    }

    #[test]
    fn continue_notifies_each_matching_receiver() {
        let am = am(r"
route:
  receiver: default
  routes:
    - matchers: [team=a]
      receiver: a-pager
      continue: true
    - matchers: [team=a]
      receiver: a-slack
receivers:
  - name: default
  - name: a-pager
    pagerduty_configs: [{routing_key: x}]
  - name: a-slack
    slack_configs: [{channel: '#a'}]
");
        let alerts = [alert(&[("alertname", "Down"), ("team", "a")], 0, Some(H))];
        let n = notifications(&am, &alerts, 0, DAY);
        assert_eq!(
            sent(&n),
            [
                ("a-pager", 30 * S, Reason::First, vec![0]),
                ("a-slack", 30 * S, Reason::First, vec![0]),
                // Slack does not send resolved notifications by default.
                ("a-pager", H + 30 * S, Reason::AllResolved, vec![]),
            ]
        );
        assert_eq!(n.pages(&am).count(), 1);
        let pages = pages_by_receiver(&am, &n, &alerts);
        assert_eq!(pages.len(), 1);
        assert_eq!(pages[0].receiver, "a-pager");
        assert_eq!(pages[0].by_alertname, [("Down".to_string(), 1)].into());
    }

    #[test]
    fn group_by_all_labels_makes_a_group_per_label_set() {
        let am = am(r"
route:
  receiver: pager
  group_by: ['...']
receivers:
  - name: pager
    pagerduty_configs: [{routing_key: x}]
");
        let a = |instance, at| alert(&[("alertname", "Down"), ("instance", instance)], at, None);
        let n = notifications(&am, &[a("a", 0), a("b", M)], 0, H);
        assert_eq!(
            sent(&n),
            [
                ("pager", 30 * S, Reason::First, vec![0]),
                ("pager", M + 30 * S, Reason::First, vec![1]),
            ]
        );
        assert_eq!(n.groups.len(), 2);
        assert_eq!(n.groups[1].key(), r#"route{alertname="Down",instance="b"}"#);
    }

    #[test]
    fn without_send_resolved_resolutions_are_logged_not_sent() {
        let am = am(r"
route:
  receiver: pager
  group_by: [alertname]
  repeat_interval: 1h
receivers:
  - name: pager
    pagerduty_configs: [{routing_key: x, send_resolved: false}]
");
        let a = |instance, resolved| {
            alert(
                &[("alertname", "Down"), ("instance", instance)],
                0,
                resolved,
            )
        };
        let n = notifications(&am, &[a("a", Some(20 * M)), a("b", Some(2 * H))], 0, DAY);
        // The resolution of `a` does not move the repeat: 1h5m30s is the first flush more
        // than 1h after 30s. Nothing is sent when `b` resolves.
        assert_eq!(
            sent(&n),
            [
                ("pager", 30 * S, Reason::First, vec![0, 1]),
                ("pager", H + 5 * M + 30 * S, Reason::Repeat, vec![1]),
            ]
        );
    }

    #[test]
    fn with_send_resolved_a_resolution_delays_the_repeat() {
        let am = am(r"
route:
  receiver: pager
  group_by: [alertname]
  repeat_interval: 1h
receivers:
  - name: pager
    pagerduty_configs: [{routing_key: x}]
");
        let a = |instance, resolved| {
            alert(
                &[("alertname", "Down"), ("instance", instance)],
                0,
                resolved,
            )
        };
        let n = notifications(&am, &[a("a", Some(20 * M)), a("b", None)], 0, 2 * H);
        assert_eq!(
            sent(&n),
            [
                ("pager", 30 * S, Reason::First, vec![0, 1]),
                ("pager", 20 * M + 30 * S, Reason::NewResolved, vec![1]),
                ("pager", H + 25 * M + 30 * S, Reason::Repeat, vec![1]),
            ]
        );
        assert_eq!(n.sent[1].resolved, 1);
        assert_eq!(n.pages(&am).count(), 2);
    }

    #[test]
    fn an_alert_firing_before_the_window_pages_only_its_repeats_inside() {
        let am = am(PAGER);
        let alerts = [alert(&[("alertname", "Down")], -5 * H, None)];
        let n = notifications(&am, &alerts, 0, 4 * H);
        // Notified at -4h59m30s and -54m30s (before the window), then 3h10m30s.
        assert_eq!(
            sent(&n),
            [("pager", 3 * H + 10 * M + 30 * S, Reason::Repeat, vec![0])]
        );
    }

    #[test]
    fn flushes_due_at_the_end_are_not_simulated() {
        let am = am(PAGER);
        let alerts = [alert(&[("alertname", "Down")], H - 10 * S, None)];
        assert!(notifications(&am, &alerts, 0, H).sent.is_empty());
        assert_eq!(notifications(&am, &alerts, 0, H + 21 * S).sent.len(), 1);
    }

    #[test]
    fn a_group_recreated_after_resolving_waits_group_wait_again() {
        let am = am(PAGER);
        let alerts = [
            alert(&[("alertname", "Down")], 0, Some(M)),
            alert(&[("alertname", "Down")], 20 * M, None),
        ];
        let n = notifications(&am, &alerts, 0, H);
        assert_eq!(
            sent(&n),
            [
                ("pager", 30 * S, Reason::First, vec![0]),
                ("pager", 5 * M + 30 * S, Reason::AllResolved, vec![]),
                ("pager", 20 * M + 30 * S, Reason::First, vec![1]),
            ]
        );
    }

    #[test]
    fn receivers_without_integrations_send_nothing() {
        let am = am("route: {receiver: nobody}\nreceivers: [{name: nobody}]");
        let alerts = [alert(&[("alertname", "Down")], 0, None)];
        let n = notifications(&am, &alerts, 0, H);
        assert!(n.sent.is_empty() && n.groups.is_empty());
    }

    const RANDOM_CONFIG: &str = r"
route:
  receiver: pager
  group_by: [alertname]
  group_wait: 10s
  group_interval: 1m
  repeat_interval: 7m
  routes:
    - matchers: [team=a]
      receiver: a-pager
      continue: true
      group_by: ['...']
    - matchers: [team=~a|b]
      receiver: slack
      group_wait: 0s
      group_interval: 2m
      repeat_interval: 3m
receivers:
  - name: pager
    pagerduty_configs: [{routing_key: x}]
  - name: a-pager
    opsgenie_configs: [{api_key: x, send_resolved: false}]
  - name: slack
    slack_configs: [{channel: '#x'}]
inhibit_rules:
  - source_matchers: [severity=critical]
    target_matchers: [severity=warning]
    equal: [team]
  - source_matchers: [alertname=A]
    target_matchers: [alertname=~A|B]
";

    fn random_alerts() -> impl proptest::strategy::Strategy<Value = Vec<FiringAlert>> {
        use proptest::prelude::*;
        let one = (
            prop_oneof![Just("A"), Just("B"), Just("C")],
            prop_oneof![Just("a"), Just("b"), Just("")],
            prop_oneof![Just("critical"), Just("warning")],
            0..3u8,
            -20 * M..60 * M,
            prop::option::of(0..40 * M),
        )
            .prop_map(|(name, team, severity, instance, fired, length)| {
                let mut labels = vec![("alertname", name), ("severity", severity)];
                if !team.is_empty() {
                    labels.push(("team", team));
                }
                let instance = instance.to_string();
                labels.push(("instance", &instance));
                alert(&labels, fired, length.map(|l| fired + l))
            });
        prop::collection::vec(one, 0..16)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Skipping the flushes that cannot notify finds what flushing every group every
        /// group_interval finds; times are in the window and ordered; pages have causes.
        #[test]
        fn skipping_idle_flushes_changes_nothing(alerts in random_alerts(), start in -10 * M..10 * M, length in 0..90 * M) {
            let am = am(RANDOM_CONFIG);
            let end = start + length;
            let lazy = notifications(&am, &alerts, start, end);
            let eager = simulate(&am, &alerts, start, end, true);
            proptest::prop_assert_eq!(&lazy, &eager);
            proptest::prop_assert!(!lazy.truncated);
            let mut last = i64::MIN;
            for n in &lazy.sent {
                proptest::prop_assert!(start <= n.at_ms && n.at_ms < end, "{} not in [{start}, {end})", n.at_ms);
                proptest::prop_assert!(last <= n.at_ms);
                last = n.at_ms;
                if n.reason.pages() {
                    proptest::prop_assert!(!n.causes.is_empty());
                }
            }
        }
    }

    /// Hostile input: times at the ends of i64, resolved before fired, one label set firing
    /// twice at once.
    #[test]
    fn extreme_times_do_not_panic() {
        let am = am(RANDOM_CONFIG);
        let a = |at, resolved| alert(&[("alertname", "A"), ("team", "a")], at, resolved);
        let alerts = [
            a(i64::MIN, None),
            a(i64::MAX - 1, None),
            a(10, Some(5)),
            a(0, Some(H)),
            a(M, Some(2 * H)),
            a(i64::MIN + 1, Some(i64::MAX)),
        ];
        for (start, end) in [(i64::MIN, i64::MAX), (0, H), (i64::MAX, i64::MIN)] {
            let n = notifications(&am, &alerts, start, end);
            assert!(n.sent.iter().all(|x| start <= x.at_ms && x.at_ms < end));
            // Repeats from the beginning of time to its end: the cap stops them.
            assert_eq!(n.truncated, start == i64::MIN);
        }
    }
}
