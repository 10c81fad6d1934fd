//! Binary operators: arithmetic, comparison, set operators, vector matching.

use std::collections::{HashMap, HashSet};

use promql_parser::parser::{BinaryExpr, LabelModifier, VectorMatchCardinality};

use super::engine::{ESample, Evaluator, Val};
use super::labels::{Labels, METRIC_NAME};
use super::value::{AnnotationKind, EvalError};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Atan2,
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    And,
    Or,
    Unless,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "+" => Op::Add,
            "-" => Op::Sub,
            "*" => Op::Mul,
            "/" => Op::Div,
            "%" => Op::Mod,
            "^" => Op::Pow,
            "atan2" => Op::Atan2,
            "==" => Op::Eq,
            "!=" => Op::Ne,
            ">" => Op::Gt,
            "<" => Op::Lt,
            ">=" => Op::Ge,
            "<=" => Op::Le,
            "and" => Op::And,
            "or" => Op::Or,
            "unless" => Op::Unless,
            _ => return None,
        })
    }

    fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Mod => "%",
            Op::Pow => "^",
            Op::Atan2 => "atan2",
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::And => "and",
            Op::Or => "or",
            Op::Unless => "unless",
        }
    }

    fn is_comparison(self) -> bool {
        matches!(self, Op::Eq | Op::Ne | Op::Gt | Op::Lt | Op::Ge | Op::Le)
    }

    fn is_set(self) -> bool {
        matches!(self, Op::And | Op::Or | Op::Unless)
    }
}

/// Applies an arithmetic or comparison operator to two floats; for
/// comparisons returns the left value and whether the comparison held.
fn float_op(op: Op, l: f64, r: f64) -> (f64, bool) {
    match op {
        Op::Add => (l + r, true),
        Op::Sub => (l - r, true),
        Op::Mul => (l * r, true),
        Op::Div => (l / r, true),
        Op::Mod => (l % r, true),
        Op::Pow => (l.powf(r), true),
        Op::Atan2 => (l.atan2(r), true),
        Op::Eq => (l, l == r),
        Op::Ne => (l, l != r),
        Op::Gt => (l, l > r),
        Op::Lt => (l, l < r),
        Op::Ge => (l, l >= r),
        Op::Le => (l, l <= r),
        Op::And | Op::Or | Op::Unless => (l, true),
    }
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
    let op_s = be.op.to_string();
    let op = Op::parse(&op_s.to_lowercase())
        .ok_or_else(|| EvalError::unsupported(format!("binary operator {op_s}")))?;
    let return_bool = be.modifier.as_ref().is_some_and(|m| m.return_bool);
    // Prometheus decides histogram stats decoding for each operand on its
    // own, without looking past the binary expression.
    let (lhs, rhs) = ev.with_stats_decoding(false, |ev| {
        ev.eval(&be.lhs, t)
            .and_then(|l| Ok((l, ev.eval(&be.rhs, t)?)))
    })?;
    match (lhs, rhs) {
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
            let (on, names) = match be.modifier.as_ref().and_then(|m| m.matching.as_ref()) {
                Some(LabelModifier::Include(ls)) => (true, ls.labels.clone()),
                Some(LabelModifier::Exclude(ls)) => (false, ls.labels.clone()),
                None => (false, Vec::new()),
            };
            if op.is_set() {
                return Ok(Val::Vector(set_op(op, l, r, on, &names)));
            }
            let card = be
                .modifier
                .as_ref()
                .map_or(VectorMatchCardinality::OneToOne, |m| m.card.clone());
            let mut notes = Notes::default();
            let res = vector_vector(&mut notes, op, l, r, on, &names, &card, return_bool, t);
            notes.emit(ev, be);
            res.map(Val::Vector)
        }
        (l, r) => Err(EvalError::new(format!(
            "binary operator {op_s} not allowed between {} and {}",
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
        // Most comparisons, at every step of every rule, have nothing to say: the expression
        // is printed only when they do.
        if self.warn.is_empty() && self.info.is_empty() {
            return;
        }
        let anchor = be.to_string();
        for m in self.warn {
            ev.annotate_anchored(AnnotationKind::Warning, m, anchor.clone());
        }
        for m in self.info {
            ev.annotate_anchored(AnnotationKind::Info, m, anchor.clone());
        }
    }
}

fn vector_scalar<'a>(
    notes: &mut Notes,
    op: Op,
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
            if op == Op::Mul || (op == Op::Div && !swap) {
                if op == Op::Mul {
                    h.scale(s);
                } else {
                    h.divide(s);
                }
                e.drop_name = true;
                e.t = t;
                out.push(e);
                continue;
            }
            {
                // Not defined for histograms: Prometheus drops the element.
                let (l, r) = if swap {
                    ("float", "histogram")
                } else {
                    ("histogram", "float")
                };
                notes.info.push(format!(
                    "incompatible sample types encountered for binary operator \"{}\": {l} {} {r}",
                    op.symbol(),
                    op.symbol()
                ));
                continue;
            }
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
        } else {
            e.drop_name = true;
        }
        e.f = val;
        e.t = t;
        out.push(e);
    }
    Ok(Val::Vector(out))
}

fn set_op(op: Op, l: Vec<ESample>, r: Vec<ESample>, on: bool, names: &[String]) -> Vec<ESample> {
    match op {
        Op::And => {
            if l.is_empty() || r.is_empty() {
                return Vec::new();
            }
            let rs: HashSet<Vec<u8>> = r.iter().map(|s| signature(&s.labels, on, names)).collect();
            l.into_iter()
                .filter(|s| rs.contains(&signature(&s.labels, on, names)))
                .collect()
        }
        Op::Unless => {
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

#[allow(clippy::too_many_arguments)]
fn vector_vector(
    notes: &mut Notes,
    op: Op,
    lhs: Vec<ESample>,
    rhs: Vec<ESample>,
    on: bool,
    names: &[String],
    card: &VectorMatchCardinality,
    return_bool: bool,
    t: i64,
) -> Result<Vec<ESample>, EvalError> {
    if matches!(card, VectorMatchCardinality::ManyToMany) {
        return Err(EvalError::new(
            "many-to-many only allowed for set operators",
        ));
    }
    if lhs.is_empty() || rhs.is_empty() {
        return Ok(Vec::new());
    }
    let one_to_many = matches!(card, VectorMatchCardinality::OneToMany(_));
    let include: Vec<String> = match card {
        VectorMatchCardinality::ManyToOne(ls) | VectorMatchCardinality::OneToMany(ls) => {
            ls.labels.clone()
        }
        _ => Vec::new(),
    };
    let one_to_one = matches!(card, VectorMatchCardinality::OneToOne);
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
            (None, None) => float_op(op, ls.f, rs.f),
            (Some(a), Some(b)) if matches!(op, Op::Eq | Op::Ne) => {
                let eq = a == b;
                hist_out = Some(a.clone());
                (0.0, if op == Op::Eq { eq } else { !eq })
            }
            (Some(a), Some(b)) if matches!(op, Op::Add | Op::Sub) => {
                let sign = if op == Op::Add { 1.0 } else { -1.0 };
                if let Ok((mut h, reconciled)) = a.combine(b, sign) {
                    if reconciled {
                        let what = if op == Op::Add {
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
            (Some(a), None) if matches!(op, Op::Mul | Op::Div) => {
                let mut h = (**a).clone();
                if op == Op::Mul {
                    h.scale(rs.f);
                } else {
                    h.divide(rs.f);
                }
                hist_out = Some(Box::new(h));
                (0.0, true)
            }
            (None, Some(b)) if op == Op::Mul => {
                let mut h = (**b).clone();
                h.scale(ls.f);
                hist_out = Some(Box::new(h));
                (0.0, true)
            }
            (lh, rh) => {
                let tn = |h: bool| if h { "histogram" } else { "float" };
                notes.info.push(format!(
                    "incompatible sample types encountered for binary operator \"{}\": {} {} {}",
                    op.symbol(),
                    tn(lh.is_some()),
                    op.symbol(),
                    tn(rh.is_some())
                ));
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
        for ln in &include {
            labels = labels.with(ln, os.labels.get_or_empty(ln));
        }
        let drop_name = return_bool || !op.is_comparison() || ms.drop_name;
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
