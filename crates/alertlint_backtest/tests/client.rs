//! The client against a scripted server on 127.0.0.1: chunking on the grid, halving, retries,
//! typed errors, what is sent. Every test takes well under five seconds: backoff is set in
//! milliseconds, and the one `Retry-After` honoured in full is one second.

mod server;

use alertlint_backtest::{Chunk, Client, ClientError, ClientOptions, FileRole};
use server::{Reply, Request, Server, grid_matrix, matrix_body};
use std::time::{Duration, Instant};

/// A start off the minute, so that the grid is `START + k × STEP`, not the clock's minutes.
const START: i64 = 1_700_000_007_000;
const STEP: i64 = 60_000;

/// Options for `server` with millisecond backoff.
fn options(server: &Server) -> ClientOptions {
    let mut options = ClientOptions::new(server.url());
    options.backoff_base = Duration::from_millis(1);
    options.backoff_cap = Duration::from_millis(5);
    options.retry_after_cap = Duration::from_millis(50);
    options.timeout = Duration::from_secs(4);
    options
}

fn client(options: ClientOptions) -> Client {
    Client::new(options).unwrap_or_else(|e| panic!("{e}"))
}

/// Every chunk of a query, or its first error.
fn chunks(client: &Client, expr: &str, start: i64, end: i64, step: i64) -> Vec<Chunk> {
    client
        .query_range(expr, start, end, step)
        .unwrap_or_else(|e| panic!("{e}"))
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The query's error, after any chunks.
fn error(client: &Client, start: i64, end: i64, step: i64) -> ClientError {
    let mut query = client
        .query_range("m", start, end, step)
        .unwrap_or_else(|e| panic!("{e}"));
    for item in query.by_ref() {
        if let Err(e) = item {
            assert!(query.next().is_none(), "the query goes on after {e}");
            return e;
        }
    }
    panic!("no error")
}

/// The one series' samples over all chunks, checking that the chunks follow each other on
/// the grid without gap or overlap.
fn samples(chunks: &[Chunk], start: i64, step: i64) -> Vec<(i64, f64)> {
    let mut expected_start = start;
    let mut all = Vec::new();
    for chunk in chunks {
        assert_eq!(chunk.start_ms, expected_start);
        assert_eq!((chunk.end_ms - start) % step, 0, "chunk end off the grid");
        expected_start = chunk.end_ms + step;
        for series in &chunk.series {
            all.extend(series.samples.iter().copied());
        }
    }
    all
}

/// The value the scripted series has at `t`: the time in seconds, exact in an f64.
fn value_at(t: i64) -> f64 {
    t as f64 / 1000.0
}

fn grid(start: i64, points: i64, step: i64) -> Vec<(i64, f64)> {
    (0..points)
        .map(|k| (start + k * step, value_at(start + k * step)))
        .collect()
}

#[test]
fn chunks_a_three_day_range_into_grid_aligned_requests() {
    let server = Server::start(|r| grid_matrix(r, value_at));
    let mut opts = options(&server);
    opts.max_points = 500;
    let client = client(opts);
    // The end is 30 s past the last grid point: Prometheus' end is inclusive and the grid
    // stops at the last point not after it.
    let end = START + 3 * 86_400_000 + 30_000;
    let chunks = chunks(&client, "m", START, end, STEP);

    let points = 3 * 24 * 60 + 1;
    assert_eq!(points, 4321);
    let requests = server.requests();
    assert_eq!(requests.len(), 4321_usize.div_ceil(500));
    assert_eq!(chunks.len(), requests.len());
    for (i, request) in requests.iter().enumerate() {
        let first = START + i as i64 * 500 * STEP;
        assert_eq!(request.ms("start"), first, "request {i}");
        assert_eq!(request.ms("step"), STEP);
        assert_eq!(
            request.ms("end"),
            (first + 499 * STEP).min(START + 4320 * STEP),
            "request {i}"
        );
        assert!(request.points() <= 500);
    }
    assert_eq!(samples(&chunks, START, STEP), grid(START, points, STEP));
    assert_eq!(chunks.last().map(|c| c.end_ms), Some(START + 4320 * STEP));

    let stats = client.stats();
    assert_eq!(stats.requests, 9);
    assert_eq!(
        (stats.retries, stats.halvings, stats.off_grid_samples),
        (0, 0, 0)
    );
    assert_eq!(stats.bytes, server.body_bytes());
}

#[test]
fn chunks_are_requested_as_the_caller_advances() {
    let server = Server::start(|r| grid_matrix(r, value_at));
    let mut opts = options(&server);
    opts.max_points = 10;
    let client = client(opts);
    let mut query = client
        .query_range("m", START, START + 99 * STEP, STEP)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(server.requests().is_empty());
    let first = query
        .next()
        .expect("a chunk")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((first.start_ms, first.end_ms), (START, START + 9 * STEP));
    // One response at a time: the second is asked for only when wanted.
    assert_eq!(server.requests().len(), 1);
    drop(query);
    assert_eq!(client.stats().requests, 1);
}

#[test]
fn a_client_is_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Client>();
    let server = Server::start(|r| grid_matrix(r, value_at));
    let client = client(options(&server));
    std::thread::scope(|scope| {
        for i in 0..4 {
            let client = &client;
            scope.spawn(move || {
                let start = START + i * 1000;
                let chunks = chunks(client, "m", start, start + 9 * STEP, STEP);
                assert_eq!(samples(&chunks, start, STEP), grid(start, 10, STEP));
            });
        }
    });
    assert_eq!(client.stats().requests, 4);
}

#[test]
fn a_range_of_one_point_is_one_request() {
    let server = Server::start(|r| grid_matrix(r, value_at));
    let client = client(options(&server));
    let chunks = chunks(&client, "m", START, START + STEP - 1, STEP);
    assert_eq!(samples(&chunks, START, STEP), grid(START, 1, STEP));
    assert_eq!(server.requests().len(), 1);
}

const TOO_MANY_SAMPLES: &str =
    "query processing would load too many samples into memory in query execution";

#[test]
fn halves_a_request_the_server_finds_too_large() {
    let server = Server::start(|r| {
        if r.points() > 100 {
            Reply::api_error(422, "execution", TOO_MANY_SAMPLES)
        } else {
            grid_matrix(r, value_at)
        }
    });
    let mut opts = options(&server);
    opts.max_points = 500;
    let client = client(opts);
    let chunks = chunks(&client, "m", START, START + 999 * STEP, STEP);

    assert_eq!(samples(&chunks, START, STEP), grid(START, 1000, STEP));
    let sizes: Vec<i64> = server.requests().iter().map(Request::points).collect();
    // 500, 250 and 125 refused; then 63 at a time, the last request what remains.
    assert_eq!(sizes[..4], [500, 250, 125, 63]);
    assert!(sizes[3..].iter().all(|&n| n <= 63), "{sizes:?}");
    assert_eq!(chunks.len(), 1000_usize.div_ceil(63));
    let stats = client.stats();
    assert_eq!(stats.halvings, 3);
    assert_eq!(stats.retries, 0);
}

#[test]
fn gives_up_when_a_single_step_is_too_large() {
    let server = Server::start(|_| Reply::api_error(422, "execution", TOO_MANY_SAMPLES));
    let mut opts = options(&server);
    opts.max_points = 8;
    let client = client(opts);
    let e = error(&client, START, START + 99 * STEP, STEP);
    match &e {
        ClientError::QueryFailed {
            status,
            error_type,
            message,
            at_ms,
        } => {
            assert_eq!(*status, Some(422));
            assert_eq!(error_type, "execution");
            assert_eq!(message, TOO_MANY_SAMPLES);
            assert_eq!(*at_ms, START);
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("2023-11-14T22:13:27.000Z"), "{e}");
    let sizes: Vec<i64> = server.requests().iter().map(Request::points).collect();
    assert_eq!(sizes, [8, 4, 2, 1]);
}

#[test]
fn halves_on_a_query_timeout_rather_than_retrying() {
    let server = Server::start(|r| {
        if r.points() > 10 {
            Reply::api_error(503, "timeout", "query timed out in expression evaluation")
        } else {
            grid_matrix(r, value_at)
        }
    });
    let client = client(options(&server));
    let chunks = chunks(&client, "m", START, START + 19 * STEP, STEP);
    assert_eq!(samples(&chunks, START, STEP), grid(START, 20, STEP));
    let stats = client.stats();
    assert_eq!((stats.halvings, stats.retries, stats.requests), (1, 0, 3));
}

#[test]
fn halves_when_the_client_times_out() {
    let server = Server::start(|r| {
        let reply = grid_matrix(r, value_at);
        if r.points() > 10 {
            reply.after(Duration::from_millis(1500))
        } else {
            reply
        }
    });
    let mut opts = options(&server);
    opts.timeout = Duration::from_millis(400);
    let client = client(opts);
    let started = Instant::now();
    let chunks = chunks(&client, "m", START, START + 19 * STEP, STEP);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(samples(&chunks, START, STEP), grid(START, 20, STEP));
    assert_eq!(client.stats().halvings, 1);
}

#[test]
fn retries_429_after_the_retry_after_seconds() {
    let mut first = true;
    let server = Server::start(move |r| {
        if std::mem::take(&mut first) {
            Reply::new(429, "text/plain", "slow down\n").with_header("Retry-After", "1")
        } else {
            grid_matrix(r, value_at)
        }
    });
    let mut opts = options(&server);
    opts.retry_after_cap = Duration::from_secs(3);
    let client = client(opts);
    let started = Instant::now();
    let chunks = chunks(&client, "m", START, START + 9 * STEP, STEP);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(samples(&chunks, START, STEP), grid(START, 10, STEP));
    let stats = client.stats();
    assert_eq!((stats.requests, stats.retries), (2, 1));
}

#[test]
fn a_long_retry_after_is_capped() {
    let mut first = true;
    let server = Server::start(move |r| {
        if std::mem::take(&mut first) {
            Reply::new(503, "text/plain", "maintenance").with_header("Retry-After", "3600")
        } else {
            grid_matrix(r, value_at)
        }
    });
    let client = client(options(&server));
    let started = Instant::now();
    chunks(&client, "m", START, START + 9 * STEP, STEP);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(client.stats().retries, 1);
}

#[test]
fn retries_a_502_then_succeeds() {
    let mut first = true;
    let server = Server::start(move |r| {
        if std::mem::take(&mut first) {
            Reply::new(502, "text/html", "<html><body>Bad Gateway</body></html>")
        } else {
            grid_matrix(r, value_at)
        }
    });
    let client = client(options(&server));
    let chunks = chunks(&client, "m", START, START + 9 * STEP, STEP);
    assert_eq!(samples(&chunks, START, STEP), grid(START, 10, STEP));
    assert_eq!(client.stats().retries, 1);
}

#[test]
fn retries_a_body_the_connection_cut_short() {
    let mut first = true;
    let server = Server::start(move |r| {
        let Reply::Full { body, .. } = grid_matrix(r, value_at) else {
            unreachable!()
        };
        if std::mem::take(&mut first) {
            Reply::CutShort {
                declared: body.len(),
                body: body[..body.len() / 2].to_vec(),
            }
        } else {
            Reply::json(200, body)
        }
    });
    let client = client(options(&server));
    let chunks = chunks(&client, "m", START, START + 9 * STEP, STEP);
    assert_eq!(samples(&chunks, START, STEP), grid(START, 10, STEP));
    assert_eq!(client.stats().retries, 1);
}

#[test]
fn json_cut_short_in_a_complete_body_is_not_retried() {
    let server = Server::start(|_| {
        Reply::json(
            200,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"#,
        )
    });
    let client = client(options(&server));
    let e = error(&client, START, START + 9 * STEP, STEP);
    match &e {
        ClientError::BadResponse {
            status, problem, ..
        } => {
            assert_eq!(*status, 200);
            assert!(problem.contains("cut short"), "{problem}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn gives_up_after_the_retries() {
    let server = Server::start(|_| Reply::new(503, "text/plain", "Service Unavailable"));
    let mut opts = options(&server);
    opts.retries = 2;
    let client = client(opts);
    match error(&client, START, START + 9 * STEP, STEP) {
        ClientError::RetriesExhausted { attempts, last } => {
            assert_eq!(attempts, 3);
            assert_eq!(last, "HTTP 503: Service Unavailable");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 3);
    assert_eq!(client.stats().retries, 2);
}

#[test]
fn retries_a_refused_connection() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut opts = ClientOptions::new(format!("http://127.0.0.1:{port}"));
    opts.backoff_base = Duration::from_millis(1);
    opts.backoff_cap = Duration::from_millis(5);
    opts.retries = 2;
    let client = client(opts);
    match error(&client, START, START + 9 * STEP, STEP) {
        ClientError::RetriesExhausted { attempts, .. } => assert_eq!(attempts, 3),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_html_page_is_a_typed_error_with_its_status_and_start() {
    let server = Server::start(|_| {
        Reply::new(
            200,
            "text/html",
            "<!DOCTYPE html>\n<html><title>Sign in</title></html>",
        )
    });
    let client = client(options(&server));
    let e = error(&client, START, START + 9 * STEP, STEP);
    assert!(
        matches!(e, ClientError::BadResponse { status: 200, .. }),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(text.contains("HTTP 200"), "{text}");
    assert!(text.contains("HTML page"), "{text}");
    assert!(
        text.contains("<!DOCTYPE html>\\n<html><title>Sign in"),
        "{text}"
    );
}

#[test]
fn a_non_json_error_status_carries_the_body_start() {
    let server = Server::start(|_| Reply::new(500, "text/plain", "internal\u{7}error"));
    let client = client(options(&server));
    let e = error(&client, START, START + 9 * STEP, STEP);
    match &e {
        ClientError::Server {
            status: 500,
            error_type: None,
            message,
        } => assert_eq!(message, "internal\\u{7}error"),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn bad_data_is_returned_at_once_with_the_server_message() {
    let message = "invalid parameter \"query\": 1:5: parse error: unexpected \")\"";
    let server = Server::start(move |_| Reply::api_error(400, "bad_data", message));
    let client = client(options(&server));
    match error(&client, START, START + 9 * STEP, STEP) {
        ClientError::BadQuery { status, message: m } => {
            assert_eq!(status, 400);
            assert_eq!(m, message);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn auth_refusals_are_returned_at_once() {
    for status in [401, 403] {
        let server = Server::start(move |_| Reply::new(status, "text/plain", "Unauthorized\n"));
        let client = client(options(&server));
        match error(&client, START, START + 9 * STEP, STEP) {
            ClientError::Unauthorized { status: s, message } => {
                assert_eq!(s, status);
                assert_eq!(message, "Unauthorized\\n");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(server.requests().len(), 1);
    }
}

#[test]
fn a_missing_api_is_not_found() {
    let server = Server::start(|_| Reply::new(404, "text/plain", "404 page not found"));
    let client = client(options(&server));
    let e = error(&client, START, START + 9 * STEP, STEP);
    match &e {
        ClientError::NotFound { url, message } => {
            assert_eq!(*url, format!("{}/api/v1/query_range", server.url()));
            assert_eq!(message, "404 page not found");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("path prefix"), "{e}");
}

#[test]
fn a_redirect_is_not_followed_but_named() {
    let server = Server::start(|_| {
        Reply::new(302, "text/plain", "").with_header("Location", "https://elsewhere/login")
    });
    let client = client(options(&server));
    let e = error(&client, START, START + 9 * STEP, STEP);
    assert!(
        matches!(e, ClientError::Server { status: 302, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("https://elsewhere/login"), "{e}");
}

#[test]
fn sends_a_form_post_with_token_tenant_and_headers() {
    let server = Server::start(|r| grid_matrix(r, value_at));
    let dir = tempfile::tempdir().expect("tempdir");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "s3cret\n").expect("write token");
    let mut opts = options(&server);
    opts.url = format!("{}/prefix/", server.url());
    opts.bearer_token_file = Some(token_file);
    opts.tenant = Some("team-a".to_string());
    opts.headers = vec![("X-Extra".to_string(), "yes".to_string())];
    let client = client(opts);
    let expr = "sum by (job) (rate(x{a=\"b&c=d+e %\"}[5m])) > 0.5 # ünï";
    chunks(&client, expr, START + 123, START + 123 + 9 * STEP, STEP);

    let requests = server.requests();
    let [request] = requests.as_slice() else {
        panic!("{requests:?}")
    };
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/prefix/api/v1/query_range");
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(request.header("authorization"), Some("Bearer s3cret"));
    assert_eq!(request.header("x-scope-orgid"), Some("team-a"));
    assert_eq!(request.header("x-extra"), Some("yes"));
    let form: Vec<(&str, &str)> = request
        .form
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        form,
        [
            ("query", expr),
            ("start", "1700000007.123"),
            ("end", "1700000547.123"),
            ("step", "60.000"),
            ("partial_response", "false"),
            ("max_source_resolution", "0s"),
            ("nocache", "1"),
        ]
    );
}

#[test]
fn sends_basic_auth() {
    let server = Server::start(|r| grid_matrix(r, value_at));
    let dir = tempfile::tempdir().expect("tempdir");
    let password_file = dir.path().join("password");
    std::fs::write(&password_file, "pa:ss wörd\n").expect("write password");
    let mut opts = options(&server);
    opts.basic_auth = Some(alertlint_backtest::BasicAuth {
        username: "alice".to_string(),
        password_file,
    });
    let client = client(opts);
    chunks(&client, "m", START, START, STEP);
    // base64("alice:pa:ss wörd")
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Basic YWxpY2U6cGE6c3Mgd8O2cmQ=")
    );
}

#[test]
fn option_files_and_values_are_checked_by_new() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing");
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").expect("write");
    let not_pem = dir.path().join("ca.pem");
    std::fs::write(&not_pem, "just text\n").expect("write");
    let new = |change: &dyn Fn(&mut ClientOptions)| {
        let mut opts = ClientOptions::new("http://127.0.0.1:9");
        change(&mut opts);
        match Client::new(opts) {
            Ok(_) => panic!("accepted"),
            Err(e) => e,
        }
    };

    let e = new(&|o| o.bearer_token_file = Some(missing.clone()));
    assert!(
        matches!(&e, ClientError::ReadFile { file: FileRole::BearerToken, path, .. } if *path == missing)
    );
    assert!(e.to_string().starts_with(&format!(
        "cannot read the bearer token file {}: ",
        missing.display()
    )));
    assert!(std::error::Error::source(&e).is_some());

    let e = new(&|o| o.bearer_token_file = Some(empty.clone()));
    assert_eq!(
        e.to_string(),
        format!("the bearer token file {} is empty", empty.display())
    );

    let e = new(&|o| {
        o.basic_auth = Some(alertlint_backtest::BasicAuth {
            username: "u".to_string(),
            password_file: missing.clone(),
        });
    });
    assert!(matches!(
        e,
        ClientError::ReadFile {
            file: FileRole::BasicAuthPassword,
            ..
        }
    ));

    let e = new(&|o| {
        o.bearer_token_file = Some(empty.clone());
        o.basic_auth = Some(alertlint_backtest::BasicAuth {
            username: "u".to_string(),
            password_file: empty.clone(),
        });
    });
    assert!(matches!(e, ClientError::BadOption { .. }), "{e:?}");

    let e = new(&|o| o.ca_file = Some(not_pem.clone()));
    assert_eq!(
        e.to_string(),
        format!("the CA file {} holds no PEM certificate", not_pem.display())
    );
    let e = new(&|o| {
        o.client_cert = Some(alertlint_backtest::ClientCertFiles {
            cert_file: missing.clone(),
            key_file: missing.clone(),
        });
    });
    assert!(matches!(
        e,
        ClientError::ReadFile {
            file: FileRole::ClientCertificate,
            ..
        }
    ));

    for url in ["127.0.0.1:9090", "ftp://x", "http://x/?a=b", "http://x y"] {
        let e = new(&|o| o.url = url.to_string());
        assert!(
            matches!(e, ClientError::BadOption { option: "url", .. }),
            "{url}: {e:?}"
        );
    }
    let e = new(&|o| o.max_points = 0);
    assert!(matches!(
        e,
        ClientError::BadOption {
            option: "max_points",
            ..
        }
    ));
    let e = new(&|o| o.headers = vec![("Bad Name".to_string(), "v".to_string())]);
    assert!(matches!(
        e,
        ClientError::BadOption {
            option: "headers",
            ..
        }
    ));
    let e = new(&|o| o.tenant = Some("a\nb".to_string()));
    assert!(matches!(
        e,
        ClientError::BadOption {
            option: "tenant",
            ..
        }
    ));
}

#[test]
fn ranges_that_are_not_grids_are_rejected_before_any_request() {
    let server = Server::start(|r| grid_matrix(r, value_at));
    let client = client(options(&server));
    for (start, end, step) in [(0, 10, 0), (0, 10, -5), (10, 0, 1)] {
        assert!(matches!(
            client.query_range("m", start, end, step),
            Err(ClientError::BadRange { .. })
        ));
    }
    assert!(server.requests().is_empty());
}

#[test]
fn special_values_and_labels_are_read() {
    let server = Server::start(|r| {
        let t = r.ms("start");
        Reply::json(
            200,
            matrix_body(
                &[
                    (
                        r#"{"__name__":"a","job":"x\"y"}"#,
                        vec![(t, f64::NAN), (t + STEP, f64::INFINITY)],
                    ),
                    ("{}", vec![(t, f64::NEG_INFINITY), (t + STEP, -0.1)]),
                ],
                "",
            ),
        )
    });
    let client = client(options(&server));
    let chunks = chunks(&client, "m", START, START + STEP, STEP);
    let series = &chunks[0].series;
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].labels["__name__"], "a");
    assert_eq!(series[0].labels["job"], "x\"y");
    assert!(series[0].samples[0].1.is_nan());
    assert_eq!(series[0].samples[1], (START + STEP, f64::INFINITY));
    assert!(series[1].labels.is_empty());
    assert_eq!(
        series[1].samples,
        [(START, f64::NEG_INFINITY), (START + STEP, -0.1)]
    );
}

#[test]
fn another_result_type_is_a_typed_error() {
    let server = Server::start(|_| {
        Reply::json(
            200,
            r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
        )
    });
    let client = client(options(&server));
    let e = error(&client, START, START + STEP, STEP);
    assert!(e.to_string().contains("resultType is \"vector\""), "{e}");
}

#[test]
fn a_body_over_the_limit_is_a_typed_error() {
    let server = Server::start(|r| grid_matrix(r, value_at));
    let mut opts = options(&server);
    opts.max_body_bytes = 100;
    let client = client(opts);
    let e = error(&client, START, START + 99 * STEP, STEP);
    assert!(
        matches!(
            e,
            ClientError::BodyTooLarge {
                status: 200,
                limit: 100
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("limit of 100 bytes"), "{e}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn native_histograms_are_left_out_with_a_warning() {
    let server = Server::start(|r| {
        let t = json_time(r.ms("start"));
        Reply::json(
            200,
            format!(
                r#"{{"status":"success","data":{{"resultType":"matrix","result":[
                {{"metric":{{"h":"1"}},"histograms":[[{t},{{"count":"2","sum":"3","buckets":[[0,"0","1","2"]]}}]]}},
                {{"metric":{{"f":"1"}},"values":[[{t},"5"]]}}]}}}}"#
            ),
        )
    });
    let client = client(options(&server));
    let chunks = chunks(&client, "m", START, START, STEP);
    assert_eq!(chunks[0].series.len(), 1);
    assert_eq!(chunks[0].series[0].samples, [(START, 5.0)]);
    assert_eq!(
        chunks[0].warnings,
        [
            "1 series had native histogram samples, which the backtest does not read yet: they \
          are left out"
        ]
    );
}

fn json_time(ms: i64) -> String {
    server::json_seconds(ms)
}

#[test]
fn warnings_and_infos_reach_the_caller() {
    let server = Server::start(|r| {
        Reply::json(
            200,
            matrix_body(
                &[("{}", vec![(r.ms("start"), 1.0)])],
                r#","warnings":["PromQL warning: encountered a mix of histograms and floats"],"infos":["PromQL info: metric might not be a counter"]"#,
            ),
        )
    });
    let client = client(options(&server));
    let chunks = chunks(&client, "m", START, START, STEP);
    assert_eq!(
        chunks[0].warnings,
        ["PromQL warning: encountered a mix of histograms and floats"]
    );
    assert_eq!(
        chunks[0].infos,
        ["PromQL info: metric might not be a counter"]
    );
}

#[test]
fn samples_off_the_grid_are_reported_once() {
    // A server that aligns the range to multiples of the step, as VictoriaMetrics' cache and
    // query frontends do: its points fall on whole minutes, one before the requested start.
    let server = Server::start(|r| {
        let (start, end, step) = (r.ms("start"), r.ms("end"), r.ms("step"));
        let aligned = start - start.rem_euclid(step);
        let samples: Vec<(i64, f64)> = (aligned..=end)
            .step_by(step as usize)
            .map(|t| (t, 1.0))
            .collect();
        Reply::json(200, matrix_body(&[("{}", samples)], ""))
    });
    let mut opts = options(&server);
    opts.max_points = 10;
    let client = client(opts);
    let first_query = chunks(&client, "m", START, START + 19 * STEP, STEP);
    assert_eq!(first_query.len(), 2);
    assert_eq!(first_query[0].warnings.len(), 1);
    assert!(
        first_query[0].warnings[0].contains("off the requested grid"),
        "{:?}",
        first_query[0].warnings
    );
    assert!(first_query[1].warnings.is_empty());
    for chunk in &first_query {
        for (t, _) in &chunk.series[0].samples {
            assert!((chunk.start_ms..=chunk.end_ms).contains(t), "{t} outside");
        }
        // The point before the chunk's start is left out: ten per chunk returned, nine kept.
        assert_eq!(chunk.series[0].samples.len(), 9);
    }
    assert_eq!(client.stats().off_grid_samples, 20);
    // Said once per client, not once per query.
    let second_query = chunks(&client, "m", START, START + 9 * STEP, STEP);
    assert!(second_query[0].warnings.is_empty());
}

/// The test PKI under tests/tls/: a CA, a server certificate for 127.0.0.1 and a client
/// certificate, all P-256, valid 2020–2120, made once with `openssl ca` (the CA's key was not
/// kept). For tests only.
fn tls_file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tls")
        .join(name)
}

/// A TLS server that presents the server certificate and requires a client certificate
/// signed by the test CA.
fn tls_server_config() -> std::sync::Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use std::sync::Arc;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(tls_file("server.pem"))
        .expect("server.pem")
        .collect::<Result<_, _>>()
        .expect("server certificate");
    let key = PrivateKeyDer::from_pem_file(tls_file("server.key")).expect("server.key");
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_file_iter(tls_file("ca.pem")).expect("ca.pem") {
        roots.add(ca.expect("CA certificate")).expect("CA root");
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .expect("client verifier");
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .expect("server certificate and key");
    Arc::new(config)
}

fn tls_options(server: &Server) -> ClientOptions {
    let mut opts = options(server);
    opts.retries = 0;
    opts.ca_file = Some(tls_file("ca.pem"));
    opts.client_cert = Some(alertlint_backtest::ClientCertFiles {
        cert_file: tls_file("client.pem"),
        key_file: tls_file("client.key"),
    });
    opts
}

#[test]
fn https_with_the_ca_file_and_a_client_certificate() {
    let server = Server::start_tls(tls_server_config(), |r| grid_matrix(r, value_at));
    assert!(server.url().starts_with("https://127.0.0.1:"));
    let client = client(tls_options(&server));
    let chunks = chunks(&client, "m", START, START + 9 * STEP, STEP);
    assert_eq!(samples(&chunks, START, STEP), grid(START, 10, STEP));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn https_without_the_ca_file_is_a_transport_error_not_retried() {
    let server = Server::start_tls(tls_server_config(), |r| grid_matrix(r, value_at));
    let mut opts = tls_options(&server);
    opts.ca_file = None;
    opts.retries = 3;
    let client = client(opts);
    // The built-in roots do not know the test CA.
    let e = error(&client, START, START + 9 * STEP, STEP);
    assert!(matches!(e, ClientError::Transport { .. }), "{e:?}");
    assert!(server.requests().is_empty());
    assert_eq!(client.stats().requests, 1);
}

#[test]
fn https_without_a_client_certificate_is_refused() {
    let server = Server::start_tls(tls_server_config(), |r| grid_matrix(r, value_at));
    let mut opts = tls_options(&server);
    opts.client_cert = None;
    opts.retries = 3;
    let client = client(opts);
    let e = error(&client, START, START + 9 * STEP, STEP);
    // The server's fatal alert: retrying would be refused the same way.
    assert!(matches!(e, ClientError::Transport { .. }), "{e:?}");
    assert!(server.requests().is_empty());
    assert_eq!(client.stats().requests, 1);
}
