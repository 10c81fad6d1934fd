//! The backtest client against a live Prometheus: two days of known series at one minute,
//! backfilled with promtool, read back through `query_range` exactly (every value, every grid
//! point, no gap or duplicate at chunk boundaries), in chunks of 500 points and, from a server
//! whose `--query.max-samples` refuses the whole range at once, by halving.

use crate::common::prometheus_server::{PrometheusServer, Series, backfill, write_openmetrics};
use alertlint_backtest::{Client, ClientOptions};
use std::collections::BTreeMap;
use std::path::Path;

/// 2023-11-14T22:13:20Z: a fixed date, so that the history is the same on every run (the
/// servers keep ten years).
const START_S: i64 = 1_700_000_000;
const STEP_S: i64 = 60;
const POINTS: i64 = 2 * 24 * 60 + 1;
const SERIES: usize = 10;

/// The value written for series `i` at point `k`: decimals that are not exact in binary (so
/// that every step of the round trip must keep the shortest representation), negatives, and
/// NaN and the infinities in the first series.
fn value(i: usize, k: i64) -> f64 {
    match (i, k) {
        (0, 100) => f64::NAN,
        (0, 200) => f64::INFINITY,
        (0, 300) => f64::NEG_INFINITY,
        _ => k as f64 * 0.1 - i as f64 * 1.5 + i as f64 / 7.0,
    }
}

fn written() -> Vec<Series> {
    (0..SERIES)
        .map(|i| Series {
            name: "backtest_value".to_string(),
            labels: vec![("instance".to_string(), format!("i{i}"))],
            samples: (0..POINTS)
                .map(|k| (START_S + k * STEP_S, value(i, k)))
                .collect(),
        })
        .collect()
}

/// Every sample of `backtest_value` over the two days through `client`, per instance, after
/// checking that the chunks follow each other on the grid.
fn read_back(client: &Client) -> BTreeMap<String, Vec<(i64, f64)>> {
    let (start, step) = (START_S * 1000, STEP_S * 1000);
    let end = start + (POINTS - 1) * step;
    let mut next_start = start;
    let mut read: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
    for chunk in client
        .query_range("backtest_value", start, end, step)
        .unwrap_or_else(|e| panic!("{e}"))
    {
        let chunk = chunk.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(chunk.start_ms, next_start, "a gap or an overlap");
        assert!(chunk.warnings.is_empty(), "{:?}", chunk.warnings);
        next_start = chunk.end_ms + step;
        for series in chunk.series {
            assert_eq!(series.labels["__name__"], "backtest_value");
            let instance = series.labels["instance"].clone();
            read.entry(instance).or_default().extend(series.samples);
        }
    }
    assert_eq!(next_start, end + step, "the range was not read to its end");
    read
}

fn assert_read_as_written(read: &BTreeMap<String, Vec<(i64, f64)>>) {
    assert_eq!(read.len(), SERIES);
    for (i, series) in written().iter().enumerate() {
        let got = &read[&format!("i{i}")];
        assert_eq!(got.len(), series.samples.len(), "instance i{i}");
        for ((t, v), (seconds, want)) in got.iter().zip(&series.samples) {
            assert_eq!(*t, seconds * 1000, "instance i{i}");
            let same = if want.is_nan() {
                v.is_nan()
            } else {
                v.to_bits() == want.to_bits()
            };
            assert!(same, "instance i{i} at {seconds}: read {v}, written {want}");
        }
    }
}

fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn backtest_client_reads_backfilled_history_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let openmetrics = dir.path().join("history.om");
    let blocks = dir.path().join("blocks");
    write_openmetrics(&openmetrics, &written());
    backfill(&openmetrics, &blocks);

    // In chunks of at most 500 points: ceil(2881 / 500) requests.
    let pid = {
        let server = PrometheusServer::start(&blocks, None);
        let mut options = ClientOptions::new(server.url());
        options.max_points = 500;
        let client = Client::new(options).unwrap_or_else(|e| panic!("{e}"));
        assert_read_as_written(&read_back(&client));
        let stats = client.stats();
        assert_eq!(stats.requests, 6);
        assert_eq!((stats.retries, stats.halvings), (0, 0));
        assert_eq!(stats.off_grid_samples, 0);
        server.pid()
    };
    assert!(!process_exists(pid), "prometheus {pid} outlived its guard");

    // The whole range in one request is 2881 points × 10 series = 28,810 samples, over the
    // server's 20,000: refused ("too many samples"), then read in halves of 14,410.
    let server = PrometheusServer::start(&blocks, Some(20_000));
    let client = Client::new(ClientOptions::new(server.url())).unwrap_or_else(|e| panic!("{e}"));
    assert_read_as_written(&read_back(&client));
    let stats = client.stats();
    assert_eq!(stats.halvings, 1);
    assert_eq!(stats.requests, 3);
}
