//! Which Prometheus `alertlint test` behaves as: 3.x by default, or 2.x (`--prometheus-version
//! 2`, or `2.N` for a given minor release), and the changes between them that it models, each
//! one a [`Difference`] that can be switched back on its own. Unit-test suites written for
//! Prometheus 2.x fail under 3.x where 3.0 (or a late 2.x release) changed what they test;
//! The `explain` module finds which change a failing test needs undone.

use std::fmt;
use std::str::FromStr;

/// A change in Prometheus' evaluation, its grammar or promtool's unit testing that 2.x
/// suites run into, named after what it changed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Difference {
    /// 2.49 (prometheus#13011): a test group without `interval` spaces its input series by
    /// `evaluation_interval`. Before, they were loaded 0s apart, all at time 0, where only
    /// the first value of each series was kept.
    IntervalDefault,
    /// 2.51 (prometheus#13725): `rate` and `increase` cut the extrapolation towards the
    /// window's start to half a sample interval before clamping it at the counter's zero
    /// point; before, the clamp came first.
    ZeroClampAfterThreshold,
    /// 3.0 (prometheus#13904): range selectors, subqueries and the lookback delta leave out a
    /// sample exactly at their start.
    LeftOpenWindows,
    /// 3.0 (prometheus#14505): `.` in a regex matches a newline.
    DotMatchesNewline,
    /// 3.0 (prometheus#14930): `holt_winters` is called `double_exponential_smoothing`, an
    /// experimental function.
    HoltWintersRenamed,
    /// 3.0 (prometheus#14941): `stddev` and `stdvar` of a lone NaN or infinite value are NaN,
    /// not 0.
    NonFiniteDeviation,
}

impl Difference {
    /// Every difference, in the order of the releases that made them.
    pub(crate) const ALL: [Difference; 6] = [
        Difference::IntervalDefault,
        Difference::ZeroClampAfterThreshold,
        Difference::LeftOpenWindows,
        Difference::DotMatchesNewline,
        Difference::HoltWintersRenamed,
        Difference::NonFiniteDeviation,
    ];

    /// The release that made the change, (major, minor).
    pub(crate) fn release(self) -> (u32, u32) {
        match self {
            Difference::IntervalDefault => (2, 49),
            Difference::ZeroClampAfterThreshold => (2, 51),
            Difference::LeftOpenWindows
            | Difference::DotMatchesNewline
            | Difference::HoltWintersRenamed
            | Difference::NonFiniteDeviation => (3, 0),
        }
    }

    /// A stable name, for the JSON report.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Difference::IntervalDefault => "interval-default",
            Difference::ZeroClampAfterThreshold => "rate-zero-clamp",
            Difference::LeftOpenWindows => "left-open-windows",
            Difference::DotMatchesNewline => "regex-dot-newline",
            Difference::HoltWintersRenamed => "holt-winters-renamed",
            Difference::NonFiniteDeviation => "non-finite-stddev",
        }
    }

    /// What changed, and where, as a failure's hint says it.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Difference::IntervalDefault => {
                "2.49 spaced the input series of a test group without `interval` by \
                 `evaluation_interval`; before, each kept only its first value, at time 0 \
                 (prometheus#13011)"
            }
            Difference::ZeroClampAfterThreshold => {
                "2.51 made rate() and increase() cut the extrapolation to the window's start to \
                 half a sample interval before clamping it at the counter's zero point \
                 (prometheus#13725)"
            }
            Difference::LeftOpenWindows => {
                "3.0 made range selectors, subqueries and the lookback delta left-open: a sample \
                 exactly at a window's start no longer counts (prometheus#13904)"
            }
            Difference::DotMatchesNewline => {
                "3.0 made `.` in regular expressions match newlines (prometheus#14505)"
            }
            Difference::HoltWintersRenamed => {
                "3.0 renamed holt_winters to double_exponential_smoothing, an experimental \
                 function (prometheus#14930)"
            }
            Difference::NonFiniteDeviation => {
                "3.0 made stddev and stdvar of a lone NaN or infinite value NaN instead of 0 \
                 (prometheus#14941)"
            }
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of [`Difference`]s switched back to Prometheus 2.x; empty is Prometheus 3.x.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Differences(u8);

impl Differences {
    pub(crate) fn contains(self, d: Difference) -> bool {
        self.0 & d.bit() != 0
    }

    pub(crate) fn with(self, d: Difference) -> Differences {
        Differences(self.0 | d.bit())
    }

    pub(crate) fn without(self, d: Difference) -> Differences {
        Differences(self.0 & !d.bit())
    }

    pub(crate) fn union(self, other: Differences) -> Differences {
        Differences(self.0 | other.0)
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = Difference> {
        Difference::ALL
            .into_iter()
            .filter(move |d| self.contains(*d))
    }

    pub(crate) fn of(differences: impl IntoIterator<Item = Difference>) -> Differences {
        differences
            .into_iter()
            .fold(Differences::default(), Differences::with)
    }

    /// The evaluator's switches for these differences.
    pub(crate) fn semantics(self) -> promql::Semantics {
        promql::Semantics {
            left_closed_windows: self.contains(Difference::LeftOpenWindows),
            zero_clamp_before_threshold: self.contains(Difference::ZeroClampAfterThreshold),
            dot_excludes_newline: self.contains(Difference::DotMatchesNewline),
            lone_non_finite_deviation_is_zero: self.contains(Difference::NonFiniteDeviation),
        }
    }

    /// The grammar test files' expressions (and rules that 3.x refuses) are parsed with:
    /// Prometheus' defaults, with 2.x's function names if asked.
    pub(crate) fn grammar(self) -> promql::Options {
        promql::Options {
            v2_function_names: self.contains(Difference::HoltWintersRenamed),
            ..promql::Options::default()
        }
    }
}

/// The Prometheus release whose semantics `alertlint test` follows (`--prometheus-version`):
/// `3` (the default), `2` (every [`Difference`] switched back: 2.x before 2.49, as 2.33 to 2.48
/// behave), or `2.N` (the differences made after 2.N).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PrometheusVersion {
    #[default]
    V3,
    /// Prometheus 2, as of the given minor release (`None`: the oldest modelled).
    V2(Option<u32>),
}

impl PrometheusVersion {
    /// The differences this release does not have yet.
    pub(crate) fn differences(self) -> Differences {
        match self {
            PrometheusVersion::V3 => Differences::default(),
            PrometheusVersion::V2(minor) => Differences::of(
                Difference::ALL
                    .into_iter()
                    .filter(|d| minor.is_none_or(|m| d.release() > (2, m))),
            ),
        }
    }
}

impl fmt::Display for PrometheusVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrometheusVersion::V3 => f.write_str("3"),
            PrometheusVersion::V2(None) => f.write_str("2"),
            PrometheusVersion::V2(Some(minor)) => write!(f, "2.{minor}"),
        }
    }
}

/// A `--prometheus-version` that is not `2`, `2.N` or `3` (the text as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPrometheusVersion(pub String);

impl fmt::Display for InvalidPrometheusVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown Prometheus version {:?}: expected 3, 2, or a 2.x release such as 2.42",
            self.0
        )
    }
}

impl std::error::Error for InvalidPrometheusVersion {}

impl FromStr for PrometheusVersion {
    type Err = InvalidPrometheusVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim().trim_start_matches(['v', 'V']);
        let invalid = || InvalidPrometheusVersion(s.to_string());
        let mut parts = text.split('.');
        let major = parts.next().unwrap_or_default();
        // A patch release (`2.42.1`) changes nothing modelled here.
        let minor = parts.next();
        let patch = parts.next();
        if parts.next().is_some() || patch.is_some_and(|p| p.parse::<u32>().is_err()) {
            return Err(invalid());
        }
        let minor = minor
            .map(|m| m.parse::<u32>().map_err(|_| invalid()))
            .transpose()?;
        match major {
            "3" => Ok(PrometheusVersion::V3),
            "2" => Ok(PrometheusVersion::V2(minor)),
            _ => Err(invalid()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(d: Differences) -> Vec<&'static str> {
        d.iter().map(Difference::id).collect()
    }

    #[test]
    fn versions_parse_and_print() {
        for (text, version) in [
            ("3", PrometheusVersion::V3),
            ("3.5", PrometheusVersion::V3),
            ("2", PrometheusVersion::V2(None)),
            ("2.42", PrometheusVersion::V2(Some(42))),
            ("v2.54.1", PrometheusVersion::V2(Some(54))),
        ] {
            assert_eq!(text.parse(), Ok(version), "{text}");
        }
        assert_eq!(PrometheusVersion::V2(Some(42)).to_string(), "2.42");
        assert_eq!(PrometheusVersion::default().to_string(), "3");
        for bad in ["", "1", "4", "2.x", "2.42.1.1", "two", "2.-1"] {
            assert!(bad.parse::<PrometheusVersion>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_release_has_the_differences_made_after_it() {
        assert!(ids(PrometheusVersion::V3.differences()).is_empty());
        assert_eq!(
            ids(PrometheusVersion::V2(None).differences()).len(),
            Difference::ALL.len()
        );
        assert_eq!(
            ids(PrometheusVersion::V2(Some(42)).differences()),
            ids(PrometheusVersion::V2(None).differences())
        );
        assert_eq!(
            ids(PrometheusVersion::V2(Some(49)).differences()),
            [
                "rate-zero-clamp",
                "left-open-windows",
                "regex-dot-newline",
                "holt-winters-renamed",
                "non-finite-stddev"
            ]
        );
        assert_eq!(
            ids(PrometheusVersion::V2(Some(54)).differences()),
            [
                "left-open-windows",
                "regex-dot-newline",
                "holt-winters-renamed",
                "non-finite-stddev"
            ]
        );
    }

    #[test]
    fn sets_switch_the_evaluator_and_the_grammar() {
        let all = PrometheusVersion::V2(None).differences();
        assert_eq!(
            all.semantics(),
            promql::Semantics {
                left_closed_windows: true,
                zero_clamp_before_threshold: true,
                dot_excludes_newline: true,
                lone_non_finite_deviation_is_zero: true,
            }
        );
        assert!(all.grammar().v2_function_names);
        let none = Differences::default();
        assert_eq!(none.semantics(), promql::Semantics::default());
        assert_eq!(none.grammar(), promql::Options::default());
        let one = none.with(Difference::LeftOpenWindows);
        assert_eq!(ids(one), ["left-open-windows"]);
        assert_eq!(one.without(Difference::LeftOpenWindows), none);
    }
}
