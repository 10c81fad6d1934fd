//! The one list of checks, and what names them: [`CheckId`], sets of checks ([`CheckSet`]) and
//! the patterns configs and suppression comments write (`alert/owner`, `alert/*`). Below the
//! config, the suppressions and the checks, which all name checks; the checks module expands
//! the same list into its modules and metadata ([`with_every_check`]), so a check is
//! registered in one place.

/// Calls `$then!` with every check as `Variant: module,` in report order. The module is the
/// check's file under `checks/`, named after its id (`alert/for` → `alert_for`, dashes as
/// underscores). Adding a check is one line here.
macro_rules! with_every_check {
    ($then:ident) => {
        $then! {
            YamlSyntax: yaml_syntax,
            YamlDuplicateKey: yaml_duplicate_key,
            SchemaUnknownField: schema_unknown_field,
            SchemaType: schema_type,
            GroupName: group_name,
            RuleKind: rule_kind,
            RuleExpr: rule_expr,
            RuleName: rule_name,
            RuleLabels: rule_labels,
            RuleDuration: rule_duration,
            RuleRecordingFields: rule_recording_fields,
            RuleDuplicate: rule_duplicate,
            RuleDependency: rule_dependency,
            PromqlSyntax: promql_syntax,
            PromqlExperimental: promql_experimental,
            PromqlImpossible: promql_impossible,
            PromqlCounter: promql_counter,
            PromqlRate: promql_rate,
            PromqlRange: promql_range,
            PromqlFragile: promql_fragile,
            PromqlRegexp: promql_regexp,
            TemplateSyntax: template_syntax,
            TemplateLabels: template_labels,
            TemplateValueInLabels: template_value_in_labels,
            AlertRunbook: alert_runbook,
            AlertSeverity: alert_severity,
            AlertFor: alert_for,
            AlertCondition: alert_condition,
            AlertContext: alert_context,
            AlertOwner: alert_owner,
            AlertDashboard: alert_dashboard,
            RouteUnrouted: route_unrouted,
            RouteTemplated: route_templated,
            RouteOwner: route_owner,
            RoutePaging: route_paging,
            RouteReceiver: route_receiver,
            RouteShadowed: route_shadowed,
            InhibitUnmatched: inhibit_unmatched,
            InhibitSelf: inhibit_self,
            InhibitEqual: inhibit_equal,
            RunbookMissing: runbook_missing,
            RunbookTemplated: runbook_templated,
            RunbookUnverifiable: runbook_unverifiable,
            RunbookOrphan: runbook_orphan,
            RunbookSections: runbook_sections,
            RunbookMismatch: runbook_mismatch,
            RunbookStale: runbook_stale,
            RunbookActionable: runbook_actionable,
            RunbookLinks: runbook_links,
            SuppressionInvalid: suppression_invalid,
            SuppressionUnused: suppression_unused,
            BaselineFixed: baseline_fixed,
            BacktestQueryError: backtest_query_error,
            BacktestPagesOverBudget: backtest_pages_over_budget,
            BacktestFlapping: backtest_flapping,
            BacktestAlwaysFiring: backtest_always_firing,
            BacktestLabelChurn: backtest_label_churn,
            BacktestNeverFired: backtest_never_fired,
            BehaviourSlowDetection: behaviour_slow_detection,
            BehaviourSpikePages: behaviour_spike_pages,
            BehaviourSilentOnGap: behaviour_silent_on_gap,
            BehaviourUnsimulated: behaviour_unsimulated,
        }
    };
}
pub(crate) use with_every_check;

macro_rules! check_ids {
    ($($variant:ident: $module:ident,)*) => {
        /// A check. Config keys, suppression comments and diagnostics' ids are resolved to
        /// these once; an id that names no check never gets this far.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum CheckId {
            $($variant,)*
        }

        impl CheckId {
            /// Every check, in report order.
            pub const ALL: &'static [CheckId] = &[$(CheckId::$variant,)*];
            pub const COUNT: usize = Self::ALL.len();

            /// The name of the check's source file, without `.rs`.
            pub const fn module(self) -> &'static str {
                match self {
                    $(CheckId::$variant => stringify!($module),)*
                }
            }
        }
    };
}

with_every_check!(check_ids);

/// Every check's id, from its module's name (`rule_recording_fields` → `rule/recording-fields`):
/// worked out once, with the table config keys, suppression comments and diagnostics are
/// looked up in. (`checks` tests that each check's own `id` is this one.)
static IDS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    CheckId::ALL
        .iter()
        .map(|c| {
            let (family, name) = c.module().split_once('_').unwrap_or((c.module(), ""));
            &*Box::leak(format!("{family}/{}", name.replace('_', "-")).into_boxed_str())
        })
        .collect()
});

/// The check of each id.
static BY_ID: std::sync::LazyLock<std::collections::HashMap<&'static str, CheckId>> =
    std::sync::LazyLock::new(|| CheckId::ALL.iter().map(|&c| (c.id(), c)).collect());

impl CheckId {
    /// The check's id as reports and configs write it (`alert/owner`).
    pub fn id(self) -> &'static str {
        IDS[self as usize]
    }

    /// The check an id names; `None` for anything else, families (`alert/*`) included.
    pub fn from_id(id: &str) -> Option<CheckId> {
        BY_ID.get(id).copied()
    }

    /// The family of the check (`alert` for `alert/owner`).
    pub fn family(self) -> &'static str {
        self.id().split_once('/').map_or(self.id(), |(f, _)| f)
    }
}

// A CheckSet is one bit per check.
const _: () = assert!(
    CheckId::COUNT <= 128,
    "more than 128 checks: make CheckSet wider"
);

/// A set of checks: what a family pattern (`alert/*`) or a list of ids stands for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CheckSet(u128);

impl CheckSet {
    pub fn of(id: CheckId) -> CheckSet {
        CheckSet(1 << id as u32)
    }

    pub fn contains(self, id: CheckId) -> bool {
        self.0 & (1 << id as u32) != 0
    }

    pub fn insert(&mut self, id: CheckId) {
        self.0 |= 1 << id as u32;
    }

    pub fn union(self, other: CheckSet) -> CheckSet {
        CheckSet(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The checks in the set, in report order.
    pub fn iter(self) -> impl Iterator<Item = CheckId> {
        CheckId::ALL
            .iter()
            .copied()
            .filter(move |&c| self.contains(c))
    }

    /// What a check id or a family (`alert/owner`, `alert/*`), as written in a config or a
    /// suppression comment, stands for; `None` when it names no check or no family.
    pub fn parse(pattern: &str) -> Option<CheckSet> {
        match pattern.strip_suffix("/*") {
            Some(family) => {
                let mut set = CheckSet::default();
                for &c in CheckId::ALL.iter().filter(|c| c.family() == family) {
                    set.insert(c);
                }
                (!set.is_empty()).then_some(set)
            }
            None => CheckId::from_id(pattern).map(CheckSet::of),
        }
    }
}

/// The check id or family pattern most likely meant by one that names nothing.
pub(crate) fn closest_pattern(pattern: &str) -> Option<String> {
    let mut known: Vec<String> = CheckId::ALL.iter().map(|c| c.id().to_string()).collect();
    for c in CheckId::ALL {
        let family = format!("{}/*", c.family());
        if !known.contains(&family) {
            known.push(family);
        }
    }
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    crate::suggest::closest(pattern, &known).map(str::to_string)
}

/// The words after an unknown check id or family in a message: the likely one, or where the
/// list is.
pub fn unknown_pattern_hint(pattern: &str) -> String {
    match closest_pattern(pattern) {
        Some(s) => format!("; did you mean `{s}`?"),
        None => " (see `alertlint checks`)".to_string(),
    }
}
