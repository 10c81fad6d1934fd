//! What the client is told: where the server is, how to authenticate, and its limits.

use std::path::PathBuf;
use std::time::Duration;

/// Where and how to reach the server, and the limits of the client's requests. Start from
/// [`ClientOptions::new`], which sets every limit to its default, and set the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// The server's base URL, to which `/api/v1/query_range` is appended: `http://host:9090`
    /// for Prometheus or Thanos Query, or with the prefix of the server's Prometheus API
    /// (`http://mimir/prometheus`, `http://vmselect:8481/select/0/prometheus`).
    pub url: String,
    /// How long one request may take, from connecting to the body's last byte. A request that
    /// has not been answered by then is halved, as a server's query timeout is.
    pub timeout: Duration,
    /// A file holding the bearer token sent as `Authorization: Bearer`, read once by
    /// [`crate::Client::new`] (surrounding whitespace trimmed, as Prometheus does).
    pub bearer_token_file: Option<PathBuf>,
    /// HTTP basic authentication. At most one of this and `bearer_token_file`.
    pub basic_auth: Option<BasicAuth>,
    /// Further headers sent with every request, as given.
    pub headers: Vec<(String, String)>,
    /// The tenant of a multi-tenant server (Mimir, Cortex, Thanos with tenancy), sent as
    /// `X-Scope-OrgID`.
    pub tenant: Option<String>,
    /// A PEM file of CA certificates that replace the built-in roots (Mozilla's) for HTTPS.
    pub ca_file: Option<PathBuf>,
    /// A client certificate for mutual TLS.
    pub client_cert: Option<ClientCertFiles>,
    /// The most grid points one request asks for. Prometheus refuses more than 11,000 points
    /// per series, so that is the default.
    pub max_points: u64,
    /// How many times a transiently failed request is retried: at most `retries + 1` requests
    /// are made for one range.
    pub retries: u32,
    /// The first retry's delay; each further retry doubles it, up to `backoff_cap`. The delay
    /// slept is drawn between half of it and all of it, so that clients do not retry in step.
    pub backoff_base: Duration,
    /// The longest delay of the exponential backoff.
    pub backoff_cap: Duration,
    /// The longest a server's `Retry-After` is honoured for.
    pub retry_after_cap: Duration,
    /// The largest response body read (after decompression). A request over it is an error
    /// ([`crate::ClientError::BodyTooLarge`]), not retried: lower `max_points` instead.
    pub max_body_bytes: u64,
}

/// HTTP basic authentication: a user name and the file holding the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicAuth {
    pub username: String,
    /// Read once by [`crate::Client::new`], surrounding whitespace trimmed.
    pub password_file: PathBuf,
}

/// A client certificate and its private key, both PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertFiles {
    /// The certificate, followed by the intermediates of its chain if any.
    pub cert_file: PathBuf,
    /// The private key (PKCS#8, PKCS#1 RSA or SEC1 EC).
    pub key_file: PathBuf,
}

/// Prometheus' limit on the points of one series in a range query's answer.
pub(crate) const PROMETHEUS_MAX_POINTS: u64 = 11_000;

impl ClientOptions {
    /// The options for the server at `url`, without authentication, with the default limits:
    /// a 2-minute timeout, 11,000 points a request, 5 retries backing off from 500 ms to 30 s,
    /// `Retry-After` honoured up to 2 minutes, and bodies up to 256 MiB.
    pub fn new(url: impl Into<String>) -> ClientOptions {
        ClientOptions {
            url: url.into(),
            timeout: Duration::from_secs(120),
            bearer_token_file: None,
            basic_auth: None,
            headers: Vec::new(),
            tenant: None,
            ca_file: None,
            client_cert: None,
            max_points: PROMETHEUS_MAX_POINTS,
            retries: 5,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(120),
            max_body_bytes: 256 * 1024 * 1024,
        }
    }
}
