//! Native histograms: storage representation and the parts of their
//! semantics the evaluator needs without full histogram arithmetic.

use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CounterResetHint {
    #[default]
    Unknown,
    CounterReset,
    NotCounterReset,
    Gauge,
}

/// A float histogram. Buckets are stored sparsely by bucket index with
/// absolute (not delta-encoded) counts, which is what evaluation needs.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FloatHistogram {
    pub schema: i32,
    pub zero_threshold: f64,
    pub zero_count: f64,
    pub count: f64,
    pub sum: f64,
    /// `(bucket index, count)`, sorted by index.
    pub positive: Vec<(i32, f64)>,
    pub negative: Vec<(i32, f64)>,
    /// Upper bounds of custom buckets (schema -53); empty otherwise.
    pub custom_values: Vec<f64>,
    pub counter_reset_hint: CounterResetHint,
}

pub const CUSTOM_BUCKETS_SCHEMA: i32 = -53;

impl FloatHistogram {
    pub fn uses_custom_buckets(&self) -> bool {
        self.schema == CUSTOM_BUCKETS_SCHEMA
    }

    /// Compares two histograms the way promqltest does: tolerant on float
    /// fields, ignoring empty buckets and the counter-reset hint unless asked.
    pub fn approx_eq(&self, other: &FloatHistogram, check_hint: bool) -> bool {
        let eq = |a: f64, b: f64| super::value::almost_equal(a, b, 1e-6);
        if self.schema != other.schema
            || !eq(self.count, other.count)
            || !eq(self.sum, other.sum)
            || self.zero_threshold != other.zero_threshold
            || !eq(self.zero_count, other.zero_count)
        {
            return false;
        }
        if self.uses_custom_buckets() && self.custom_values != other.custom_values {
            return false;
        }
        let nz = |v: &[(i32, f64)]| -> BTreeMap<i32, f64> {
            v.iter().filter(|(_, c)| *c != 0.0).cloned().collect()
        };
        let cmp = |a: BTreeMap<i32, f64>, b: BTreeMap<i32, f64>| {
            a.len() == b.len()
                && a.iter()
                    .zip(b.iter())
                    .all(|((ia, ca), (ib, cb))| ia == ib && eq(*ca, *cb))
        };
        if !cmp(nz(&self.positive), nz(&other.positive))
            || !cmp(nz(&self.negative), nz(&other.negative))
        {
            return false;
        }
        !check_hint || self.counter_reset_hint == other.counter_reset_hint
    }

    /// Upper bound of positive bucket `idx` for exponential schemas.
    fn exp_upper(schema: i32, idx: i32) -> f64 {
        2f64.powf(idx as f64 * 2f64.powi(-schema))
    }

    /// All buckets in ascending order of their bounds as
    /// `(lower, upper, count)`, with the zero bucket in the middle.
    pub fn buckets_ascending(&self) -> Vec<(f64, f64, f64)> {
        let mut out = Vec::new();
        if self.uses_custom_buckets() {
            for (idx, c) in &self.positive {
                let i = *idx as usize;
                let lower = if i == 0 {
                    f64::NEG_INFINITY
                } else {
                    self.custom_values
                        .get(i - 1)
                        .copied()
                        .unwrap_or(f64::INFINITY)
                };
                let upper = self.custom_values.get(i).copied().unwrap_or(f64::INFINITY);
                out.push((lower, upper, *c));
            }
            return out;
        }
        for (idx, c) in self.negative.iter().rev() {
            let upper = -Self::exp_upper(self.schema, *idx - 1);
            let lower = -Self::exp_upper(self.schema, *idx);
            out.push((lower, upper, *c));
        }
        if self.zero_count != 0.0 || self.zero_threshold != 0.0 {
            out.push((-self.zero_threshold, self.zero_threshold, self.zero_count));
        }
        for (idx, c) in &self.positive {
            out.push((
                Self::exp_upper(self.schema, *idx - 1),
                Self::exp_upper(self.schema, *idx),
                *c,
            ));
        }
        out
    }
}

impl fmt::Display for FloatHistogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{")?;
        if self.schema != 0 {
            write!(f, "schema:{} ", self.schema)?;
        }
        write!(f, "count:{} sum:{}", self.count, self.sum)?;
        if self.zero_count != 0.0 {
            write!(f, " z_bucket:{}", self.zero_count)?;
        }
        if self.zero_threshold != 0.0 {
            write!(f, " z_bucket_w:{}", self.zero_threshold)?;
        }
        if !self.custom_values.is_empty() {
            write!(f, " custom_values:{:?}", self.custom_values)?;
        }
        if !self.positive.is_empty() {
            write!(f, " buckets:{:?}", self.positive)?;
        }
        if !self.negative.is_empty() {
            write!(f, " n_buckets:{:?}", self.negative)?;
        }
        write!(f, "}}}}")
    }
}

/// Parses the inside of `{{ ... }}` (without the braces).
pub fn parse_histogram_body(s: &str) -> Result<FloatHistogram, String> {
    let mut h = FloatHistogram::default();
    let mut buckets: Vec<f64> = Vec::new();
    let mut n_buckets: Vec<f64> = Vec::new();
    let mut offset = 0i32;
    let mut n_offset = 0i32;
    let mut rest = s.trim();
    while !rest.is_empty() {
        let colon = rest
            .find(':')
            .ok_or_else(|| format!("bad histogram field in {s:?}"))?;
        let key = rest[..colon].trim();
        rest = rest[colon + 1..].trim_start();
        let value: &str;
        if rest.starts_with('[') {
            let end = rest
                .find(']')
                .ok_or_else(|| format!("unterminated list in {s:?}"))?;
            value = &rest[1..end];
            rest = rest[end + 1..].trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            value = &rest[..end];
            rest = rest[end..].trim_start();
        }
        let num = |v: &str| super::notation::parse_float(v);
        let list = |v: &str| -> Result<Vec<f64>, String> {
            v.split_whitespace()
                .map(super::notation::parse_float)
                .collect()
        };
        match key {
            "schema" => h.schema = num(value)? as i32,
            "sum" => h.sum = num(value)?,
            "count" => h.count = num(value)?,
            "z_bucket" => h.zero_count = num(value)?,
            "z_bucket_w" => h.zero_threshold = num(value)?,
            "offset" => offset = num(value)? as i32,
            "n_offset" => n_offset = num(value)? as i32,
            "buckets" => buckets = list(value)?,
            "n_buckets" => n_buckets = list(value)?,
            "custom_values" => h.custom_values = list(value)?,
            "counter_reset_hint" => {
                h.counter_reset_hint = match value {
                    "gauge" => CounterResetHint::Gauge,
                    "reset" => CounterResetHint::CounterReset,
                    "not_reset" => CounterResetHint::NotCounterReset,
                    "unknown" => CounterResetHint::Unknown,
                    other => return Err(format!("bad counter_reset_hint {other:?}")),
                }
            }
            other => return Err(format!("unknown histogram field {other:?}")),
        }
    }
    let custom = h.uses_custom_buckets();
    // Custom-bucket indexes start at 0; exponential ones at the offset.
    h.positive = buckets
        .into_iter()
        .enumerate()
        .map(|(i, c)| (i as i32 + offset, c))
        .collect();
    h.negative = n_buckets
        .into_iter()
        .enumerate()
        .map(|(i, c)| (i as i32 + n_offset, c))
        .collect();
    if custom && offset < 0 {
        return Err("negative offset for custom buckets".into());
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_histogram() {
        let h = parse_histogram_body("schema:1 sum:3 count:22 buckets:[5 10 7] offset:1").unwrap();
        assert_eq!(h.schema, 1);
        assert_eq!(h.count, 22.0);
        assert_eq!(h.positive, vec![(1, 5.0), (2, 10.0), (3, 7.0)]);
        assert!(parse_histogram_body("bogus").is_err());
    }
}
