//! Binary operators: arithmetic, comparison, set operators, vector matching.

use std::collections::{HashMap, HashSet};

use crate::syntax::{BinOp, BinaryExpr};

use super::engine::{ESample, Evaluator, Val};
use super::labels::{Labels, METRIC_NAME};
use super::value::{AnnotationKind, EvalError};

/// Whether the result of `op` is no longer the metric it was computed from, so loses its
/// name (Prometheus' `changesMetricSchema`): arithmetic does, comparisons and the trim
/// operators do not.
fn changes_metric(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod | BinOp::Pow | BinOp::Atan2
    )
}

/// Which side of a vector-vector operation may have several series per match group.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cardinality {
    OneToOne,
    /// `group_left`
    ManyToOne,
    /// `group_right`
    OneToMany,
}

/// Applies an arithmetic or comparison operator to two floats; for
/// comparisons returns the left value and whether the comparison held.
/// The trim operators are not defined on two floats: the caller reports them.
fn float_op(op: BinOp, l: f64, r: f64) -> (f64, bool) {
    match op {
        BinOp::Add => (l + r, true),
        BinOp::Sub => (l - r, true),
        BinOp::Mul => (l * r, true),
        BinOp::Div => (l / r, true),
        BinOp::Mod => (l % r, true),
        BinOp::Pow => (l.powf(r), true),
        BinOp::Atan2 => (l.atan2(r), true),
        BinOp::Eql => (l, l == r),
        BinOp::Neq => (l, l != r),
        BinOp::Gtr => (l, l > r),
        BinOp::Lss => (l, l < r),
        BinOp::Gte => (l, l >= r),
        BinOp::Lte => (l, l <= r),
        BinOp::TrimUpper | BinOp::TrimLower => (l, false),
        BinOp::And | BinOp::Or | BinOp::Unless => (l, true),
    }
}

/// Prometheus' info annotation for an operator not defined on the operands' sample types.
fn incompatible(op: BinOp, lhs_histogram: bool, rhs_histogram: bool) -> String {
    let kind = |h: bool| if h { "histogram" } else { "float" };
    format!(
        "incompatible sample types encountered for binary operator \"{}\": {} {} {}",
        op.as_str(),
        kind(lhs_histogram),
        op.as_str(),
        kind(rhs_histogram)
    )
}

/// Label-set signature used for vector matching.
fn signature(labels: &Labels, on: bool, names: &[String]) -> Vec<u8> {
    let mut key = Vec::with_capacity(64);
    for (n, v) in labels.iter() {
        let selected = if on {
            names.iter().any(|x| x == n)
        } else {
            n != METRIC_NAME && !names.iter().any(|x| x == n)
        };
        if selected {
            key.extend_from_slice(n.as_bytes());
            key.push(0xfe);
            key.extend_from_slice(v.as_bytes());
            key.push(0xff);
        }
    }
    key
}

fn match_labels(labels: &Labels, on: bool, names: &[String]) -> Labels {
    labels.filter(|n| {
        if on {
            names.iter().any(|x| x == n)
        } else {
            n != METRIC_NAME && !names.iter().any(|x| x == n)
        }
    })
}

pub(crate) fn eval_binary<'a>(
    ev: &mut Evaluator<'a>,
    be: &BinaryExpr,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    let op = be.op;
    if be.fill.is_some() {
        return Err(EvalError::unsupported("the fill modifiers"));
    }
    let return_bool = be.bool_span.is_some();
    // Prometheus decides histogram stats decoding for each operand on its
    // own, without looking past the binary expression.
    let (lhs, rhs) = ev.with_stats_decoding(false, |ev| {
        ev.eval(&be.lhs, t)
            .and_then(|l| Ok((l, ev.eval(&be.rhs, t)?)))
    })?;
    match (lhs, rhs) {
        (Val::Scalar(_), Val::Scalar(_)) if matches!(op, BinOp::TrimUpper | BinOp::TrimLower) => {
            Err(EvalError::new(format!(
                "operator \"{}\" not allowed for Scalar operations",
                op.as_str()
            )))
        }
        (Val::Scalar(l), Val::Scalar(r)) => {
            let (v, keep) = float_op(op, l, r);
            if op.is_comparison() {
                Ok(Val::Scalar(if keep { 1.0 } else { 0.0 }))
            } else {
                Ok(Val::Scalar(v))
            }
        }
        (Val::Vector(v), Val::Scalar(s)) => {
            let mut notes = Notes::default();
            let r = vector_scalar(&mut notes, op, v, s, false, return_bool, t);
            notes.emit(ev, be);
            r
        }
        (Val::Scalar(s), Val::Vector(v)) => {
            let mut notes = Notes::default();
            let r = vector_scalar(&mut notes, op, v, s, true, return_bool, t);
            notes.emit(ev, be);
            r
        }
        (Val::Vector(l), Val::Vector(r)) => {
            let (on, names): (bool, Vec<String>) = match &be.matching {
                Some(m) => (m.on, m.labels.iter().map(|l| l.name.to_string()).collect()),
                None => (false, Vec::new()),
            };
            if op.is_set() {
                return Ok(Val::Vector(set_op(op, l, r, on, &names)));
            }
            let (card, include) = match &be.group {
                None => (Cardinality::OneToOne, Vec::new()),
                Some(g) => (
                    if g.left {
                        Cardinality::ManyToOne
                    } else {
                        Cardinality::OneToMany
                    },
                    g.labels.iter().map(|l| l.name.to_string()).collect(),
                ),
            };
            let mut notes = Notes::default();
            let res = vector_vector(
                &mut notes,
                op,
                (l, r),
                (on, &names),
                (card, &include),
                return_bool,
                t,
            );
            notes.emit(ev, be);
            res.map(Val::Vector)
        }
        (l, r) => Err(EvalError::new(format!(
            "binary operator {} not allowed between {} and {}",
            op.as_str(),
            l.type_name(),
            r.type_name()
        ))),
    }
}

/// Annotations collected while combining samples, emitted once per
/// binary expression.
#[derive(Default)]
pub(crate) struct Notes {
    pub info: Vec<String>,
    pub warn: Vec<String>,
}

impl Notes {
    fn emit(self, ev: &mut Evaluator<'_>, be: &BinaryExpr) {
        if self.warn.is_empty() && self.info.is_empty() {
            return;
        }
        for m in self.warn {
            ev.annotate(AnnotationKind::Warning, m, Some(be.span.start));
        }
        for m in self.info {
            ev.annotate(AnnotationKind::Info, m, Some(be.span.start));
        }
    }
}

fn vector_scalar<'a>(
    notes: &mut Notes,
    op: BinOp,
    v: Vec<ESample>,
    s: f64,
    swap: bool,
    return_bool: bool,
    t: i64,
) -> Result<Val<'a>, EvalError> {
    if op.is_set() {
        return Err(EvalError::new(
            "set operator not allowed in binary scalar expression",
        ));
    }
    let mut out = Vec::with_capacity(v.len());
    for mut e in v {
        if let Some(h) = e.h.as_mut() {
            // histogram * scalar, scalar * histogram and histogram / scalar
            // scale the histogram.
            if op == BinOp::Mul || (op == BinOp::Div && !swap) {
                if op == BinOp::Mul {
                    h.scale(s);
                } else {
                    h.divide(s);
                }
                e.drop_name = true;
                e.t = t;
                out.push(e);
                continue;
            }
            if matches!(op, BinOp::TrimUpper | BinOp::TrimLower) && !swap {
                **h = h.trim_buckets(s, op == BinOp::TrimUpper);
                e.drop_name |= return_bool;
                e.t = t;
                out.push(e);
                continue;
            }
            // Not defined for histograms: Prometheus drops the element.
            notes.info.push(incompatible(op, !swap, swap));
            continue;
        }
        if matches!(op, BinOp::TrimUpper | BinOp::TrimLower) {
            notes.info.push(incompatible(op, false, false));
            continue;
        }
        let (l, r) = if swap { (s, e.f) } else { (e.f, s) };
        let (mut val, keep) = float_op(op, l, r);
        if op.is_comparison() && swap {
            val = r;
        }
        if op.is_comparison() {
            if return_bool {
                val = if keep { 1.0 } else { 0.0 };
                e.drop_name = true;
            } else if !keep {
                continue;
            }
        } else if changes_metric(op) {
            e.drop_name = true;
        }
        e.f = val;
        e.t = t;
        out.push(e);
    }
    Ok(Val::Vector(out))
}

fn set_op(op: BinOp, l: Vec<ESample>, r: Vec<ESample>, on: bool, names: &[String]) -> Vec<ESample> {
    match op {
        BinOp::And => {
            if l.is_empty() || r.is_empty() {
                return Vec::new();
            }
            let rs: HashSet<Vec<u8>> = r.iter().map(|s| signature(&s.labels, on, names)).collect();
            l.into_iter()
                .filter(|s| rs.contains(&signature(&s.labels, on, names)))
                .collect()
        }
        BinOp::Unless => {
            if r.is_empty() {
                return l;
            }
            let rs: HashSet<Vec<u8>> = r.iter().map(|s| signature(&s.labels, on, names)).collect();
            l.into_iter()
                .filter(|s| !rs.contains(&signature(&s.labels, on, names)))
                .collect()
        }
        _ => {
            let ls: HashSet<Vec<u8>> = l.iter().map(|s| signature(&s.labels, on, names)).collect();
            let mut out = l;
            out.extend(
                r.into_iter()
                    .filter(|s| !ls.contains(&signature(&s.labels, on, names))),
            );
            out
        }
    }
}

/// A vector-vector operation but a set operator: the operands, the matching (`on`, and the
/// `on`/`ignoring` labels) and the cardinality with the `group_left`/`group_right` labels.
fn vector_vector(
    notes: &mut Notes,
    op: BinOp,
    (lhs, rhs): (Vec<ESample>, Vec<ESample>),
    (on, names): (bool, &[String]),
    (card, include): (Cardinality, &[String]),
    return_bool: bool,
    t: i64,
) -> Result<Vec<ESample>, EvalError> {
    if lhs.is_empty() || rhs.is_empty() {
        return Ok(Vec::new());
    }
    let one_to_many = card == Cardinality::OneToMany;
    let one_to_one = card == Cardinality::OneToOne;
    // The "one" side is always on the right after this swap.
    let (many, one) = if one_to_many { (rhs, lhs) } else { (lhs, rhs) };

    let mut one_sigs: HashMap<Vec<u8>, usize> = HashMap::with_capacity(one.len());
    for (i, s) in one.iter().enumerate() {
        let sig = signature(&s.labels, on, names);
        if let Some(&prev) = one_sigs.get(&sig) {
            let side = if one_to_many { "left" } else { "right" };
            let mut pair = [one[prev].labels.to_string(), s.labels.to_string()];
            pair.sort();
            return Err(EvalError::new(format!(
                "found duplicate series for the match group {} on the {} hand-side of the operation: [{}, {}];many-to-many matching not allowed: matching labels must be unique on one side",
                match_labels(&s.labels, on, names),
                side,
                pair[0],
                pair[1]
            )));
        }
        one_sigs.insert(sig, i);
    }

    let mut matched: HashMap<Vec<u8>, HashSet<Labels>> = HashMap::new();
    let mut out = Vec::with_capacity(many.len());
    for ms in &many {
        let sig = signature(&ms.labels, on, names);
        let Some(&oi) = one_sigs.get(&sig) else {
            continue;
        };
        let os = &one[oi];
        let (ls, rs) = if one_to_many { (os, ms) } else { (ms, os) };
        let entry = matched.entry(sig).or_default();
        if one_to_one {
            if !entry.is_empty() {
                return Err(EvalError::new(
                    "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
                ));
            }
            entry.insert(Labels::new());
        }
        let mut hist_out = None;
        let (mut val, keep) = match (&ls.h, &rs.h) {
            (None, None) if !matches!(op, BinOp::TrimUpper | BinOp::TrimLower) => {
                float_op(op, ls.f, rs.f)
            }
            (Some(a), Some(b)) if matches!(op, BinOp::Eql | BinOp::Neq) => {
                let eq = a == b;
                hist_out = Some(a.clone());
                (0.0, if op == BinOp::Eql { eq } else { !eq })
            }
            (Some(a), Some(b)) if matches!(op, BinOp::Add | BinOp::Sub) => {
                let sign = if op == BinOp::Add { 1.0 } else { -1.0 };
                if let Ok((mut h, reconciled)) = a.combine(b, sign) {
                    if reconciled {
                        let what = if op == BinOp::Add {
                            "addition"
                        } else {
                            "subtraction"
                        };
                        notes.info.push(super::histogram::reconciled_note(what));
                    }
                    h.compact();
                    hist_out = Some(Box::new(h));
                    (0.0, true)
                } else {
                    notes.warn.push(super::histogram::mixed_schemas_note(
                        ls.labels.get_or_empty(METRIC_NAME),
                    ));
                    continue;
                }
            }
            (Some(a), None) if matches!(op, BinOp::TrimUpper | BinOp::TrimLower) => {
                hist_out = Some(Box::new(a.trim_buckets(rs.f, op == BinOp::TrimUpper)));
                (0.0, true)
            }
            (Some(a), None) if matches!(op, BinOp::Mul | BinOp::Div) => {
                let mut h = (**a).clone();
                if op == BinOp::Mul {
                    h.scale(rs.f);
                } else {
                    h.divide(rs.f);
                }
                hist_out = Some(Box::new(h));
                (0.0, true)
            }
            (None, Some(b)) if op == BinOp::Mul => {
                let mut h = (**b).clone();
                h.scale(ls.f);
                hist_out = Some(Box::new(h));
                (0.0, true)
            }
            (lh, rh) => {
                notes
                    .info
                    .push(incompatible(op, lh.is_some(), rh.is_some()));
                continue;
            }
        };
        if return_bool {
            val = if keep { 1.0 } else { 0.0 };
            hist_out = None;
        } else if !keep {
            continue;
        }
        // Result labels come from the "many" side.
        let mut labels = ms.labels.clone();
        if one_to_one {
            labels = if on {
                labels.filter(|n| names.iter().any(|x| x == n))
            } else {
                labels.filter(|n| !names.iter().any(|x| x == n))
            };
        }
        for ln in include {
            labels = labels.with(ln, os.labels.get_or_empty(ln));
        }
        let drop_name = return_bool || changes_metric(op) || ms.drop_name;
        if !one_to_one {
            let key = if drop_name {
                labels.without_name()
            } else {
                labels.clone()
            };
            if !entry.insert(key) {
                return Err(EvalError::new(
                    "multiple matches for labels: grouping labels must ensure unique matches",
                ));
            }
        }
        out.push(ESample {
            labels,
            t,
            f: val,
            h: hist_out,
            drop_name,
        });
    }
    Ok(out)
}
