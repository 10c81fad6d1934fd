//! The client `alertlint backtest` reads a server's history with: range queries against the
//! Prometheus HTTP API (`POST /api/v1/query_range`) of Prometheus, Thanos, Mimir, Cortex or
//! VictoriaMetrics, on the evaluation grid of a rule's group.
//!
//! [`Client::query_range`] cuts a range into requests of at most
//! [`ClientOptions::max_points`] grid points and hands back one [`Chunk`] per response, in time
//! order, so that only one response is in memory at a time. It copes with what long ranges
//! meet on real servers:
//!
//! - **Limits** (HTTP 422, error types `execution` and `timeout`, "query processing would load
//!   too many samples into memory", or no answer within [`ClientOptions::timeout`]): the request
//!   is halved, down to a single step; a range the server cannot evaluate even then is
//!   [`ClientError::QueryFailed`]. Later requests of the same query keep the reduced size.
//! - **Transient failures** (HTTP 429, 502, 503, 504; a connection refused, reset or closed
//!   before the body's announced end): retried up to [`ClientOptions::retries`] times with
//!   exponential backoff and jitter, or after the server's `Retry-After` (capped by
//!   [`ClientOptions::retry_after_cap`]).
//! - **Hard errors** (400 `bad_data`, 401, 403, 404, a body that is not the API's JSON, ...)
//!   are returned at once as [`ClientError`]s that carry the server's message or the start of
//!   its body. A body whose HTTP framing is complete but whose JSON is cut short is such a hard
//!   error: only a transport-level truncation is retried.
//! - **Native histograms** are not supported yet: their samples are left out and the chunk
//!   carries a warning saying how many series had them (no error, so that a rule set whose
//!   few histogram-valued expressions are skipped can still be replayed).
//! - **Servers that move the grid** (VictoriaMetrics' response cache, a query frontend's step
//!   alignment): samples off the requested grid are passed on as returned and reported once
//!   per client as a warning, and counted in [`QueryStats::off_grid_samples`]. The client asks
//!   VictoriaMetrics not to do so (`nocache=1`).
//!
//! Every request also sends Thanos' `partial_response=false` and `max_source_resolution=0s`
//! (raw data, no silently incomplete answers), which the other servers ignore.

mod client;
pub mod compare;
mod error;
mod grid;
mod options;
pub mod replay;
mod response;
mod retry;
mod series;

pub use client::{Client, QueryStats, RangeQuery};
pub use error::{ClientError, FileRole};
pub use options::{BasicAuth, ClientCertFiles, ClientOptions};
pub use series::{Chunk, Series};
