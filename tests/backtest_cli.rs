//! `alertlint backtest` against a stand-in for a Prometheus server on 127.0.0.1: a small HTTP
//! server that answers `/api/v1/query_range` with alertlint's own PromQL engine over a
//! scripted history (tier 1 needs no Prometheus; the oracle tier runs the real one, see
//! tests/oracle/backtest_server.rs). What it checks is the command: the table, the JSON, the
//! findings, exit codes, and what it says when the server fails.

mod common;

use common::alertlint;
use promql::{Engine, Labels, Storage, StoredValue};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// 2025-12-01T00:00:00Z.
const START: i64 = 1_764_547_200;
const DAY_MINUTES: i64 = 24 * 60;
/// The longest a run of the binary may take before the test kills it and fails: far more than
/// the second or so a run takes here, so that only a hang trips it.
const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

/// Two days at 1m: `up` of two instances with outages (one flapping), a gauge over a threshold
/// for hours, and `queue_depth` for a rule whose labels churn.
fn storage() -> Storage {
    let mut s = Storage::new();
    let down_a = |m: i64| {
        (600..620).contains(&m)
            || (700..705).contains(&m)
            || (730..736).contains(&m)
            || (760..770).contains(&m)
            || (790..800).contains(&m)
    };
    let down_b = |m: i64| (1500..1530).contains(&m);
    // What a Prometheus running ApiTargetDown (`for: 2m`) recorded: ALERTS while firing, a
    // stale marker at resolution. Instance a's last outage is left out (the server was down,
    // say), so the replay finds more than was recorded.
    let recorded = [
        ("a", 602, 620),
        ("a", 702, 705),
        ("a", 732, 736),
        ("a", 762, 770),
        ("b", 1502, 1530),
    ];
    for (instance, from, to) in recorded {
        let labels = Labels::from_pairs([
            ("__name__", "ALERTS"),
            ("alertname", "ApiTargetDown"),
            ("alertstate", "firing"),
            ("instance", instance),
            ("job", "api"),
            ("severity", "critical"),
            ("team", "api"),
        ]);
        for m in from..to {
            s.append(&labels, (START + m * 60) * 1000, StoredValue::Float(1.0));
        }
        s.append(&labels, (START + to * 60) * 1000, StoredValue::Stale);
    }
    for m in 0..2 * DAY_MINUTES {
        let t = (START + m * 60) * 1000;
        let mut put = |labels: &[(&str, &str)], v: f64| {
            s.append(
                &Labels::from_pairs(labels.iter().copied()),
                t,
                StoredValue::Float(v),
            );
        };
        put(
            &[("__name__", "up"), ("job", "api"), ("instance", "a")],
            if down_a(m) { 0.0 } else { 1.0 },
        );
        put(
            &[("__name__", "up"), ("job", "api"), ("instance", "b")],
            if down_b(m) { 0.0 } else { 1.0 },
        );
        put(&[("__name__", "disk_used_ratio"), ("device", "sda")], 0.7);
        #[allow(clippy::cast_precision_loss)]
        put(
            &[("__name__", "queue_depth"), ("queue", "mail")],
            if (1000..1010).contains(&m) {
                100.0 + m as f64
            } else {
                1.0
            },
        );
    }
    s
}

/// Serves `/api/v1/query_range` from `storage` on 127.0.0.1 until the test ends. An
/// expression alertlint's parser rejects is a 400 `bad_data`, as Prometheus answers.
fn serve(storage: Storage) -> String {
    serve_with(storage, None).0
}

/// What the stand-in server saw: the head of every request, as it came (through a proxy's
/// tunnel: the tunnelled request's), so that a test can check what alertlint sent.
#[derive(Default)]
struct Seen {
    /// The `Authorization` a request must carry, else it is answered 401 as an
    /// authenticating proxy in front of Prometheus would (`None`: anything goes).
    required_authorization: Option<String>,
    heads: std::sync::Mutex<Vec<String>>,
}

impl Seen {
    fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("not poisoned").clone()
    }
}

/// The value of header `name` in a request head (names are case-insensitive, and ureq
/// writes them in lower case).
fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines().skip(1).find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// [`serve`], requiring `authorization` if given, with what the server saw.
fn serve_with(storage: Storage, authorization: Option<&str>) -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let storage = Arc::new(storage);
    let seen = Arc::new(Seen {
        required_authorization: authorization.map(str::to_string),
        ..Seen::default()
    });
    let server_seen = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let storage = Arc::clone(&storage);
            let seen = Arc::clone(&server_seen);
            std::thread::spawn(move || answer(stream, &storage, &seen));
        }
    });
    (url, seen)
}

fn answer(mut stream: TcpStream, storage: &Storage, seen: &Seen) {
    let Some((mut head, mut body)) = common::read_http_request(&mut stream) else {
        return;
    };
    // Asked as an HTTP proxy: the tunnel is opened, and the request comes through it.
    if head.starts_with("CONNECT ") {
        let _ = write!(stream, "HTTP/1.1 200 Connection established\r\n\r\n");
        let Some(tunnelled) = common::read_http_request(&mut stream) else {
            return;
        };
        (head, body) = tunnelled;
    }
    seen.heads.lock().expect("not poisoned").push(head.clone());
    if let Some(required) = &seen.required_authorization
        && header(&head, "authorization") != Some(required.as_str())
    {
        // What Go's http.Error writes (Prometheus' own basic auth, most auth proxies).
        let text = "Unauthorized\n";
        let _ = write!(
            stream,
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain; charset=utf-8\r\n\
             WWW-Authenticate: Basic realm=\"prometheus\"\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{text}",
            text.len()
        );
        return;
    }
    let body = String::from_utf8_lossy(&body);
    let form: std::collections::HashMap<String, String> = body
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect();
    let num = |k: &str| {
        form.get(k)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    #[allow(clippy::cast_possible_truncation)]
    let (start, end, step) = (
        (num("start") * 1000.0) as i64,
        (num("end") * 1000.0) as i64,
        (num("step") * 1000.0) as i64,
    );
    let query = form.get("query").cloned().unwrap_or_default();
    let (status, json) = match promql::parse(&query) {
        Err(errors) => (
            "400 Bad Request",
            serde_json::json!({"status": "error", "errorType": "bad_data",
                "error": errors.first().map(ToString::to_string).unwrap_or_default()}),
        ),
        Ok(expr) => match Engine::default().range(storage, &expr, start, end, step) {
            Err(e) => (
                "422 Unprocessable Entity",
                serde_json::json!({"status": "error", "errorType": "execution", "error": e.to_string()}),
            ),
            Ok(series) => {
                let result: Vec<serde_json::Value> = series
                    .iter()
                    .map(|s| {
                        let metric: serde_json::Map<String, serde_json::Value> = s
                            .labels
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.into()))
                            .collect();
                        #[allow(clippy::cast_precision_loss)]
                        let values: Vec<serde_json::Value> = s
                            .floats
                            .iter()
                            .map(|(t, v)| serde_json::json!([*t as f64 / 1000.0, v.to_string()]))
                            .collect();
                        serde_json::json!({"metric": metric, "values": values})
                    })
                    .collect();
                (
                    "200 OK",
                    serde_json::json!({"status": "success",
                        "data": {"resultType": "matrix", "result": result}}),
                )
            }
        },
    };
    let text = json.to_string();
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

const RULES: &str = r#"groups:
  - name: api
    rules:
      - alert: ApiTargetDown
        expr: up{job="api"} == 0
        for: 2m
        labels:
          severity: critical
          team: api
      - alert: DiskHalfFull
        expr: disk_used_ratio > 0.5
        for: 10m
        labels:
          severity: warning
          team: storage
      - alert: QueueDeep
        expr: queue_depth > 50
        labels:
          severity: warning
          team: mail
          depth: "{{ $value }}"
      - alert: NothingThere
        expr: up{job="gone"} == 0
        labels:
          severity: warning
          team: api
      - alert: ServerRefuses
        expr: rate(up{job="api"}[5m] offset -)
        labels:
          severity: warning
          team: api
"#;

fn run(dir: &Path, url: &str, extra: &[&str]) -> (i32, String, String) {
    let out = alertlint()
        .current_dir(dir)
        .args(["backtest", "--no-config", "--url", url])
        .args([
            "--start",
            "2025-12-01T00:00:00Z",
            "--end",
            "2025-12-03T00:00:00Z",
        ])
        .args(extra)
        .arg("rules.yaml")
        .timeout(CHILD_TIMEOUT)
        .output()
        .expect("runs");
    (
        out.status
            .code()
            .expect("exit code (none: killed after CHILD_TIMEOUT)"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn backtest_reports_fires_teams_and_findings() {
    let dir = common::dir_with(&[("rules.yaml", RULES)]);
    let url = serve(storage());
    let (code, stdout, stderr) = run(dir.path(), &url, &["--page-budget", "5"]);
    // A page budget of 5 a week is exceeded: an error, exit 1.
    assert_eq!(code, 1, "{stderr}");
    let shown = stdout.replace(&url, "URL");
    insta::assert_snapshot!(shown);

    let (_, json, _) = run(dir.path(), &url, &["--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let alert = |name: &str| {
        doc["alerts"]
            .as_array()
            .expect("alerts")
            .iter()
            .find(|a| a["alert"] == name)
            .cloned()
            .expect("reported")
    };
    // a: down 20, 5, 6, 10 and 10 minutes, all over `for: 2m`, the last three within an hour
    // of the one before (flaps); b: 30 minutes.
    assert_eq!(alert("ApiTargetDown")["fires"], 6);
    assert_eq!(alert("ApiTargetDown")["flaps"], 3);
    assert_eq!(alert("DiskHalfFull")["firing_at_start"], 0);
    assert_eq!(alert("DiskHalfFull")["fires"], 1);
    assert_eq!(alert("QueueDeep")["label_sets"], 10);
    assert_eq!(alert("NothingThere")["fires"], 0);
    assert!(
        alert("ServerRefuses")["error"]
            .as_str()
            .is_some_and(|e| e.contains("400")),
        "{}",
        alert("ServerRefuses")
    );
    let checks: Vec<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["check"].as_str().expect("check"))
        .collect();
    for check in [
        "backtest/flapping",
        "backtest/always-firing",
        "backtest/label-churn",
        "backtest/never-fired",
        "backtest/query-error",
    ] {
        assert!(checks.contains(&check), "{check} not in {checks:?}");
    }
    // Within the default budget of 10 a week: 6 pages in 2 days is 21 a week, still over.
    assert!(checks.contains(&"backtest/pages-over-budget"));
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let dir = common::dir_with(&[("rules.yaml", RULES)]);
    // A port nothing listens on: bound, then released.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let (code, stdout, stderr) = run(dir.path(), &url, &["--timeout", "2s", "--retries", "0"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stderr.contains("no query could be answered"), "{stderr}");
    assert!(stderr.contains(&url), "{stderr}");
}

#[test]
fn bad_arguments_are_usage_errors() {
    let dir = common::dir_with(&[("rules.yaml", RULES)]);
    for (args, says) in [
        (vec!["--start", "yesterday"], "--start yesterday"),
        (vec!["--interval", "0s"], "--interval must be positive"),
        (vec!["--alert", "("], "--alert: invalid regex"),
        (vec!["--alert", "Nope"], "no alerting rule to replay"),
        // What the client refuses is named by its flag.
        (
            vec!["--header", "X Team: a"],
            "--header: \"X Team\" is not a header name",
        ),
        (
            vec!["--tenant", "a\nb"],
            "--tenant: the value of X-Scope-OrgID is not a header value",
        ),
        (
            vec!["--header", "X-Team"],
            "--header X-Team: expected `Name: value`",
        ),
        (
            vec![
                "--bearer-token-file",
                "token",
                "--basic-auth-user",
                "u",
                "--basic-auth-password-file",
                "password",
            ],
            "'--bearer-token-file <FILE>' cannot be used with '--basic-auth-user <USER>'",
        ),
    ] {
        let out = alertlint()
            .current_dir(dir.path())
            .args(["backtest", "--no-config", "--url", "http://127.0.0.1:1"])
            .args(&args)
            .arg("rules.yaml")
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

/// `--baseline-ref`: the rules as they were at a revision are replayed too, and the change is
/// reported per alert and per team (the pull-request view).
#[test]
fn baseline_ref_reports_the_change_of_a_pull_request() {
    let dir = common::dir_with(&[("rules.yaml", RULES)]);
    common::git(dir.path(), &["init", "-q"]);
    common::git(dir.path(), &["add", "-A"]);
    common::git(dir.path(), &["commit", "-q", "-m", "base"]);
    // The change: ApiTargetDown waits 8 minutes instead of 2 (the 5- and 6-minute outages no
    // longer fire), and a new paging alert.
    let changed = RULES.replace("        for: 2m\n", "        for: 8m\n")
        + "      - alert: DiskFull\n        expr: disk_used_ratio > 0.6\n        labels:\n          \
           severity: critical\n          team: storage\n";
    std::fs::write(dir.path().join("rules.yaml"), changed).expect("write");
    let url = serve(storage());
    let (_, stdout, stderr) = run(dir.path(), &url, &["--baseline-ref", "HEAD"]);
    let change = stdout
        .split("Against HEAD:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no change section: {stdout}{stderr}"));
    insta::assert_snapshot!(change);
    let (_, json, _) = run(
        dir.path(),
        &url,
        &["--baseline-ref", "HEAD", "--format", "json"],
    );
    let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let alerts = doc["change"]["alerts"].as_array().expect("alerts");
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert_eq!(alerts[0]["alert"], "ApiTargetDown");
    assert_eq!(
        (
            alerts[0]["fires_before"].as_u64(),
            alerts[0]["fires_now"].as_u64()
        ),
        (Some(6), Some(4))
    );
    assert_eq!(alerts[1]["alert"], "DiskFull");
    assert!(alerts[1]["fires_before"].is_null());
    // Unknown revision: a usage error.
    let (code, _, stderr) = run(dir.path(), &url, &["--baseline-ref", "nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown git revision `nope`"), "{stderr}");
}

/// `--compare-actual`: the replay against the `ALERTS` series the server recorded.
#[test]
fn compare_actual_measures_agreement_with_recorded_alerts() {
    let dir = common::dir_with(&[("rules.yaml", RULES)]);
    let url = serve(storage());
    let (_, json, stderr) = run(
        dir.path(),
        &url,
        &[
            "--compare-actual",
            "--format",
            "json",
            "--alert",
            "ApiTargetDown|DiskHalfFull",
        ],
    );
    let doc: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let actual = |i: usize| doc["alerts"][i]["actual"].clone();
    // ApiTargetDown: 18 + 3 + 4 + 8 + 28 points recorded, and 8 more replayed (792..800).
    assert_eq!(actual(0)["actual_points"], 61, "{}", actual(0));
    assert_eq!(actual(0)["both"], 61);
    assert_eq!(actual(0)["replayed_points"], 69);
    assert_eq!(actual(0)["recall"], 1.0);
    // DiskHalfFull was never recorded: no recall, precision 0.
    assert_eq!(actual(1)["actual_points"], 0);
    assert_eq!(actual(1)["precision"], 0.0);
    assert!(actual(1)["recall"].is_null());
    let (_, human, _) = run(
        dir.path(),
        &url,
        &["--compare-actual", "--alert", "ApiTargetDown"],
    );
    let section = human
        .split("Against the server's ALERTS")
        .nth(1)
        .expect("the comparison is shown");
    assert!(
        section.contains("ApiTargetDown  69        61         61    88%        100%"),
        "{section}"
    );
}

/// `--format sarif` and `github`: the findings, for code scanning and pull-request annotations.
#[test]
fn findings_as_sarif_and_github_annotations() {
    let dir = common::dir_with(&[("rules.yaml", RULES)]);
    let url = serve(storage());
    let (_, sarif, _) = run(dir.path(), &url, &["--format", "sarif"]);
    let doc: serde_json::Value = serde_json::from_str(&sarif).expect("SARIF is JSON");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    let rules: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().expect("ruleId"))
        .collect();
    assert!(rules.contains(&"backtest/always-firing"), "{rules:?}");
    let (_, github, _) = run(dir.path(), &url, &["--format", "github"]);
    assert!(
        github
            .lines()
            .any(|l| l.starts_with("::warning file=rules.yaml,line=10,")
                && l.contains("DiskHalfFull")),
        "{github}"
    );
}

/// Paging receivers for the teams api and storage, the latter paged again every hour; the team
/// mail's alerts go to the default receiver, which does not page.
const AM: &str = "route:\n  receiver: default\n  group_by: [alertname]\n  routes:\n    \
    - matchers: ['team=\"api\"']\n      receiver: api-pager\n    \
    - matchers: ['team=\"storage\"']\n      receiver: storage-pager\n      \
    repeat_interval: 1h\nreceivers:\n  - name: default\n  - name: api-pager\n    \
    pagerduty_configs: [{routing_key: a}]\n  - name: storage-pager\n    \
    pagerduty_configs: [{routing_key: b}]\n";

/// `--alertmanager`: pages are the notifications Alertmanager would have sent to paging
/// receivers; an alert firing for days pages again at every `repeat_interval`.
#[test]
fn alertmanager_pages_follow_grouping_and_repeats() {
    let dir = common::dir_with(&[("rules.yaml", RULES), ("alertmanager.yml", AM)]);
    let url = serve(storage());
    let (_, json, stderr) = run(
        dir.path(),
        &url,
        &["--alertmanager", "alertmanager.yml", "--format", "json"],
    );
    let doc: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let pages = |team: &str| {
        doc["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .find(|t| t["team"] == team)
            .map(|t| t["pages"].as_u64().expect("pages"))
    };
    // ApiTargetDown: each of its 6 fires starts a new group (the previous one resolved and
    // was deleted), paged once after group_wait.
    assert_eq!(pages("api"), Some(6), "{}", doc["teams"]);
    // DiskHalfFull fires at 10m and never resolves: paged at 10m30s, then at the first
    // group_interval flush more than an hour after the last page, every 65 minutes.
    let expected = 1 + (2 * 24 * 60 - 11) / 65;
    assert_eq!(pages("storage"), Some(expected), "{}", doc["teams"]);
    // QueueDeep (team mail) goes to the default receiver, which does not page: 10 fires, no
    // page.
    assert_eq!(pages("mail"), Some(0));
    let mail = doc["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["team"] == "mail")
        .cloned()
        .expect("mail");
    assert_eq!(mail["fires"], 10);
    // Without --events, no firings in the JSON.
    assert!(doc["alerts"][0].get("firings").is_none());
}

/// `--baseline-ref` with `--alertmanager`: both sides page as Alertmanager would have
/// notified, not by severity tier. The change quiets DiskHalfFull, a `warning` (a tier that
/// does not page) whose receiver pages every `repeat_interval`.
#[test]
fn baseline_ref_pages_through_the_alertmanager_too() {
    let dir = common::dir_with(&[("rules.yaml", RULES), ("alertmanager.yml", AM)]);
    common::git(dir.path(), &["init", "-q"]);
    common::git(dir.path(), &["add", "-A"]);
    common::git(dir.path(), &["commit", "-q", "-m", "base"]);
    let changed = RULES.replace("disk_used_ratio > 0.5", "disk_used_ratio > 0.8");
    std::fs::write(dir.path().join("rules.yaml"), changed).expect("write");
    let url = serve(storage());
    let args = [
        "--baseline-ref",
        "HEAD",
        "--alertmanager",
        "alertmanager.yml",
    ];
    let (_, json, stderr) = run(
        dir.path(),
        &url,
        &[&args[..], &["--format", "json"]].concat(),
    );
    let doc: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let teams = doc["change"]["teams"].as_array().expect("teams");
    // Before: 45 pages in 2 days (see alertmanager_pages_follow_grouping_and_repeats), 157.5
    // a week; by severity tier it would have been none. Now it does not fire.
    assert_eq!(teams.len(), 1, "{teams:?}");
    assert_eq!(teams[0]["team"], "storage");
    assert_eq!(teams[0]["pages_per_week_before"], 157.5, "{teams:?}");
    assert_eq!(teams[0]["pages_per_week_now"], 0.0);
    // The team api pages 6 times by either model, before and now: no change to report, and
    // the same count as the report's own team table.
    let api = doc["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["team"] == "api")
        .cloned()
        .expect("api");
    assert_eq!(api["pages"], 6);
    let (_, human, _) = run(dir.path(), &url, &args);
    assert!(
        human.contains("storage  3.5                0.0  157.5              0.0  -157.5"),
        "{human}"
    );
}

/// The page budget: `--page-budget N/week`, else `policy.page_budget` of the config.
#[test]
fn the_page_budget_comes_from_the_flag_or_the_policy() {
    let url = serve(storage());
    let budget = |dir: &Path, extra: &[&str]| {
        let out = alertlint()
            .current_dir(dir)
            .args(["backtest", "--url", &url, "--format", "json"])
            .args([
                "--start",
                "2025-12-01T00:00:00Z",
                "--end",
                "2025-12-03T00:00:00Z",
            ])
            .args(extra)
            .arg("rules.yaml")
            .output()
            .expect("runs");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        doc["teams"][0]["budget"].as_u64()
    };
    let dir = common::dir_with(&[
        ("rules.yaml", RULES),
        (".alertlint.yaml", "policy:\n  page_budget: 25/week\n"),
    ]);
    assert_eq!(budget(dir.path(), &[]), Some(25));
    assert_eq!(budget(dir.path(), &["--page-budget", "3/week"]), Some(3));
    let out = alertlint()
        .current_dir(dir.path())
        .args([
            "backtest",
            "--url",
            &url,
            "--page-budget",
            "lots",
            "rules.yaml",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

/// Proxies from the environment: with `HTTP_PROXY` set, requests go through the proxy (a
/// `CONNECT` tunnel), which here is the stand-in server itself, for a host that does not
/// resolve.
#[test]
fn requests_go_through_the_proxy_of_the_environment() {
    let dir = common::dir_with(&[("rules.yaml", RULES)]);
    let proxy = serve(storage());
    let out = alertlint()
        .current_dir(dir.path())
        .env("HTTP_PROXY", &proxy)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .args([
            "backtest",
            "--no-config",
            "--format",
            "json",
            "--retries",
            "0",
        ])
        .args([
            "--url",
            "http://prometheus.invalid:9090",
            "--alert",
            "ApiTargetDown",
        ])
        .args([
            "--start",
            "2025-12-01T00:00:00Z",
            "--end",
            "2025-12-03T00:00:00Z",
        ])
        .arg("rules.yaml")
        .output()
        .expect("runs");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(doc["alerts"][0]["fires"], 6, "{doc}");
}

/// `s` quoted for `sh`: inside single quotes, each single quote closed, escaped and reopened.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// On a terminal, stderr shows a progress bar over the queries; in a pipe, nothing but the
/// report. A pseudo-terminal comes from `script` (util-linux, in Debian's essential `bsdutils`):
/// `script -qec CMD /dev/null` runs CMD on a new pty and copies what is written to it to its
/// own stdout, which the test reads. Inside, stdout is redirected to a file so that what comes
/// through the pty is alertlint's stderr alone. `TERM` is set because indicatif (console)
/// takes an unset `TERM`, as CI runners often have, for a dumb terminal and draws nothing.
#[test]
fn a_progress_bar_on_a_terminal_and_none_in_a_pipe() {
    let script_works = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        script_works,
        "this test needs `script` from util-linux (Debian package bsdutils) to run alertlint on a \
         pseudo-terminal"
    );
    let dir = common::dir_with(&[("rules.yaml", RULES)]);
    let url = serve(storage());
    let backtest = [
        env!("CARGO_BIN_EXE_alertlint"),
        "backtest",
        "--no-config",
        "--fail-on",
        "never",
        "--url",
        &url,
        "--start",
        "2025-12-01T00:00:00Z",
        "--end",
        "2025-12-03T00:00:00Z",
        "rules.yaml",
    ]
    .map(sh_quote)
    .join(" ");
    let on_pty = |redirect: &str| {
        let out = assert_cmd::Command::new("script")
            .current_dir(dir.path())
            .env("TERM", "xterm")
            .env("NO_COLOR", "1")
            .args(["-qec", &format!("{backtest} {redirect}"), "/dev/null"])
            .timeout(CHILD_TIMEOUT)
            .output()
            .expect("script runs");
        let pty = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(0), "{pty}");
        pty
    };

    // stderr on the terminal: the bar is drawn there (5 rules, 5 expressions, 5 queries)...
    let pty = on_pty("> report.txt");
    assert!(
        pty.contains("replaying") && pty.contains("/5 queries"),
        "no progress bar on the terminal: {pty:?}"
    );
    // ...and the report, written to a file, has none of it.
    let report = std::fs::read_to_string(dir.path().join("report.txt")).expect("report");
    assert!(report.starts_with("alert "), "{report}");
    assert!(!report.contains("replaying"), "{report}");

    // stdout on the terminal, stderr to a file: no bar, in the file or on the terminal.
    let pty = on_pty("2> errors.txt");
    assert!(pty.contains("ApiTargetDown"), "{pty}");
    let errors = std::fs::read_to_string(dir.path().join("errors.txt")).expect("stderr");
    assert!(!errors.contains("replaying"), "{errors:?}");
    assert!(!pty.contains("replaying"), "{pty:?}");

    // Piped, as in CI, with the same TERM: the report alone.
    let out = alertlint()
        .current_dir(dir.path())
        .env("TERM", "xterm")
        .args([
            "backtest",
            "--no-config",
            "--fail-on",
            "never",
            "--url",
            &url,
        ])
        .args([
            "--start",
            "2025-12-01T00:00:00Z",
            "--end",
            "2025-12-03T00:00:00Z",
        ])
        .arg("rules.yaml")
        .timeout(CHILD_TIMEOUT)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "nothing on stderr in a pipe"
    );
}

/// The firings of one alert in `--format json --events`: (instance, fired at, resolved at), in
/// seconds.
fn firings(doc: &serde_json::Value, alert: usize) -> Vec<(String, f64, Option<f64>)> {
    doc["alerts"][alert]["firings"]
        .as_array()
        .unwrap_or_else(|| panic!("no firings: {doc}"))
        .iter()
        .map(|f| {
            (
                f["labels"]["instance"].as_str().unwrap_or("").to_string(),
                f["fired_at"].as_f64().expect("fired_at"),
                f["resolved_at"].as_f64(),
            )
        })
        .collect()
}

/// `--eval-offset`: the evaluation grid is `k × interval + offset`. The history is sampled on
/// whole minutes, so evaluating 30 s later sees the same samples (within the lookback): every
/// firing is the same, 30 s later.
#[test]
fn eval_offset_shifts_the_evaluation_grid() {
    let dir = common::dir_with(&[("rules.yaml", RULES)]);
    let url = serve(storage());
    let replay = |offset: &str| {
        let (code, json, stderr) = run(
            dir.path(),
            &url,
            &[
                "--alert",
                "ApiTargetDown",
                "--format",
                "json",
                "--events",
                "--eval-offset",
                offset,
            ],
        );
        assert_eq!(code, 1, "pages over budget: {stderr}");
        serde_json::from_str::<serde_json::Value>(&json).unwrap_or_else(|e| panic!("{e}: {stderr}"))
    };
    let on_the_minute = firings(&replay("0s"), 0);
    let shifted = firings(&replay("30s"), 0);
    // a's first outage, minutes 600 to 620: pending at 600, firing after `for: 2m`, resolved
    // when `up` is back at 620.
    #[allow(clippy::cast_precision_loss)]
    let minute = |m: i64| (START + m * 60) as f64;
    assert_eq!(
        on_the_minute[0],
        ("a".to_string(), minute(602), Some(minute(620)))
    );
    assert_eq!(on_the_minute.len(), 6);
    assert_eq!(shifted.len(), on_the_minute.len(), "{shifted:?}");
    for (before, after) in on_the_minute.iter().zip(&shifted) {
        assert_eq!(
            after,
            &(
                before.0.clone(),
                before.1 + 30.0,
                before.2.map(|r| r + 30.0)
            ),
            "{shifted:?}"
        );
    }
    // A whole interval later is the same grid.
    assert_eq!(firings(&replay("1m"), 0), on_the_minute);
}

/// Three groups, one alert name in two of them: what `--group` and `--alert` choose between.
const GROUPED_RULES: &str = r#"groups:
  - name: api
    rules:
      - alert: ApiTargetDown
        expr: up{job="api"} == 0
        for: 2m
        labels:
          severity: critical
          team: api
      - alert: DiskHalfFull
        expr: disk_used_ratio > 0.5
        labels:
          severity: warning
          team: api
  - name: api-canary
    rules:
      - alert: ApiTargetDown
        expr: up{job="api", instance="b"} == 0
        for: 2m
        labels:
          severity: warning
          team: api
  - name: storage
    rules:
      - alert: DiskHalfFull
        expr: disk_used_ratio > 0.5
        for: 10m
        labels:
          severity: warning
          team: storage
"#;

/// `--group REGEX` keeps the alerts of the groups it matches, anchored as `--alert` is; both
/// together keep the alerts that match both.
#[test]
fn group_selects_groups_and_combines_with_alert() {
    let dir = common::dir_with(&[("rules.yaml", GROUPED_RULES)]);
    let url = serve(storage());
    let replayed = |extra: &[&str]| {
        let mut args = vec!["--format", "json", "--fail-on", "never"];
        args.extend(extra);
        let (code, json, stderr) = run(dir.path(), &url, &args);
        assert_eq!(code, 0, "{extra:?}: {stderr}");
        let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        doc["alerts"]
            .as_array()
            .expect("alerts")
            .iter()
            .map(|a| {
                (
                    a["group"].as_str().expect("group").to_string(),
                    a["alert"].as_str().expect("alert").to_string(),
                    a["fires"].as_u64().expect("fires"),
                )
            })
            .collect::<Vec<_>>()
    };
    let own = |g: &str, a: &str, fires: u64| (g.to_string(), a.to_string(), fires);
    // Anchored: `api` is not `api-canary`.
    assert_eq!(
        replayed(&["--group", "api"]),
        [
            own("api", "ApiTargetDown", 6),
            own("api", "DiskHalfFull", 1)
        ]
    );
    assert_eq!(
        replayed(&["--group", "api.*|stor.*"]).len(),
        4,
        "every group matches"
    );
    // The canary's ApiTargetDown (instance b only), not the one of group `api`.
    assert_eq!(
        replayed(&["--group", "api-canary|storage", "--alert", "ApiTargetDown"]),
        [own("api-canary", "ApiTargetDown", 1)]
    );
    assert_eq!(
        replayed(&["--group", "storage", "--alert", "Disk.*"]),
        [own("storage", "DiskHalfFull", 1)]
    );
    // A group matching nothing, or no alert of it matching: nothing to replay, a usage error;
    // so is a regex that does not compile.
    for (args, says) in [
        (vec!["--group", "stor"], "no alerting rule to replay"),
        (
            vec!["--group", "storage", "--alert", "ApiTargetDown"],
            "no alerting rule to replay",
        ),
        (vec!["--group", "(api"], "--group: invalid regex"),
    ] {
        let (code, _, stderr) = run(dir.path(), &url, &args);
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

/// `--flap-window`: a fire within it of the same alert's resolution is a flap, and 3 flaps are
/// `backtest/flapping`. Instance a fires again 82, 27, 26 and 22 minutes after resolving.
#[test]
fn flap_window_decides_what_is_a_flap() {
    let dir = common::dir_with(&[("rules.yaml", RULES)]);
    let url = serve(storage());
    let flaps = |window: Option<&str>| {
        let mut args = vec!["--alert", "ApiTargetDown", "--format", "json"];
        if let Some(w) = window {
            args.extend(["--flap-window", w]);
        }
        let (_, json, stderr) = run(dir.path(), &url, &args);
        let doc: serde_json::Value =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {stderr}"));
        let finding = doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["check"] == "backtest/flapping")
            .map(|f| f["message"].as_str().expect("message").to_string());
        (doc["alerts"][0]["flaps"].as_u64().expect("flaps"), finding)
    };
    let (default, finding) = flaps(None);
    assert_eq!(default, 3);
    assert!(
        finding.as_deref().is_some_and(|m| m.contains("within 1h")),
        "{finding:?}"
    );
    // The bound is inclusive: 26m takes the 26- and 22-minute gaps, 25m only the last one.
    assert_eq!(flaps(Some("26m")).0, 2);
    assert_eq!(flaps(Some("25m")), (1, None));
    let (wide, finding) = flaps(Some("2h"));
    assert_eq!(wide, 4);
    assert!(
        finding
            .as_deref()
            .is_some_and(|m| m.contains("within 2h of resolving 4 times")),
        "{finding:?}"
    );
    let (code, _, stderr) = run(dir.path(), &url, &["--flap-window", "often"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--flap-window often"), "{stderr}");
}

/// History around the present, for windows that end now: `up` of instance a every minute from
/// ten days ago to an hour ahead (so the run, seconds after this, still has it), down for half
/// an hour 8 days ago and 3 days ago. Returns it with the minute it was made at, in seconds.
fn storage_around_now() -> (Storage, i64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let now = i64::try_from(now).expect("seconds fit") / 60 * 60;
    let labels = Labels::from_pairs([("__name__", "up"), ("job", "api"), ("instance", "a")]);
    let down = |m: i64| {
        (-8 * DAY_MINUTES..-8 * DAY_MINUTES + 30).contains(&m)
            || (-3 * DAY_MINUTES..-3 * DAY_MINUTES + 30).contains(&m)
    };
    let mut s = Storage::new();
    for m in -10 * DAY_MINUTES..60 {
        let v = if down(m) { 0.0 } else { 1.0 };
        s.append(&labels, (now + m * 60) * 1000, StoredValue::Float(v));
    }
    (s, now)
}

/// `--since DUR` (7d by default) is the window that ends now, or at `--end`; `--start` and
/// `--end` give it whole.
#[test]
fn since_is_the_window_ending_now() {
    let dir = common::dir_with(&[("rules.yaml", RULES)]);
    let (storage, made_at) = storage_around_now();
    let url = serve(storage);
    let backtest = |window: &[&str]| {
        let before = std::time::SystemTime::now();
        let out = alertlint()
            .current_dir(dir.path())
            .args(["backtest", "--no-config", "--url", &url, "--format", "json"])
            .args(["--alert", "ApiTargetDown", "--fail-on", "never"])
            .args(window)
            .arg("rules.yaml")
            .timeout(CHILD_TIMEOUT)
            .output()
            .expect("runs");
        let after = std::time::SystemTime::now();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        let secs = |t: std::time::SystemTime| {
            t.duration_since(std::time::UNIX_EPOCH)
                .expect("after 1970")
                .as_secs_f64()
        };
        let window = (
            doc["window"]["start"].as_f64().expect("start"),
            doc["window"]["end"].as_f64().expect("end"),
        );
        (
            window,
            (secs(before), secs(after)),
            doc["alerts"][0]["fires"].as_u64().expect("fires"),
        )
    };
    let day = 86_400.0;
    // The default, 7d: the window ends when the command ran (to the millisecond, so within
    // the run, give or take the JSON's rounding) and holds only the outage of 3 days ago.
    for args in [&[][..], &["--since", "7d"][..]] {
        let ((start, end), (before, after), fires) = backtest(args);
        assert!(
            before - 0.001 <= end && end <= after + 0.001,
            "{args:?}: window end {end} not between {before} and {after}"
        );
        assert!(
            (end - start - 7.0 * day).abs() < 0.002,
            "{args:?}: {start}..{end}"
        );
        assert_eq!(fires, 1, "{args:?}");
    }
    // 9 days take the outage of 8 days ago too.
    assert_eq!(backtest(&["--since", "9d"]).2, 2);
    // Ending at `--end`: 2 days before 2 days ago hold the outage of 3 days ago.
    #[allow(clippy::cast_precision_loss)]
    let (two_days_ago, ten_days_ago) = (
        (made_at - 2 * DAY_MINUTES * 60) as f64,
        (made_at - 10 * DAY_MINUTES * 60) as f64,
    );
    let end = (made_at - 2 * DAY_MINUTES * 60).to_string();
    let (window, _, fires) = backtest(&["--since", "2d", "--end", &end]);
    assert_eq!(window, (two_days_ago - 2.0 * day, two_days_ago));
    assert_eq!(fires, 1);
    // `--start` and `--end` give the window; `--since` and `--start` together are refused.
    let start = (made_at - 10 * DAY_MINUTES * 60).to_string();
    let (window, _, fires) = backtest(&["--start", &start, "--end", &end]);
    assert_eq!(window, (ten_days_ago, two_days_ago));
    assert_eq!(fires, 2);
    let out = alertlint()
        .current_dir(dir.path())
        .args([
            "backtest", "--url", &url, "--since", "7d", "--start", &start,
        ])
        .arg("rules.yaml")
        .timeout(CHILD_TIMEOUT)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot be used with"),
        "{out:?}"
    );
}

/// Credentials and headers from the command line reach the server with every request:
/// `--bearer-token-file` (the token trimmed), `--basic-auth-user` with
/// `--basic-auth-password-file`, `--header`, and `--tenant` as `X-Scope-OrgID`.
#[test]
fn credentials_headers_and_tenant_reach_the_server() {
    let dir = common::dir_with(&[
        ("rules.yaml", RULES),
        ("token", "s3cret\n"),
        ("password", "pa55\n"),
    ]);
    // Two alerts, two queries: each request carries all of it.
    let common_args = [
        "--alert",
        "ApiTargetDown|DiskHalfFull",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--retries",
        "0",
    ];
    let answered = |code: i32, json: &str, stderr: &str| {
        assert_eq!(code, 0, "{stderr}");
        let doc: serde_json::Value =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {stderr}"));
        assert_eq!(doc["alerts"][0]["fires"], 6, "{doc}");
        assert_eq!(doc["queries"]["requests"], 2, "{doc}");
    };

    let (url, seen) = serve_with(storage(), Some("Bearer s3cret"));
    let mut args = common_args.to_vec();
    args.extend([
        "--bearer-token-file",
        "token",
        "--header",
        "X-Team: fraud",
        "--header",
        "X-Trace:1",
        "--tenant",
        "team-a",
    ]);
    let (code, json, stderr) = run(dir.path(), &url, &args);
    answered(code, &json, &stderr);
    let heads = seen.heads();
    assert_eq!(heads.len(), 2, "{heads:?}");
    for head in &heads {
        assert_eq!(
            header(head, "authorization"),
            Some("Bearer s3cret"),
            "{head}"
        );
        assert_eq!(header(head, "x-team"), Some("fraud"), "{head}");
        assert_eq!(header(head, "x-trace"), Some("1"), "{head}");
        assert_eq!(header(head, "x-scope-orgid"), Some("team-a"), "{head}");
    }

    // `alice:pa55` in base64 (RFC 7617), the password file's newline trimmed.
    let (url, seen) = serve_with(storage(), Some("Basic YWxpY2U6cGE1NQ=="));
    let mut args = common_args.to_vec();
    args.extend([
        "--basic-auth-user",
        "alice",
        "--basic-auth-password-file",
        "password",
    ]);
    let (code, json, stderr) = run(dir.path(), &url, &args);
    answered(code, &json, &stderr);
    let heads = seen.heads();
    assert_eq!(heads.len(), 2, "{heads:?}");
    // No tenant unless asked for.
    assert!(
        heads.iter().all(|h| header(h, "x-scope-orgid").is_none()),
        "{heads:?}"
    );
}

/// A server that refuses the credentials (HTTP 401), a wrong token or none: the server's
/// answer is the error, at once (401 is not retried), and with no query answered, exit 2.
#[test]
fn refused_credentials_are_a_clear_error() {
    let dir = common::dir_with(&[("rules.yaml", RULES), ("wrong-token", "guess\n")]);
    let (url, seen) = serve_with(storage(), Some("Bearer s3cret"));
    for (credentials, sent) in [
        (
            &["--bearer-token-file", "wrong-token"][..],
            Some("Bearer guess"),
        ),
        (&[][..], None),
    ] {
        let before = seen.heads().len();
        let mut args = vec!["--alert", "ApiTargetDown"];
        args.extend(credentials);
        let (code, stdout, stderr) = run(dir.path(), &url, &args);
        assert_eq!(code, 2, "{credentials:?}: {stdout}{stderr}");
        assert_eq!(stdout, "", "no report");
        assert!(
            stderr.contains(&format!(
                "no query could be answered by {url}: the server refused the credentials \
                 (HTTP 401): Unauthorized"
            )),
            "{credentials:?}: {stderr}"
        );
        // One request, not retried (the default is 5 retries).
        let heads = seen.heads();
        assert_eq!(heads.len() - before, 1, "{heads:?}");
        assert_eq!(header(&heads[before], "authorization"), sent);
    }
    // A token file that cannot be read is found before any request.
    let before = seen.heads().len();
    let (code, _, stderr) = run(dir.path(), &url, &["--bearer-token-file", "missing"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read the bearer token file missing"),
        "{stderr}"
    );
    assert_eq!(seen.heads().len(), before);
}
