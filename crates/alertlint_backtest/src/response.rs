//! Reading the API's JSON: `{"status":"success","data":{"resultType":"matrix","result":[...]},
//! "warnings":[...],"infos":[...]}` or `{"status":"error","errorType":...,"error":...}`.

use crate::series::Series;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::fmt;

/// What a body says, when it is the API's JSON.
#[derive(Debug)]
pub(crate) enum Answer {
    Matrix(Matrix),
    /// `status: "error"`: the server's error type (`bad_data`, `execution`, `timeout`, ...)
    /// and message.
    Error {
        error_type: String,
        message: String,
    },
}

/// A successful range query's answer.
#[derive(Debug, Default)]
pub(crate) struct Matrix {
    /// The series with float samples.
    pub(crate) series: Vec<Series>,
    pub(crate) warnings: Vec<String>,
    pub(crate) infos: Vec<String>,
    /// How many series had native histogram samples, which were left out.
    pub(crate) histogram_series: usize,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    status: String,
    // Raw, so that an error response's `data` of any shape does not matter, and a success's
    // is read only once its `resultType` is known.
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    infos: Vec<String>,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(rename = "resultType")]
    result_type: String,
    #[serde(borrow)]
    result: &'a RawValue,
}

#[derive(Deserialize)]
struct WireSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<WireSample>,
    // Native histogram samples, not read: only their presence is counted.
    #[serde(default)]
    histograms: Option<IgnoredAny>,
}

/// `[<Unix seconds, a JSON number>, "<value as a string>"]`.
struct WireSample {
    ms: i64,
    value: f64,
}

impl<'de> Deserialize<'de> for WireSample {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(SampleVisitor)
    }
}

struct SampleVisitor;

impl<'de> Visitor<'de> for SampleVisitor {
    type Value = WireSample;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sample [<Unix seconds>, \"<value>\"]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<WireSample, A::Error> {
        let seconds: f64 = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let SampleValue(value) = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(3, &self));
        }
        let ms = (seconds * 1000.0).round();
        // Within ±2^53 ms (±285,000 years) every millisecond is exact and the cast cannot
        // saturate.
        if !ms.is_finite() || ms.abs() > 9_007_199_254_740_992.0 {
            return Err(de::Error::custom(format!(
                "the sample time {seconds} is not a Unix time in seconds"
            )));
        }
        Ok(WireSample {
            ms: ms as i64,
            value,
        })
    }
}

/// A sample's value: a decimal in a string, or `NaN`, `+Inf`, `-Inf` as Go writes them.
struct SampleValue(f64);

impl<'de> Deserialize<'de> for SampleValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(SampleValueVisitor)
    }
}

struct SampleValueVisitor;

impl Visitor<'_> for SampleValueVisitor {
    type Value = SampleValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sample value as a string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<SampleValue, E> {
        parse_value(text)
            .map(SampleValue)
            .ok_or_else(|| E::custom(format!("the sample value {text:?} is not a number")))
    }
}

fn parse_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => text.parse().ok(),
    }
}

/// Reads a body as the API's JSON for a range query. The `Err` is the problem, for
/// [`crate::ClientError::BadResponse`].
pub(crate) fn read_answer(body: &[u8]) -> Result<Answer, String> {
    if looks_like_html(body) {
        return Err("it is an HTML page, not JSON (a proxy's error or a login page?)".into());
    }
    let envelope: Envelope = serde_json::from_slice(body).map_err(|e| json_problem(&e))?;
    match envelope.status.as_str() {
        "success" => {}
        "error" => {
            return Ok(Answer::Error {
                error_type: envelope.error_type.unwrap_or_default(),
                message: envelope.error.unwrap_or_default(),
            });
        }
        other => {
            return Err(format!(
                "its status is {other:?}, neither \"success\" nor \"error\""
            ));
        }
    }
    let Some(data) = envelope.data else {
        return Err("its status is \"success\" but it has no data".into());
    };
    let data: Data = serde_json::from_str(data.get()).map_err(|e| json_problem(&e))?;
    if data.result_type != "matrix" {
        return Err(format!(
            "its resultType is {:?}, not \"matrix\" (an instant query's answer?)",
            data.result_type
        ));
    }
    let wire: Vec<WireSeries> =
        serde_json::from_str(data.result.get()).map_err(|e| json_problem(&e))?;
    let mut matrix = Matrix {
        series: Vec::with_capacity(wire.len()),
        warnings: envelope.warnings,
        infos: envelope.infos,
        histogram_series: 0,
    };
    for series in wire {
        if series.histograms.is_some() {
            matrix.histogram_series += 1;
        }
        if series.values.is_empty() {
            continue;
        }
        matrix.series.push(Series {
            labels: series.metric,
            samples: series.values.iter().map(|s| (s.ms, s.value)).collect(),
        });
    }
    Ok(Answer::Matrix(matrix))
}

/// The error type and message of an error body, if it is the API's JSON: what a failed
/// request's body is read for, whatever its status.
pub(crate) fn read_error(body: &[u8]) -> Option<(String, String)> {
    match read_answer(body) {
        Ok(Answer::Error {
            error_type,
            message,
        }) => Some((error_type, message)),
        _ => None,
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    body.trim_ascii_start().first() == Some(&b'<')
}

fn json_problem(error: &serde_json::Error) -> String {
    match error.classify() {
        serde_json::error::Category::Eof => format!("its JSON is cut short ({error})"),
        serde_json::error::Category::Syntax => format!("it is not valid JSON ({error})"),
        serde_json::error::Category::Data | serde_json::error::Category::Io => {
            format!("its JSON is not the API's ({error})")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(body: &str) -> Matrix {
        match read_answer(body.as_bytes()) {
            Ok(Answer::Matrix(m)) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_matrix_reads_with_labels_times_and_special_values() {
        let m = matrix(
            r#"{"status":"success","data":{"resultType":"matrix","result":[
                {"metric":{"__name__":"up","job":"a\"b"},"values":[[1700000000.123,"1"],[1700000060,"NaN"]]},
                {"metric":{},"values":[[1.5,"+Inf"],[2,"-Inf"],[3,"-0.25"],[4,"1e300"]]}
            ]},"warnings":["w"],"infos":["i"]}"#,
        );
        assert_eq!(m.series.len(), 2);
        assert_eq!(m.series[0].labels["job"], "a\"b");
        assert_eq!(m.series[0].samples[0], (1_700_000_000_123, 1.0));
        assert_eq!(m.series[0].samples[1].0, 1_700_000_060_000);
        assert!(m.series[0].samples[1].1.is_nan());
        assert_eq!(
            m.series[1].samples,
            vec![
                (1500, f64::INFINITY),
                (2000, f64::NEG_INFINITY),
                (3000, -0.25),
                (4000, 1e300)
            ]
        );
        assert_eq!(m.warnings, ["w"]);
        assert_eq!(m.infos, ["i"]);
    }

    #[test]
    fn native_histograms_are_counted_and_left_out() {
        let m = matrix(
            r#"{"status":"success","data":{"resultType":"matrix","result":[
                {"metric":{"a":"1"},"histograms":[[1,{"count":"1","sum":"1","buckets":[]}]]},
                {"metric":{"a":"2"},"values":[[1,"1"]],"histograms":[[2,{"count":"1"}]]}
            ]}}"#,
        );
        assert_eq!(m.histogram_series, 2);
        assert_eq!(m.series.len(), 1);
        assert_eq!(m.series[0].samples, vec![(1000, 1.0)]);
    }

    #[test]
    fn error_bodies_read_as_errors() {
        let body = br#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
        assert_eq!(
            read_error(body),
            Some(("bad_data".to_string(), "parse error".to_string()))
        );
        assert_eq!(read_error(b"<html></html>"), None);
    }

    fn problem(body: &str) -> String {
        match read_answer(body.as_bytes()) {
            Err(problem) => problem,
            Ok(answer) => panic!("read: {answer:?}"),
        }
    }

    #[test]
    fn bodies_that_are_not_the_api_s_are_problems() {
        assert!(problem("  <!DOCTYPE html><html>").contains("HTML page"));
        assert!(problem(r#"{"status":"success","data":{"resultType":"mat"#).contains("cut short"));
        assert!(problem("Bad Gateway").contains("not valid JSON"));
        assert!(problem("").contains("cut short"));
        assert!(problem(r#"{"data":{}}"#).contains("missing field `status`"));
        assert!(problem(r#"{"status":"ok"}"#).contains("neither"));
        assert!(problem(r#"{"status":"success"}"#).contains("no data"));
        assert!(
            problem(r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
                .contains("\"vector\", not \"matrix\"")
        );
        let bad_value = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{},"values":[[1,"one"]]}]}}"#;
        assert!(problem(bad_value).contains("the sample value \"one\" is not a number"));
        let bad_time = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{},"values":[[1e300,"1"]]}]}}"#;
        assert!(problem(bad_time).contains("not a Unix time"));
        let short_sample = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{},"values":[[1]]}]}}"#;
        assert!(problem(short_sample).contains("invalid length 1"));
        let number_value = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{},"values":[[1, 1]]}]}}"#;
        assert!(problem(number_value).contains("not the API's"));
    }
}
