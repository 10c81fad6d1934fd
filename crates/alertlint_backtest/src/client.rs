//! The client: one agent with the options' credentials and TLS, and range queries as an
//! iterator of chunks.

use crate::error::{ClientError, FileRole, body_start};
use crate::grid::{Grid, seconds};
use crate::options::ClientOptions;
use crate::response::{Answer, Matrix, read_answer, read_error};
use crate::retry;
use crate::series::Chunk;
use std::iter::FusedIterator;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};
use ureq::http::{HeaderName, HeaderValue, Uri};
use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};

/// A client of one server's range query API. It is `Sync`: threads may share it, each running
/// its own queries; the statistics add up over all of them.
pub struct Client {
    agent: ureq::Agent,
    /// The base URL with `/api/v1/query_range`.
    endpoint: String,
    /// Credentials, tenant and the options' headers, checked by [`Client::new`].
    headers: Vec<(String, String)>,
    max_points: u64,
    retries: u32,
    backoff_base: Duration,
    backoff_cap: Duration,
    retry_after_cap: Duration,
    max_body_bytes: u64,
    timeout: Duration,
    counters: Counters,
    /// Whether a server's samples off the grid were reported already: it is a property of the
    /// server, worth saying once, not with every query.
    off_grid_reported: AtomicBool,
}

/// What a client's queries cost so far, for the caller's report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryStats {
    /// HTTP requests made, retries included.
    pub requests: u64,
    /// Requests that were retries of a transient failure.
    pub retries: u64,
    /// Times a request was halved because the server (or the timeout) found it too large.
    pub halvings: u64,
    /// Response body bytes read, after decompression.
    pub bytes: u64,
    /// Samples the server returned off the requested grid (left as returned) or outside the
    /// requested range (left out).
    pub off_grid_samples: u64,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    halvings: AtomicU64,
    bytes: AtomicU64,
    off_grid_samples: AtomicU64,
}

fn bump(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

impl Client {
    /// A client for the server and credentials of `options`. Reads the token, password,
    /// CA, certificate and key files now, and checks the URL and headers, so that a mistake in
    /// them is found before any query.
    pub fn new(options: ClientOptions) -> Result<Client, ClientError> {
        let base = options.url.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::BadOption {
                option: "url",
                problem: format!("{:?} is not an http:// or https:// URL", options.url),
            });
        }
        if base.contains(['?', '#']) {
            return Err(ClientError::BadOption {
                option: "url",
                problem: format!(
                    "{:?} has a query or a fragment; give the server's base URL",
                    options.url
                ),
            });
        }
        let endpoint = format!("{base}/api/v1/query_range");
        if let Err(e) = endpoint.parse::<Uri>() {
            return Err(ClientError::BadOption {
                option: "url",
                problem: format!("{:?}: {e}", options.url),
            });
        }
        if options.max_points == 0 {
            return Err(ClientError::BadOption {
                option: "max_points",
                problem: "must be at least 1".to_string(),
            });
        }
        let headers = request_headers(&options)?;
        let tls = tls_config(&options)?;
        let config = ureq::Agent::config_builder()
            // Statuses are the client's to classify (retry, halve, fail), bodies included.
            .http_status_as_error(false)
            .timeout_global(Some(options.timeout))
            // A connection that cannot be made is retried, not halved: it has its own deadline.
            .timeout_connect(Some(options.timeout.min(Duration::from_secs(10))))
            // A redirected POST would lose its form: say where the server points instead.
            .max_redirects(0)
            .user_agent(format!("alertlint/{}", env!("CARGO_PKG_VERSION")))
            .tls_config(tls)
            .build();
        Ok(Client {
            agent: ureq::Agent::new_with_config(config),
            endpoint,
            headers,
            max_points: options.max_points,
            retries: options.retries,
            backoff_base: options.backoff_base,
            backoff_cap: options.backoff_cap,
            retry_after_cap: options.retry_after_cap,
            max_body_bytes: options.max_body_bytes,
            timeout: options.timeout,
            counters: Counters::default(),
            off_grid_reported: AtomicBool::new(false),
        })
    }

    /// The range query of `expr` over the grid `start_ms + k × step_ms` up to `end_ms`
    /// (inclusive; it need not be on the grid), as [`Chunk`]s in time order. Each chunk is one
    /// response, requested when the iterator is advanced; after an error the iterator ends.
    /// Errs at once if the range is not a grid (the step not positive, the end before the
    /// start).
    pub fn query_range(
        &self,
        expr: &str,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Result<RangeQuery<'_>, ClientError> {
        let grid = Grid::new(start_ms, end_ms, step_ms)?;
        Ok(RangeQuery {
            client: self,
            expr: expr.to_string(),
            grid,
            next_point: 0,
            chunk_points: self.max_points,
            finished: false,
        })
    }

    /// What the queries of this client cost so far.
    pub fn stats(&self) -> QueryStats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        QueryStats {
            requests: load(&self.counters.requests),
            retries: load(&self.counters.retries),
            halvings: load(&self.counters.halvings),
            bytes: load(&self.counters.bytes),
            off_grid_samples: load(&self.counters.off_grid_samples),
        }
    }

    /// One range request, retried while it fails transiently.
    fn request(
        &self,
        expr: &str,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Result<Matrix, Stop> {
        let (start, end, step) = (seconds(start_ms), seconds(end_ms), seconds(step_ms));
        let form: [(&str, &str); 7] = [
            ("query", expr),
            ("start", &start),
            ("end", &end),
            ("step", &step),
            // Thanos: an answer missing a store's data is an error, not a quiet gap; and the
            // raw samples, not a downsampled resolution that would change every rate.
            ("partial_response", "false"),
            ("max_source_resolution", "0s"),
            // VictoriaMetrics: no response cache, whose step alignment moves the grid.
            ("nocache", "1"),
        ];
        let mut retries = 0;
        loop {
            match self.attempt(&form) {
                Attempt::Answer(matrix) => return Ok(matrix),
                Attempt::Halve(limit) => return Err(Stop::Halve(limit)),
                Attempt::Fail(error) => return Err(Stop::Fail(error)),
                Attempt::Retry { problem, wait } => {
                    if retries >= self.retries {
                        return Err(Stop::Fail(ClientError::RetriesExhausted {
                            attempts: retries + 1,
                            last: problem,
                        }));
                    }
                    retries += 1;
                    bump(&self.counters.retries, 1);
                    let delay = match wait {
                        Some(wait) => wait.min(self.retry_after_cap),
                        None => retry::backoff(retries, self.backoff_base, self.backoff_cap),
                    };
                    std::thread::sleep(delay);
                }
            }
        }
    }

    /// One HTTP request and what to do with its outcome.
    fn attempt(&self, form: &[(&str, &str)]) -> Attempt {
        bump(&self.counters.requests, 1);
        let mut request = self.agent.post(&self.endpoint);
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let mut response = match request.send_form(form.iter().copied()) {
            Ok(response) => response,
            Err(error) => return self.transport_failure(&error),
        };
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let wait = header("retry-after").and_then(|v| retry::retry_after(&v, SystemTime::now()));
        let location = header("location");
        let body = match response
            .body_mut()
            .with_config()
            .limit(self.max_body_bytes)
            .read_to_vec()
        {
            Ok(body) => body,
            Err(ureq::Error::BodyExceedsLimit(limit)) => {
                return Attempt::Fail(ClientError::BodyTooLarge { status, limit });
            }
            Err(error) => return self.transport_failure(&error),
        };
        bump(&self.counters.bytes, body.len() as u64);
        if (200..300).contains(&status) {
            return match read_answer(&body) {
                Ok(Answer::Matrix(matrix)) => Attempt::Answer(matrix),
                Ok(Answer::Error {
                    error_type,
                    message,
                }) => self.failed(status, Some((error_type, message)), &body, wait, location),
                Err(problem) => Attempt::Fail(ClientError::BadResponse {
                    status,
                    problem,
                    body_start: body_start(&body),
                }),
            };
        }
        self.failed(status, read_error(&body), &body, wait, location)
    }

    /// What to do with an error status (or a success status whose body is an API error).
    fn failed(
        &self,
        status: u16,
        api_error: Option<(String, String)>,
        body: &[u8],
        wait: Option<Duration>,
        location: Option<String>,
    ) -> Attempt {
        let (error_type, message) = match api_error {
            Some((error_type, message)) => (Some(error_type), message),
            None => (None, body_start(body)),
        };
        if is_limit(status, error_type.as_deref(), &message) {
            return Attempt::Halve(Limit {
                status: Some(status),
                error_type: error_type.unwrap_or_default(),
                message,
            });
        }
        let error = match status {
            429 | 502 | 503 | 504 => {
                return Attempt::Retry {
                    problem: format!("HTTP {status}: {message}"),
                    wait,
                };
            }
            400 => ClientError::BadQuery { status, message },
            401 | 403 => ClientError::Unauthorized { status, message },
            404 => ClientError::NotFound {
                url: self.endpoint.clone(),
                message,
            },
            300..=399 => ClientError::Server {
                status,
                error_type,
                message: format!(
                    "redirected to {}; give that URL",
                    location.as_deref().unwrap_or("(no Location)")
                ),
            },
            _ => ClientError::Server {
                status,
                error_type,
                message,
            },
        };
        Attempt::Fail(error)
    }

    /// What to do when the exchange itself failed: retry what may go better next time (a
    /// refused or broken connection), halve on the client's own timeout, fail on the rest
    /// (TLS, an invalid request).
    fn transport_failure(&self, error: &ureq::Error) -> Attempt {
        use ureq::Timeout;
        match error {
            ureq::Error::Timeout(
                Timeout::Global | Timeout::PerCall | Timeout::RecvResponse | Timeout::RecvBody,
            ) => Attempt::Halve(Limit {
                status: None,
                error_type: "timeout".to_string(),
                message: format!(
                    "no complete answer within the client's timeout of {}",
                    prometheus_time::duration::format_duration(
                        i64::try_from(self.timeout.as_millis()).unwrap_or(i64::MAX)
                    )
                ),
            }),
            // rustls reports a refused certificate or a fatal alert as invalid data: no retry
            // mends that.
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
                Attempt::Fail(ClientError::Transport {
                    message: error.to_string(),
                })
            }
            ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::Protocol(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound => Attempt::Retry {
                problem: error.to_string(),
                wait: None,
            },
            _ => Attempt::Fail(ClientError::Transport {
                message: error.to_string(),
            }),
        }
    }

    /// A response as the chunk of grid points `first..=last`: samples outside that range left
    /// out (so chunks never overlap), samples off the grid counted and reported once.
    fn chunk(&self, grid: &Grid, first: u64, last: u64, matrix: Matrix) -> Chunk {
        let (start_ms, end_ms) = (grid.time_of(first), grid.time_of(last));
        let mut series = matrix.series;
        let mut off_grid = 0u64;
        let mut first_off_grid = None;
        for one in &mut series {
            one.samples.retain(|&(ms, _)| {
                if grid.holds(ms, first, last) {
                    return true;
                }
                off_grid += 1;
                first_off_grid.get_or_insert(ms);
                (start_ms..=end_ms).contains(&ms)
            });
        }
        series.retain(|one| !one.samples.is_empty());
        let mut warnings = matrix.warnings;
        if matrix.histogram_series > 0 {
            warnings.push(format!(
                "{} series had native histogram samples, which the backtest does not read yet: \
                 they are left out",
                matrix.histogram_series
            ));
        }
        if let Some(at) = first_off_grid {
            bump(&self.counters.off_grid_samples, off_grid);
            if !self.off_grid_reported.swap(true, Ordering::Relaxed) {
                warnings.push(format!(
                    "the server answered with samples off the requested grid (the first at {}, \
                     for a grid from {} every {}): it seems to align ranges to the step (a query \
                     frontend's step alignment, a response cache), so its results may be shifted \
                     in time; samples outside the requested range are left out",
                    crate::error::format_time(at),
                    crate::error::format_time(grid.start_ms),
                    prometheus_time::duration::format_duration(grid.step_ms)
                ));
            }
        }
        Chunk {
            start_ms,
            end_ms,
            series,
            warnings,
            infos: matrix.infos,
        }
    }
}

/// What one HTTP request came to.
enum Attempt {
    Answer(Matrix),
    /// A transient failure; `wait` is the server's `Retry-After`.
    Retry {
        problem: String,
        wait: Option<Duration>,
    },
    /// The server (or the client's timeout) found the range too large.
    Halve(Limit),
    Fail(ClientError),
}

/// Why a range was too large: the server's status (none for the client's timeout), error type
/// and message.
struct Limit {
    status: Option<u16>,
    error_type: String,
    message: String,
}

/// Why a request (with its retries) gave no answer.
enum Stop {
    Halve(Limit),
    Fail(ClientError),
}

/// Whether an error means "too much for one request", which a smaller range may not be:
/// Prometheus' `execution` errors (HTTP 422: too many samples) and `timeout` errors (HTTP 503),
/// the same messages from the servers that reuse its engine, and the limit on points per
/// series for a `max_points` above a server's.
fn is_limit(status: u16, error_type: Option<&str>, message: &str) -> bool {
    status == 422
        || matches!(error_type, Some("execution" | "timeout"))
        || message.contains("too many samples")
        || message.contains("query timed out")
        || message.contains("exceeded maximum resolution")
}

/// A range query in progress: an iterator of its chunks, in time order. Made by
/// [`Client::query_range`].
pub struct RangeQuery<'c> {
    client: &'c Client,
    expr: String,
    grid: Grid,
    /// The first grid point not yet answered.
    next_point: u64,
    /// The points of the next request: `max_points`, or less once the server asked for less.
    chunk_points: u64,
    finished: bool,
}

impl Iterator for RangeQuery<'_> {
    type Item = Result<Chunk, ClientError>;

    fn next(&mut self) -> Option<Result<Chunk, ClientError>> {
        if self.finished || self.next_point >= self.grid.points {
            return None;
        }
        loop {
            let first = self.next_point;
            let count = self.chunk_points.min(self.grid.points - first);
            let last = first + count - 1;
            let outcome = self.client.request(
                &self.expr,
                self.grid.time_of(first),
                self.grid.time_of(last),
                self.grid.step_ms,
            );
            match outcome {
                Ok(matrix) => {
                    self.next_point = last + 1;
                    return Some(Ok(self.client.chunk(&self.grid, first, last, matrix)));
                }
                // The rest of the query keeps the smaller size: a server's limit holds for
                // the next range too, and asking again for what failed would double the work.
                Err(Stop::Halve(_)) if count > 1 => {
                    self.chunk_points = count.div_ceil(2);
                    bump(&self.client.counters.halvings, 1);
                }
                Err(Stop::Halve(limit)) => {
                    self.finished = true;
                    return Some(Err(ClientError::QueryFailed {
                        status: limit.status,
                        error_type: limit.error_type,
                        message: limit.message,
                        at_ms: self.grid.time_of(first),
                    }));
                }
                Err(Stop::Fail(error)) => {
                    self.finished = true;
                    return Some(Err(error));
                }
            }
        }
    }
}

impl FusedIterator for RangeQuery<'_> {}

/// The headers of every request: the credentials, the tenant, then the options' own, each
/// checked now so that sending cannot fail on them.
fn request_headers(options: &ClientOptions) -> Result<Vec<(String, String)>, ClientError> {
    let mut headers = Vec::new();
    match (&options.bearer_token_file, &options.basic_auth) {
        (Some(_), Some(_)) => {
            return Err(ClientError::BadOption {
                option: "bearer_token_file",
                problem: "set together with basic_auth; use one of them".to_string(),
            });
        }
        (Some(path), None) => {
            let token = read_secret(FileRole::BearerToken, path)?;
            if token.is_empty() {
                return Err(ClientError::BadFile {
                    file: FileRole::BearerToken,
                    path: path.clone(),
                    problem: "is empty".to_string(),
                });
            }
            let value = format!("Bearer {token}");
            check_secret_header(FileRole::BearerToken, path, &value)?;
            headers.push(("Authorization".to_string(), value));
        }
        (None, Some(auth)) => {
            let password = read_secret(FileRole::BasicAuthPassword, &auth.password_file)?;
            let credentials = format!("{}:{password}", auth.username);
            headers.push((
                "Authorization".to_string(),
                format!("Basic {}", base64(credentials.as_bytes())),
            ));
        }
        (None, None) => {}
    }
    if let Some(tenant) = &options.tenant {
        check_header("tenant", "X-Scope-OrgID", tenant)?;
        headers.push(("X-Scope-OrgID".to_string(), tenant.clone()));
    }
    for (name, value) in &options.headers {
        check_header("headers", name, value)?;
        headers.push((name.clone(), value.clone()));
    }
    Ok(headers)
}

fn check_header(option: &'static str, name: &str, value: &str) -> Result<(), ClientError> {
    if let Err(e) = HeaderName::from_bytes(name.as_bytes()) {
        return Err(ClientError::BadOption {
            option,
            problem: format!("{name:?} is not a header name: {e}"),
        });
    }
    if let Err(e) = HeaderValue::from_str(value) {
        return Err(ClientError::BadOption {
            option,
            problem: format!("the value of {name} is not a header value: {e}"),
        });
    }
    Ok(())
}

/// A secret must not show in the error: only that its file holds what a header cannot carry.
fn check_secret_header(file: FileRole, path: &Path, value: &str) -> Result<(), ClientError> {
    if HeaderValue::from_str(value).is_err() {
        return Err(ClientError::BadFile {
            file,
            path: path.to_path_buf(),
            problem: "holds characters an HTTP header cannot carry (a control character?)"
                .to_string(),
        });
    }
    Ok(())
}

fn read_file(file: FileRole, path: &Path) -> Result<Vec<u8>, ClientError> {
    std::fs::read(path).map_err(|source| ClientError::ReadFile {
        file,
        path: path.to_path_buf(),
        source,
    })
}

/// A token or password file's content, surrounding whitespace (a final newline) trimmed as
/// Prometheus trims it.
fn read_secret(file: FileRole, path: &Path) -> Result<String, ClientError> {
    let bytes = read_file(file, path)?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text.trim().to_string()),
        Err(_) => Err(ClientError::BadFile {
            file,
            path: path.to_path_buf(),
            problem: "is not UTF-8 text".to_string(),
        }),
    }
}

fn tls_config(options: &ClientOptions) -> Result<TlsConfig, ClientError> {
    let mut tls = TlsConfig::builder();
    if let Some(path) = &options.ca_file {
        let certificates = pem_certificates(FileRole::CaCertificates, path)?;
        tls = tls.root_certs(RootCerts::new_with_certs(&certificates));
    }
    if let Some(files) = &options.client_cert {
        let chain = pem_certificates(FileRole::ClientCertificate, &files.cert_file)?;
        let pem = read_file(FileRole::ClientKey, &files.key_file)?;
        let key = PrivateKey::from_pem(&pem).map_err(|e| ClientError::BadFile {
            file: FileRole::ClientKey,
            path: files.key_file.clone(),
            problem: format!("holds no PEM private key: {e}"),
        })?;
        tls = tls.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
    }
    Ok(tls.build())
}

/// The certificates of a PEM file, at least one.
fn pem_certificates(file: FileRole, path: &Path) -> Result<Vec<Certificate<'static>>, ClientError> {
    let pem = read_file(file, path)?;
    let bad = |problem: String| ClientError::BadFile {
        file,
        path: path.to_path_buf(),
        problem,
    };
    let mut certificates = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(certificate)) => certificates.push(certificate),
            Ok(_) => {}
            Err(e) => return Err(bad(format!("is not valid PEM: {e}"))),
        }
    }
    if certificates.is_empty() {
        return Err(bad("holds no PEM certificate".to_string()));
    }
    Ok(certificates)
}

/// Standard base64 with padding, for basic authentication's header.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let b = [
            group[0],
            group.get(1).copied().unwrap_or(0),
            group.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= group.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"user:pa ss\xff"), "dXNlcjpwYSBzc/8=");
    }

    #[test]
    fn limits_are_told_from_other_errors() {
        assert!(is_limit(422, Some("execution"), "anything"));
        assert!(is_limit(
            503,
            Some("timeout"),
            "query timed out in query execution"
        ));
        assert!(is_limit(
            400,
            None,
            "query processing would load too many samples into memory in query execution"
        ));
        assert!(is_limit(
            400,
            Some("bad_data"),
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the \
             query resolution (?step=XX)"
        ));
        assert!(!is_limit(400, Some("bad_data"), "parse error"));
        assert!(!is_limit(503, None, "Service Unavailable"));
        assert!(!is_limit(500, Some("internal"), "boom"));
    }
}
