//! PromQL: alertlint's own parser ([`syntax`]: span-exact syntax tree, Prometheus 3.x
//! grammar) and an in-memory evaluator with Prometheus 3.x semantics on that tree, or 2.x
//! ones where asked ([`Semantics`]). It knows nothing about rules files or reporting.

mod aggregate;
mod binary;
mod engine;
/// The stack a thread that parses and evaluates expressions should have: as much as a main
/// thread's (8 MiB), which the deepest expression the parser accepts fits in with room to
/// spare, even in a debug build (a spawned thread gets a quarter of that by default).
pub const STACK_BYTES: usize = 8 << 20;

pub mod histogram;
mod hquantile;
pub mod labels;
pub mod notation;
mod storage;
mod value;

mod functions;
pub mod syntax;

pub use engine::{Engine, MAX_QUERY_STEPS, PROMTOOL_MAX_SAMPLES, Semantics};
pub use histogram::FloatHistogram;
pub use labels::Labels;
pub use storage::{Storage, StoredValue};
pub use syntax::{Expr, Options, SyntaxError, parse, parse_with};
pub use value::{Annotation, AnnotationKind, EvalError, Sample, Series, Value, almost_equal};
