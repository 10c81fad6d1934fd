//! Result values, errors and annotations.

use std::fmt;

use super::histogram::FloatHistogram;
use super::labels::Labels;

#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub labels: Labels,
    pub t_ms: i64,
    pub f: f64,
    pub h: Option<FloatHistogram>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Series {
    pub labels: Labels,
    pub floats: Vec<(i64, f64)>,
    pub histograms: Vec<(i64, FloatHistogram)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar(f64),
    String(String),
    Vector(Vec<Sample>),
    Matrix(Vec<Series>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EvalErrorKind {
    /// The query is valid PromQL but fails, as it would in Prometheus.
    Execution,
    /// The query needs a feature this evaluator does not implement.
    Unsupported,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalError {
    pub(crate) kind: EvalErrorKind,
    pub message: String,
}

impl EvalError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        EvalError {
            kind: EvalErrorKind::Execution,
            message: message.into(),
        }
    }

    pub(crate) fn unsupported(message: impl Into<String>) -> Self {
        EvalError {
            kind: EvalErrorKind::Unsupported,
            message: message.into(),
        }
    }

    pub fn is_unsupported(&self) -> bool {
        self.kind == EvalErrorKind::Unsupported
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            EvalErrorKind::Execution => f.write_str(&self.message),
            EvalErrorKind::Unsupported => write!(f, "unsupported: {}", self.message),
        }
    }
}

impl std::error::Error for EvalError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnnotationKind {
    Warning,
    Info,
}

/// A non-fatal note about a query, as Prometheus reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    pub kind: AnnotationKind,
    /// Message without the `PromQL warning: ` prefix or position suffix.
    pub message: String,
    /// Byte offset in the query of the expression concerned, when known.
    pub position: Option<usize>,
}

impl Annotation {
    /// Renders as Prometheus does, given the query text for positions.
    pub fn render(&self, query: &str) -> String {
        let prefix = match self.kind {
            AnnotationKind::Warning => "PromQL warning: ",
            AnnotationKind::Info => "PromQL info: ",
        };
        match self.position {
            Some(p) => {
                let before = &query[..p.min(query.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!("{prefix}{} ({line}:{col})", self.message)
            }
            None => format!("{prefix}{}", self.message),
        }
    }
}

/// Float comparison with relative tolerance, treating NaNs as equal to each
/// other (the comparison promqltest uses).
pub fn almost_equal(a: f64, b: f64, epsilon: f64) -> bool {
    const MIN_NORMAL: f64 = f64::MIN_POSITIVE;
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a == b {
        return true;
    }
    let abs_sum = a.abs() + b.abs();
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || abs_sum < MIN_NORMAL {
        return diff < epsilon * MIN_NORMAL;
    }
    diff / abs_sum.min(f64::MAX) < epsilon
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn almost_equal_cases() {
        assert!(almost_equal(f64::NAN, f64::NAN, 1e-6));
        assert!(almost_equal(1.0, 1.0 + 1e-9, 1e-6));
        assert!(!almost_equal(1.0, 1.1, 1e-6));
        assert!(!almost_equal(0.0, 1e-9, 1e-6));
        assert!(almost_equal(f64::INFINITY, f64::INFINITY, 1e-6));
    }

    #[test]
    fn annotation_positions() {
        let a = Annotation {
            kind: AnnotationKind::Warning,
            message: "x".into(),
            position: Some(4),
        };
        assert_eq!(a.render("abc def"), "PromQL warning: x (1:5)");
    }
}
