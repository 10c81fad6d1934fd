//! What can go wrong, each case with what a user needs to act on it.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Which of the files named in [`crate::ClientOptions`] an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    BearerToken,
    BasicAuthPassword,
    CaCertificates,
    ClientCertificate,
    ClientKey,
}

impl fmt::Display for FileRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileRole::BearerToken => "bearer token file",
            FileRole::BasicAuthPassword => "basic auth password file",
            FileRole::CaCertificates => "CA file",
            FileRole::ClientCertificate => "client certificate file",
            FileRole::ClientKey => "client key file",
        })
    }
}

/// An error of [`crate::Client::new`] or of a range query.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// A file named in the options could not be read.
    ReadFile {
        file: FileRole,
        path: PathBuf,
        source: io::Error,
    },
    /// A file was read but does not hold what it should (an empty token, no PEM certificate).
    BadFile {
        file: FileRole,
        path: PathBuf,
        problem: String,
    },
    /// An option cannot be used (a URL without `http://` or `https://`, an invalid header).
    BadOption {
        option: &'static str,
        problem: String,
    },
    /// The range asked for is not a grid: the step is not positive or the end is before the
    /// start.
    BadRange {
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    },
    /// The server rejected the query as invalid (HTTP 400, `bad_data`): its message says why,
    /// e.g. a parse error in the expression.
    BadQuery { status: u16, message: String },
    /// The server refused the credentials (HTTP 401 or 403).
    Unauthorized { status: u16, message: String },
    /// There is no query API at the URL (HTTP 404): a wrong URL or path prefix.
    NotFound { url: String, message: String },
    /// The server could not evaluate the query even over a single step, after the range was
    /// halved down to it: its error for that step, or the client's timeout (no `status`).
    QueryFailed {
        status: Option<u16>,
        error_type: String,
        message: String,
        at_ms: i64,
    },
    /// The server answered with an error that is not retried and that halving does not mend
    /// (HTTP 500, a redirect, another status).
    Server {
        status: u16,
        error_type: Option<String>,
        message: String,
    },
    /// Transient failures (transport errors, HTTP 429, 502, 503, 504) outlasted the retries.
    RetriesExhausted { attempts: u32, last: String },
    /// A transport failure that retrying cannot mend (TLS, an invalid request).
    Transport { message: String },
    /// The response body is over [`crate::ClientOptions::max_body_bytes`].
    BodyTooLarge { status: u16, limit: u64 },
    /// The response is not the API's JSON for a range query: an HTML page, a body that is not
    /// JSON or whose JSON is cut short, another `resultType`, a sample that does not read.
    BadResponse {
        status: u16,
        problem: String,
        /// The body's first bytes, control characters escaped.
        body_start: String,
    },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::ReadFile { file, path, source } => {
                write!(f, "cannot read the {file} {}: {source}", path.display())
            }
            ClientError::BadFile {
                file,
                path,
                problem,
            } => write!(f, "the {file} {} {problem}", path.display()),
            ClientError::BadOption { option, problem } => write!(f, "{option}: {problem}"),
            ClientError::BadRange {
                start_ms,
                end_ms,
                step_ms,
            } => write!(
                f,
                "not a query range: start {start_ms} ms, end {end_ms} ms, step {step_ms} ms \
                 (the step must be positive and the end not before the start)"
            ),
            ClientError::BadQuery { status, message } => {
                write!(
                    f,
                    "the server rejected the query (HTTP {status}): {message}"
                )
            }
            ClientError::Unauthorized { status, message } => write!(
                f,
                "the server refused the credentials (HTTP {status}): {message}"
            ),
            ClientError::NotFound { url, message } => write!(
                f,
                "no Prometheus query API at {url} (HTTP 404: {message}); check the URL and the \
                 path prefix of the server's Prometheus API"
            ),
            ClientError::QueryFailed {
                status,
                error_type,
                message,
                at_ms,
            } => {
                write!(
                    f,
                    "the server could not evaluate the query even over the single step at {} (",
                    format_time(*at_ms)
                )?;
                if let Some(status) = status {
                    write!(f, "HTTP {status}, ")?;
                }
                write!(f, "{error_type}): {message}")
            }
            ClientError::Server {
                status,
                error_type,
                message,
            } => match error_type {
                Some(error_type) => {
                    write!(
                        f,
                        "the server failed (HTTP {status}, {error_type}): {message}"
                    )
                }
                None => write!(f, "the server failed (HTTP {status}): {message}"),
            },
            ClientError::RetriesExhausted { attempts, last } => write!(
                f,
                "no answer from the server after {attempts} attempts; the last: {last}"
            ),
            ClientError::Transport { message } => write!(f, "cannot reach the server: {message}"),
            ClientError::BodyTooLarge { status, limit } => write!(
                f,
                "the response (HTTP {status}) is larger than the limit of {limit} bytes; ask for \
                 fewer points per request or raise the limit"
            ),
            ClientError::BadResponse {
                status,
                problem,
                body_start,
            } => write!(
                f,
                "the response (HTTP {status}) is not the Prometheus API's answer to a range \
                 query: {problem}; its body starts: {body_start}"
            ),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::ReadFile { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A Unix time in milliseconds as RFC 3339 in UTC (`2024-05-01T12:00:00.000Z`), for messages.
pub(crate) fn format_time(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let ms_of_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = prometheus_time::calendar::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1000 % 60,
        ms_of_day % 1000
    )
}

/// The first bytes of a body for an error message: at most `BODY_START_BYTES` of it, invalid
/// UTF-8 replaced, control characters and quotes escaped, with `...` when there is more.
pub(crate) fn body_start(body: &[u8]) -> String {
    const BODY_START_BYTES: usize = 200;
    if body.is_empty() {
        return "(nothing: the body is empty)".to_string();
    }
    let cut = body.len().min(BODY_START_BYTES);
    let text = String::from_utf8_lossy(&body[..cut]);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() || c == '"' || c == '\\' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if cut < body.len() {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_rfc3339_in_utc() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_time(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(format_time(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn body_starts_are_escaped_and_cut() {
        assert_eq!(body_start(b"<html>\n\"x\"\t"), "<html>\\n\\\"x\\\"\\t");
        assert_eq!(body_start(b""), "(nothing: the body is empty)");
        assert_eq!(body_start(&[0xff, b'a']), "\u{fffd}a");
        let long = vec![b'a'; 500];
        let start = body_start(&long);
        assert_eq!(start.len(), 203);
        assert!(start.ends_with("a..."));
    }
}
