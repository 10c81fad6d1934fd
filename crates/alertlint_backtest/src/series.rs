//! What a range query hands back.

use std::collections::BTreeMap;

/// One series of a range query's answer: its labels and its float samples in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The labels, `__name__` included when the expression keeps it.
    pub labels: BTreeMap<String, String>,
    /// `(Unix time in ms, value)`; values may be NaN or infinite, as the server wrote them.
    pub samples: Vec<(i64, f64)>,
}

/// One response of a range query: the series over the grid points from `start_ms` to
/// `end_ms`, both included and both on the requested grid. The chunks of a query follow each
/// other without gap or overlap.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// The first grid point asked for.
    pub start_ms: i64,
    /// The last grid point asked for.
    pub end_ms: i64,
    /// The series with at least one float sample in the chunk, as the server ordered them.
    pub series: Vec<Series>,
    /// The server's `warnings`, then the client's own (native histograms left out, a server
    /// that moved the grid).
    pub warnings: Vec<String>,
    /// The server's `infos` (Prometheus 3's notes on a query, e.g. a `rate` on a gauge).
    pub infos: Vec<String>,
}
