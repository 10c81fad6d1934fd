//! A live Prometheus for the oracle tier's end-to-end tests of `alertlint backtest`: known
//! series written as OpenMetrics, backfilled into TSDB blocks by `promtool tsdb
//! create-blocks-from openmetrics`, and served by `prometheus` on 127.0.0.1 from a copy of
//! those blocks (so one backfill serves several servers), stopped when the guard drops, a
//! failing test's unwinding included.
//!
//! Prometheus loads the blocks it finds in its data directory at start; the retention is set
//! to ten years so that history at a fixed date in the past is not deleted on load.

use super::oracle::oracle_binary;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long Prometheus may take to load its blocks and become ready.
const READY_DEADLINE: Duration = Duration::from_secs(30);

/// One series to backfill: a metric name, its other labels, and `(Unix seconds, value)`
/// samples.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub samples: Vec<(i64, f64)>,
}

/// Writes `series` as an OpenMetrics text file, as promtool's backfill reads it: each metric
/// family once (`# TYPE` gauge) with its series together, series sorted by labels, samples by
/// time, times in seconds, `# EOF` last.
pub(crate) fn write_openmetrics(path: &Path, series: &[Series]) {
    let mut sorted: Vec<&Series> = series.iter().collect();
    sorted.sort_by(|a, b| (&a.name, &a.labels).cmp(&(&b.name, &b.labels)));
    let mut text = String::new();
    let mut family: Option<&str> = None;
    for one in sorted {
        if family != Some(one.name.as_str()) {
            let _ = writeln!(text, "# TYPE {} gauge", one.name);
            family = Some(one.name.as_str());
        }
        let mut labels: Vec<&(String, String)> = one.labels.iter().collect();
        labels.sort();
        let labels: Vec<String> = labels
            .iter()
            .map(|(name, value)| format!("{name}=\"{}\"", escape_label_value(value)))
            .collect();
        let mut samples = one.samples.clone();
        samples.sort_by_key(|(t, _)| *t);
        for (seconds, value) in samples {
            let _ = writeln!(
                text,
                "{}{{{}}} {} {seconds}",
                one.name,
                labels.join(","),
                go_float(value)
            );
        }
    }
    text.push_str("# EOF\n");
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn escape_label_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A value as Prometheus' parsers read it: `NaN`, `+Inf`, `-Inf`, or the shortest decimal
/// that reads back as the same f64.
fn go_float(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value == f64::INFINITY {
        "+Inf".to_string()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        format!("{value:?}")
    }
}

/// Backfills the OpenMetrics file into TSDB blocks under `blocks_dir` (created).
pub(crate) fn backfill(openmetrics: &Path, blocks_dir: &Path) {
    let promtool = oracle_binary("promtool", "PROMTOOL", "prometheus");
    let out = Command::new(&promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(openmetrics)
        .arg(blocks_dir)
        .output()
        .unwrap_or_else(|e| panic!("{promtool}: {e}"));
    assert!(
        out.status.success(),
        "promtool tsdb create-blocks-from openmetrics {}: {}\n{}",
        openmetrics.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A running `prometheus` on 127.0.0.1, killed and waited for on drop.
pub(crate) struct PrometheusServer {
    // Declared first, so dropped first: the process is gone before its directory is removed.
    process: ChildGuard,
    addr: SocketAddr,
    /// The copy of the blocks, the config and the log.
    _dir: tempfile::TempDir,
}

/// A child process that is killed and reaped when dropped, a panicking test's unwinding
/// included: no Prometheus outlives its test.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // Killing a process that has exited already fails harmlessly; waiting reaps it.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl PrometheusServer {
    /// Starts Prometheus on a copy of `blocks_dir` with no scrape jobs, with
    /// `--query.max-samples` if given, and waits until it is ready.
    pub(crate) fn start(blocks_dir: &Path, max_samples: Option<u64>) -> PrometheusServer {
        let binary = oracle_binary("prometheus", "PROMETHEUS", "prometheus");
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        copy_dir(blocks_dir, &data);
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, "global:\n  scrape_interval: 1m\n").expect("write config");
        let log_path = dir.path().join("prometheus.log");
        // The port was free a moment ago; another process may take it before Prometheus binds
        // it, so a start that fails is tried again on a fresh port.
        let mut failures = String::new();
        for _ in 0..3 {
            let addr = free_local_port();
            let log = std::fs::File::create(&log_path).expect("create log");
            let mut command = Command::new(&binary);
            command
                .arg(format!("--storage.tsdb.path={}", data.display()))
                .arg("--storage.tsdb.retention.time=10y")
                .arg(format!("--web.listen-address={addr}"))
                .arg(format!("--config.file={}", config.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log);
            if let Some(max) = max_samples {
                command.arg(format!("--query.max-samples={max}"));
            }
            let mut process =
                ChildGuard(command.spawn().unwrap_or_else(|e| panic!("{binary}: {e}")));
            match wait_ready(&mut process, addr, &log_path) {
                Ok(()) => {
                    return PrometheusServer {
                        process,
                        addr,
                        _dir: dir,
                    };
                }
                Err(log) => failures.push_str(&log),
            }
        }
        panic!("prometheus did not become ready on 127.0.0.1; its logs:\n{failures}");
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The process id, for a test to check that the guard stops it.
    pub(crate) fn pid(&self) -> u32 {
        self.process.0.id()
    }
}

/// Waits for `/-/ready` to answer 200; `Err` with the log if the process exits or the deadline
/// passes (the guard then stops it).
fn wait_ready(process: &mut ChildGuard, addr: SocketAddr, log_path: &Path) -> Result<(), String> {
    let log = || std::fs::read_to_string(log_path).unwrap_or_default();
    let deadline = Instant::now() + READY_DEADLINE;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = process.0.try_wait() {
            return Err(format!("(exited: {status})\n{}", log()));
        }
        if http_get_status(addr, "/-/ready") == Some(200) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("(not ready after {READY_DEADLINE:?})\n{}", log()))
}

/// An address on 127.0.0.1 whose port was free when asked.
fn free_local_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port on 127.0.0.1")
}

/// The status of `GET path`, or `None` when nothing answers (yet).
fn http_get_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    // "HTTP/1.1 200"
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let path: PathBuf = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("a file name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}
