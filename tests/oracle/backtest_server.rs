//! `alertlint backtest` end to end against a real Prometheus (issue 20): three days of known
//! history with incidents (one that flaps within `keep_firing_for`, one shorter than `for`),
//! backfilled by promtool and served on 127.0.0.1, replayed by `alertlint backtest`. Every
//! firing it reports is checked by promtool's own rules manager: the same series and rules as
//! a `promtool test rules` file whose expected alerts at every transition come from
//! alertlint's firings. The answer must not change with 500-point requests, against a server
//! with a small `--query.max-samples`, or through a proxy that answers 429, 502 and
//! truncated bodies.

use crate::common::alertlint;
use crate::common::oracle::oracle_binary;
use crate::common::prometheus_server::{PrometheusServer, Series, backfill, write_openmetrics};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// 2025-12-01T00:00:00Z: the history's first sample.
const START: i64 = 1_764_547_200;
const MINUTES: usize = 3 * 24 * 60;

const RULES: &str = r#"groups:
  - name: api
    rules:
      - alert: ApiTargetDown
        expr: up{job="api"} == 0
        for: 5m
        labels:
          severity: critical
          team: api
      - alert: ApiTargetDownKept
        expr: up{job="api"} == 0
        for: 2m
        keep_firing_for: 5m
        labels:
          severity: critical
          team: api
  - name: checkout
    interval: 2m
    rules:
      - alert: CheckoutErrorsHigh
        expr: errors_ratio{service="checkout"} > 0.1
        for: 4m
        labels:
          severity: warning
          team: checkout
"#;

/// Minute ranges `[from, to)` in which a value is "bad".
fn bad(minute: usize, ranges: &[(usize, usize)]) -> bool {
    ranges
        .iter()
        .any(|&(from, to)| (from..to).contains(&minute))
}

/// One series of the history: its name, labels and one value per minute.
type MinuteSeries = (&'static str, Vec<(&'static str, &'static str)>, Vec<f64>);

/// The history.
fn history() -> Vec<MinuteSeries> {
    let up = |ranges: &[(usize, usize)]| -> Vec<f64> {
        (0..MINUTES)
            .map(|m| if bad(m, ranges) { 0.0 } else { 1.0 })
            .collect()
    };
    // Instance a: down 20 minutes; then down 5, up 3, down 7 (a flap within keep_firing_for);
    // then down 90 minutes on the second day. Instance b: down 30 minutes, and 4 minutes
    // (shorter than `for`).
    let a = up(&[(600, 620), (720, 725), (728, 735), (2000, 2090)]);
    let b = up(&[(1500, 1530), (3000, 3004)]);
    let errors: Vec<f64> = (0..MINUTES)
        .map(|m| {
            if bad(m, &[(900, 960), (2500, 2503), (3600, 3640)]) {
                0.2
            } else {
                0.01
            }
        })
        .collect();
    // Four healthy instances: the selector loads them too, so that a server limited to 20,000
    // samples per query cannot answer the three days at once.
    let healthy = || up(&[]);
    vec![
        ("up", vec![("job", "api"), ("instance", "a")], a),
        ("up", vec![("job", "api"), ("instance", "b")], b),
        ("up", vec![("job", "api"), ("instance", "c")], healthy()),
        ("up", vec![("job", "api"), ("instance", "d")], healthy()),
        ("up", vec![("job", "api"), ("instance", "e")], healthy()),
        ("up", vec![("job", "api"), ("instance", "f")], healthy()),
        ("errors_ratio", vec![("service", "checkout")], errors),
    ]
}

fn openmetrics_series() -> Vec<Series> {
    history()
        .into_iter()
        .map(|(name, labels, values)| Series {
            name: name.to_string(),
            labels: labels
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            samples: values
                .into_iter()
                .enumerate()
                .map(|(m, v)| (START + 60 * i64::try_from(m).expect("small"), v))
                .collect(),
        })
        .collect()
}

/// One firing as `alertlint backtest --format json` reports it: alert, labels, from, to
/// (minutes since START; `to` is the end of the window while still firing).
type Firing = (String, Vec<(String, String)>, i64, i64);

fn backtest(dir: &Path, url: &str, extra: &[&str]) -> (Vec<Firing>, serde_json::Value) {
    let end = START + i64::try_from(MINUTES).expect("small") * 60;
    let out = alertlint()
        .current_dir(dir)
        .args([
            "backtest",
            "--no-config",
            "--format",
            "json",
            "--events",
            "--url",
            url,
        ])
        .args(["--start", &START.to_string(), "--end", &end.to_string()])
        .args(extra)
        .arg("rules.yaml")
        .output()
        .expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: exit {:?}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let minute = |v: &serde_json::Value| {
        #[allow(clippy::cast_possible_truncation)]
        let t = v.as_f64().expect("a time") as i64;
        (t - START) / 60
    };
    let mut firings = Vec::new();
    for a in doc["alerts"].as_array().expect("alerts") {
        assert!(a["error"].is_null(), "{a}");
        for f in a["firings"].as_array().expect("firings") {
            let labels = f["labels"]
                .as_object()
                .expect("labels")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect();
            let to = if f["resolved_at"].is_null() {
                i64::try_from(MINUTES).expect("small")
            } else {
                minute(&f["resolved_at"])
            };
            firings.push((
                a["alert"].as_str().expect("name").to_string(),
                labels,
                minute(&f["fired_at"]),
                to,
            ));
        }
    }
    firings.sort();
    (firings, doc)
}

/// A promtool unit-test file over the same history and rules, expecting at each minute where
/// some alert changes state (and the minute after) exactly the alerts `firings` says are
/// firing then.
fn promtool_test(firings: &[Firing]) -> String {
    let mut text = String::from(
        "rule_files: [rules.yaml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n",
    );
    for (name, labels, values) in history() {
        let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
        let values: Vec<String> = values.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            text,
            "      - series: '{name}{{{}}}'\n        values: '{}'",
            labels.join(","),
            values.join(" ")
        );
    }
    text.push_str("    alert_rule_test:\n");
    let alerts = ["ApiTargetDown", "ApiTargetDownKept", "CheckoutErrorsHigh"];
    let last = i64::try_from(MINUTES).expect("small") - 1;
    for alert in alerts {
        let mut times: Vec<i64> = vec![0, last];
        for (name, _, from, to) in firings.iter().filter(|f| f.0 == alert) {
            assert_eq!(name, alert);
            times.extend([*from - 1, *from, *from + 1, *to - 1, *to]);
        }
        // The checkout group is evaluated every 2 minutes: check it on its grid.
        let step = if alert == "CheckoutErrorsHigh" { 2 } else { 1 };
        times.retain(|t| (0..=last).contains(t) && t % step == 0);
        times.sort_unstable();
        times.dedup();
        for t in times {
            let _ = writeln!(
                text,
                "      - eval_time: {t}m\n        alertname: {alert}\n        exp_alerts:"
            );
            let firing: Vec<&Firing> = firings
                .iter()
                .filter(|f| f.0 == alert && f.2 <= t && t < f.3)
                .collect();
            if firing.is_empty() {
                text.truncate(text.len() - 1);
                text.push_str(" []\n");
            }
            for f in firing {
                let labels: Vec<String> =
                    f.1.iter()
                        .filter(|(k, _)| k != "alertname")
                        .map(|(k, v)| format!("{k}: \"{v}\""))
                        .collect();
                let _ = writeln!(text, "          - exp_labels: {{{}}}", labels.join(", "));
            }
        }
    }
    text
}

/// A loopback proxy in front of `upstream` that answers the 2nd request with 429 and
/// `Retry-After: 1`, the 4th with 502, and cuts the 6th response's body short, passing the
/// others through. Serves until the test ends (its thread is detached).
fn faulty_proxy(upstream: String) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("address");
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
            let upstream = upstream.clone();
            std::thread::spawn(move || serve(stream, &upstream, n));
        }
    });
    (format!("http://{addr}"), count)
}

fn serve(mut client: TcpStream, upstream: &str, n: usize) {
    let Some((head, body)) = crate::common::read_http_request(&mut client) else {
        return;
    };
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let respond = |client: &mut TcpStream, status: &str, extra: &str, body: &[u8], send: usize| {
        let _ = write!(
            client,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
            body.len()
        );
        let _ = client.write_all(&body[..send.min(body.len())]);
    };
    match n {
        2 => respond(
            &mut client,
            "429 Too Many Requests",
            "Retry-After: 1\r\n",
            b"{}",
            2,
        ),
        4 => respond(&mut client, "502 Bad Gateway", "", b"bad gateway", 11),
        _ => {
            let host = upstream.trim_start_matches("http://");
            let Ok(mut up) = TcpStream::connect(host) else {
                return;
            };
            // HTTP/1.0: the server closes the connection after a body without chunking.
            let _ = write!(
                up,
                "POST {path} HTTP/1.0\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = up.write_all(&body);
            let mut answer = Vec::new();
            let _ = up.read_to_end(&mut answer);
            let Some(split) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
                return;
            };
            let status_line = String::from_utf8_lossy(&answer[..split]);
            let status = status_line
                .lines()
                .next()
                .and_then(|l| l.split_once(' ').map(|(_, s)| s.to_string()))
                .unwrap_or_else(|| "200 OK".to_string());
            let payload = &answer[split + 4..];
            let send = if n == 6 {
                payload.len() / 2
            } else {
                payload.len()
            };
            respond(&mut client, &status, "", payload, send);
        }
    }
}

#[test]
fn backtest_agrees_with_promtool_on_a_real_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let om = dir.path().join("history.om");
    write_openmetrics(&om, &openmetrics_series());
    let blocks = dir.path().join("blocks");
    backfill(&om, &blocks);
    std::fs::write(dir.path().join("rules.yaml"), RULES).expect("write rules");
    let server = PrometheusServer::start(&blocks, None);

    let (firings, doc) = backtest(dir.path(), &server.url(), &[]);
    let count = |alert: &str| firings.iter().filter(|f| f.0 == alert).count();
    // a: 20 minutes, the flap (5 then 7 minutes: only the 7 outlasts `for: 5m`), 90 minutes;
    // b: 30 minutes (the 4 minutes are under `for`).
    assert_eq!(count("ApiTargetDown"), 4, "{firings:?}");
    // keep_firing_for merges the flap into one firing; with `for: 2m`, b's 4 minutes fire.
    assert_eq!(count("ApiTargetDownKept"), 5, "{firings:?}");
    assert_eq!(count("CheckoutErrorsHigh"), 2, "{firings:?}");
    let kept = doc["alerts"]
        .as_array()
        .expect("alerts")
        .iter()
        .find(|a| a["alert"] == "ApiTargetDownKept")
        .expect("the kept alert");
    assert_eq!(kept["flaps"], 0);

    // promtool's rules manager agrees at every transition.
    let test = promtool_test(&firings);
    std::fs::write(dir.path().join("backtest.test.yaml"), &test).expect("write test");
    let promtool = oracle_binary("promtool", "PROMTOOL", "prometheus");
    let out = std::process::Command::new(&promtool)
        .current_dir(dir.path())
        .args(["test", "rules", "backtest.test.yaml"])
        .output()
        .unwrap_or_else(|e| panic!("{promtool}: {e}"));
    assert!(
        out.status.success(),
        "promtool disagrees:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // The same answer in 500-point requests, by halving under a small sample limit, and
    // through a proxy that fails requests now and then.
    let (small, _) = backtest(dir.path(), &server.url(), &["--max-points", "500"]);
    assert_eq!(small, firings);
    let limited = PrometheusServer::start(&blocks, Some(20_000));
    let (halved, doc) = backtest(dir.path(), &limited.url(), &[]);
    assert_eq!(halved, firings);
    assert!(
        doc["queries"]["halvings"].as_u64().expect("halvings") > 0,
        "{}",
        doc["queries"]
    );
    let (proxy, requests) = faulty_proxy(server.url());
    let (through, doc) = backtest(
        dir.path(),
        &proxy,
        &["--max-points", "1000", "--concurrency", "1"],
    );
    assert_eq!(through, firings);
    assert!(
        doc["queries"]["retries"].as_u64().expect("retries") >= 3,
        "{}",
        doc["queries"]
    );
    assert!(requests.load(Ordering::SeqCst) > 6);
}
