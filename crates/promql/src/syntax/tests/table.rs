//! The accept/reject table: what the parser accepts (with the canonical form it prints)
//! and what it refuses (with where the first error is and what it says). The cases follow
//! Prometheus' own parser tests (`promql/parser/parse_test.go`, `lex_test.go`) in their
//! choice of corner, rewritten here with alertlint's positions (the token at fault, where
//! Prometheus sometimes points past it) and extended with cases of our own.

use crate::syntax::{Options, parse, parse_with};

/// Accepted with every experimental feature on: text, canonical form.
const ACCEPTED: &[(&str, &str)] = &[
    ("1", "1"),
    ("+Inf", "+Inf"),
    ("-Inf", "-Inf"),
    (".5", "0.5"),
    ("5.", "5"),
    ("123.4567", "123.4567"),
    ("5e-3", "0.005"),
    ("5e3", "5000"),
    ("0xc", "12"),
    ("0755", "493"),
    ("+5.5e-3", "0.0055"),
    ("-0755", "-493"),
    ("1 + 1", "1 + 1"),
    ("1 - 1", "1 - 1"),
    ("1 * 1", "1 * 1"),
    ("1 % 1", "1 % 1"),
    ("1 / 1", "1 / 1"),
    ("1 == bool 1", "1 == bool 1"),
    ("1 != bool 1", "1 != bool 1"),
    ("1 > bool 1", "1 > bool 1"),
    ("1 >= bool 1", "1 >= bool 1"),
    ("1 < bool 1", "1 < bool 1"),
    ("1 <= bool 1", "1 <= bool 1"),
    ("-1^2", "-1 ^ 2"),
    ("-1*2", "-1 * 2"),
    ("-1+2", "-1 + 2"),
    ("-1^-2", "-1 ^ -2"),
    ("+1 + -2 * 1", "1 + -2 * 1"),
    ("1 + 2/(3*1)", "1 + 2 / (3 * 1)"),
    ("1 < bool 2 - 1 * 2", "1 < bool 2 - 1 * 2"),
    ("-some_metric", "-some_metric"),
    ("+some_metric", "+some_metric"),
    (" +some_metric", "+some_metric"),
    (" +{\"some_metric\"}", "+{__name__=\"some_metric\"}"),
    ("offset{step=\"1s\"}[5m]", "offset{step=\"1s\"}[5m]"),
    ("step{offset=\"1s\"}[5m]", "step{offset=\"1s\"}[5m]"),
    ("anchored{job=\"test\"}", "anchored{job=\"test\"}"),
    ("smoothed{job=\"test\"}", "smoothed{job=\"test\"}"),
    ("foo * bar", "foo * bar"),
    ("foo * sum", "foo * sum"),
    ("foo == 1", "foo == 1"),
    ("foo == bool 1", "foo == bool 1"),
    ("2.5 / bar", "2.5 / bar"),
    ("foo and bar", "foo and bar"),
    ("foo or bar", "foo or bar"),
    ("foo unless bar", "foo unless bar"),
    ("foo * on(test,blub) bar", "foo * on (test, blub) bar"),
    (
        "foo * on(test,blub) group_left bar",
        "foo * on (test, blub) group_left () bar",
    ),
    ("foo and on(test,blub) bar", "foo and on (test, blub) bar"),
    ("foo and on() bar", "foo and on () bar"),
    (
        "foo and ignoring(test,blub) bar",
        "foo and ignoring (test, blub) bar",
    ),
    ("foo and ignoring() bar", "foo and bar"),
    ("foo unless on(bar) baz", "foo unless on (bar) baz"),
    (
        "foo / on(test,blub) group_left(bar) bar",
        "foo / on (test, blub) group_left (bar) bar",
    ),
    (
        "foo / ignoring(test,blub) group_left(blub) bar",
        "foo / ignoring (test, blub) group_left (blub) bar",
    ),
    (
        "foo / ignoring(test,blub) group_left(bar) bar",
        "foo / ignoring (test, blub) group_left (bar) bar",
    ),
    (
        "foo - on(test,blub) group_right(bar,foo) bar",
        "foo - on (test, blub) group_right (bar, foo) bar",
    ),
    (
        "foo - ignoring(test,blub) group_right(bar,foo) bar",
        "foo - ignoring (test, blub) group_right (bar, foo) bar",
    ),
    ("foo", "foo"),
    ("min", "min"),
    ("foo offset 5m", "foo offset 5m"),
    ("foo offset -7m", "foo offset -7m"),
    ("foo offset +(5)", "foo offset (5)"),
    ("foo offset -(5)", "foo offset -(5)"),
    ("foo offset (5)", "foo offset (5)"),
    ("foo[(5s)]", "foo[(5s)]"),
    ("foo OFFSET 1h30m", "foo offset 1h30m"),
    ("foo OFFSET 1m30ms", "foo offset 1m30ms"),
    ("foo @ 1603774568", "foo @ 1603774568.000"),
    ("foo @ -100", "foo @ -100.000"),
    ("foo @ .3", "foo @ 0.300"),
    ("foo @ 3.", "foo @ 3.000"),
    ("foo @ 3.33", "foo @ 3.330"),
    ("foo @ 3e2", "foo @ 300.000"),
    ("foo @ 3e-1", "foo @ 0.300"),
    ("foo @ 0xA", "foo @ 10.000"),
    ("foo @ -3.3e1", "foo @ -33.000"),
    ("foo:bar{a=\"bc\"}", "foo:bar{a=\"bc\"}"),
    ("{\"foo\"}", "{__name__=\"foo\"}"),
    (
        "{'foo\\'bar', 'a\\\\dos\\\\path'='boo\\\\urns'}",
        "{\"a\\\\dos\\\\path\"=\"boo\\\\urns\",__name__=\"foo'bar\"}",
    ),
    ("{\"foo\", a=\"bc\"}", "{__name__=\"foo\",a=\"bc\"}"),
    ("foo{NaN='bc'}", "foo{NaN=\"bc\"}"),
    ("foo{bar='}'}", "foo{bar=\"}\"}"),
    (
        "foo{a=\"b\", foo!=\"bar\", test=~\"test\", bar!~\"baz\"}",
        "foo{a=\"b\",bar!~\"baz\",foo!=\"bar\",test=~\"test\"}",
    ),
    (
        "foo{a=\"b\", foo!=\"bar\", test=~\"test\", bar!~\"baz\",}",
        "foo{a=\"b\",bar!~\"baz\",foo!=\"bar\",test=~\"test\"}",
    ),
    ("test[1000ms]", "test[1s]"),
    ("test[1001ms]", "test[1s1ms]"),
    ("test[1002ms]", "test[1s2ms]"),
    ("test[5s]", "test[5s]"),
    ("test[5m]", "test[5m]"),
    ("foo[5m30s]", "foo[5m30s]"),
    ("test[5h] OFFSET 5m", "test[5h] offset 5m"),
    ("test[5d] OFFSET 10s", "test[5d] offset 10s"),
    ("test[5w] offset 2w", "test[5w] offset 2w"),
    ("test{a=\"b\"}[5y] OFFSET 3d", "test{a=\"b\"}[5y] offset 3d"),
    (
        "test{a=\"b\"}[5m] OFFSET 3600",
        "test{a=\"b\"}[5m] offset 1h",
    ),
    ("foo[3ms] @ 2.345", "foo[3ms] @ 2.345"),
    ("foo[4s180ms] @ 2.345", "foo[4s180ms] @ 2.345"),
    ("foo[4.18] @ 2.345", "foo[4s180ms] @ 2.345"),
    ("foo[4s18ms] @ 2.345", "foo[4s18ms] @ 2.345"),
    ("foo[4.018] @ 2.345", "foo[4s18ms] @ 2.345"),
    (
        "test{a=\"b\"}[5y] @ 1603774699",
        "test{a=\"b\"}[5y] @ 1603774699.000",
    ),
    ("test[5]", "test[5s]"),
    ("some_metric[5m] @ 1m", "some_metric[5m] @ 60.000"),
    ("sum by (foo)(some_metric)", "sum by (foo) (some_metric)"),
    (
        "sum by (anchored)(some_metric)",
        "sum by (anchored) (some_metric)",
    ),
    (
        "sum by (smoothed)(some_metric)",
        "sum by (smoothed) (some_metric)",
    ),
    (
        "sum by (\"foo bar\")({\"some.metric\"})",
        "sum by (\"foo bar\") ({__name__=\"some.metric\"})",
    ),
    (
        "sum by (\"foo\", bar, 'baz')({\"some.metric\"})",
        "sum by (foo, bar, baz) ({__name__=\"some.metric\"})",
    ),
    ("avg by (foo)(some_metric)", "avg by (foo) (some_metric)"),
    ("max by (foo)(some_metric)", "max by (foo) (some_metric)"),
    (
        "sum without (foo) (some_metric)",
        "sum without (foo) (some_metric)",
    ),
    (
        "sum (some_metric) without (foo)",
        "sum without (foo) (some_metric)",
    ),
    ("stddev(some_metric)", "stddev(some_metric)"),
    (
        "stdvar by (foo)(some_metric)",
        "stdvar by (foo) (some_metric)",
    ),
    ("sum by ()(some_metric)", "sum(some_metric)"),
    (
        "sum by (foo,bar,)(some_metric)",
        "sum by (foo, bar) (some_metric)",
    ),
    ("sum by (foo,)(some_metric)", "sum by (foo) (some_metric)"),
    ("topk(5, some_metric)", "topk(5, some_metric)"),
    (
        "count_values(\"value\", some_metric)",
        "count_values(\"value\", some_metric)",
    ),
    ("time()", "time()"),
    (
        "floor(some_metric{foo!=\"bar\"})",
        "floor(some_metric{foo!=\"bar\"})",
    ),
    ("rate(some_metric[5m])", "rate(some_metric[5m])"),
    ("round(some_metric)", "round(some_metric)"),
    ("round(some_metric, 5)", "round(some_metric, 5)"),
    ("sum(sum)", "sum(sum)"),
    ("a + sum", "a + sum"),
    (
        "\"double-quoted string \\\" with escaped quote\"",
        "\"double-quoted string \\\" with escaped quote\"",
    ),
    (
        "'single-quoted string \\' with escaped quote'",
        "\"single-quoted string ' with escaped quote\"",
    ),
    ("`backtick-quoted string`", "\"backtick-quoted string\""),
    ("foo{bar=\"baz\"}[10m:6s]", "foo{bar=\"baz\"}[10m:6s]"),
    (
        "foo{bar=\"baz\"}[10m5s:1h6ms]",
        "foo{bar=\"baz\"}[10m5s:1h6ms]",
    ),
    ("foo[10m:]", "foo[10m:]"),
    (
        "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:5s])",
        "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:5s])",
    ),
    (
        "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:])[4m:3s]",
        "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:])[4m:3s]",
    ),
    (
        "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] offset 4m)[4m:3s]",
        "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] offset 4m)[4m:3s]",
    ),
    (
        "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] @ 1603775091)[4m:3s]",
        "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] @ 1603775091.000)[4m:3s]",
    ),
    (
        "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] @ -160377509)[4m:3s]",
        "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] @ -160377509.000)[4m:3s]",
    ),
    (
        "sum without(and, by, avg, count, alert, annotations)(some_metric) [30m:10s]",
        "sum without (and, by, avg, count, alert, annotations) (some_metric)[30m:10s]",
    ),
    (
        "some_metric OFFSET 1m [10m:5s]",
        "some_metric offset 1m[10m:5s]",
    ),
    (
        "some_metric @ 123 [10m:5s]",
        "some_metric @ 123.000[10m:5s]",
    ),
    (
        "some_metric @ 123 offset 1m [10m:5s]",
        "some_metric @ 123.000 offset 1m[10m:5s]",
    ),
    (
        "some_metric offset 1m @ 123 [10m:5s]",
        "some_metric @ 123.000 offset 1m[10m:5s]",
    ),
    (
        "some_metric[10m:5s] offset 1m @ 123",
        "some_metric[10m:5s] @ 123.000 offset 1m",
    ),
    (
        "(foo + bar{nm=\"val\"})[5m:]",
        "(foo + bar{nm=\"val\"})[5m:]",
    ),
    (
        "(foo + bar{nm=\"val\"})[5m:] offset 10m",
        "(foo + bar{nm=\"val\"})[5m:] offset 10m",
    ),
    (
        "(foo + bar{nm=\"val\"} @ 1234)[5m:] @ 1603775019",
        "(foo + bar{nm=\"val\"} @ 1234.000)[5m:] @ 1603775019.000",
    ),
    ("foo @ start()", "foo @ start()"),
    ("foo @ end()", "foo @ end()"),
    ("test[5y] @ start()", "test[5y] @ start()"),
    ("test[5y] @ end()", "test[5y] @ end()"),
    ("foo[10m:6s] @ start()", "foo[10m:6s] @ start()"),
    ("foo[10m:6s] @ end()", "foo[10m:6s] @ end()"),
    ("start()", "start()"),
    ("end()", "end()"),
    ("start", "start"),
    ("end", "end"),
    ("start{end=\"foo\"}", "start{end=\"foo\"}"),
    ("end{start=\"foo\"}", "end{start=\"foo\"}"),
    ("foo unless on(start) bar", "foo unless on (start) bar"),
    ("foo unless on(end) bar", "foo unless on (end) bar"),
    (
        "info(rate(http_request_counter_total{}[5m]))",
        "info(rate(http_request_counter_total[5m]))",
    ),
    (
        "info(http_request_counter_total{namespace=\"zzz\"}, {foo=\"bar\", bar=\"baz\"})",
        "info(http_request_counter_total{namespace=\"zzz\"}, {bar=\"baz\",foo=\"bar\"})",
    ),
    ("foo[11s+10s-5*2^2]", "foo[11s + 10s - 5 * 2 ^ 2]"),
    ("foo[-(10s-5s)+20s]", "foo[-(10s - 5s) + 20s]"),
    ("foo[-10s+15s]", "foo[-10s + 15s]"),
    ("foo[step()]", "foo[step()]"),
    ("foo[  -  step  (  )  ]", "foo[-step()]"),
    ("foo[   step  (  )  ]", "foo[step()]"),
    ("foo[-step()]", "foo[-step()]"),
    ("foo offset step()", "foo offset step()"),
    ("foo offset -step()", "foo offset -step()"),
    ("foo[max_of(step(),5s)]", "foo[max_of(step(), 5s)]"),
    (
        "foo offset max_of(step(),5s)",
        "foo offset max_of(step(), 5s)",
    ),
    (
        "foo offset -min_of(5s,step()+8s)",
        "foo offset -min_of(5s, step() + 8s)",
    ),
    ("foo[range()]", "foo[range()]"),
    ("foo[2m/range()]", "foo[2m / range()]"),
    ("foo[-range()]", "foo[-range()]"),
    ("foo offset range()", "foo offset range()"),
    ("foo offset -range()", "foo offset -range()"),
    ("foo[max_of(range(),5s)]", "foo[max_of(range(), 5s)]"),
    (
        "foo[4s+4s:1s*2] offset (5s-8)",
        "foo[4s + 4s:1s * 2] offset (5s - 8)",
    ),
    ("foo offset 5s-8", "foo offset 5s - 8"),
    ("rate(foo[2m+2m])", "rate(foo[2m + 2m])"),
    ("foo offset -1^1", "foo offset -1s ^ 1"),
    ("foo offset -(1^2)", "foo offset -(1 ^ 2)"),
    ("foo offset (-1^2)", "foo offset (-1 ^ 2)"),
    ("foo[-2^2]", "foo[-2 ^ 2]"),
    ("foo[0+-2^2]", "foo[0 + -2 ^ 2]"),
    ("(sum(foo))", "(sum(foo))"),
    ("(sum(foo) )", "(sum(foo))"),
    ("(sum(foo) by (bar))", "(sum by (bar) (foo))"),
    ("(sum by (bar) (foo))", "(sum by (bar) (foo))"),
    (
        "sum by (job)(rate(http_requests_total[30m]))",
        "sum by (job) (rate(http_requests_total[30m]))",
    ),
    ("SUM BY (job) (rate(x[5m]))", "sum by (job) (rate(x[5m]))"),
    ("sum(rate(x[5m])) BY (job)", "sum by (job) (rate(x[5m]))"),
    ("sum without () (x)", "sum without () (x)"),
    (
        "count_values by (a) (\"v\", x)",
        "count_values by (a) (\"v\", x)",
    ),
    ("quantile(0.9, x)", "quantile(0.9, x)"),
    ("bottomk(3, x) by (a)", "bottomk by (a) (3, x)"),
    ("limitk(2, x)", "limitk(2, x)"),
    ("limit_ratio(0.5, x)", "limit_ratio(0.5, x)"),
    ("group(x)", "group(x)"),
    ("stddev without (a, b) (x)", "stddev without (a, b) (x)"),
    ("topk by (a) (5, x)", "topk by (a) (5, x)"),
    ("sum", "sum"),
    ("sum + 1", "sum + 1"),
    ("avg(x) + avg(y)", "avg(x) + avg(y)"),
    ("a + b * c", "a + b * c"),
    ("(a + b) * c", "(a + b) * c"),
    ("a * b + c", "a * b + c"),
    ("a - b - c", "a - b - c"),
    ("a / b / c", "a / b / c"),
    ("a ^ b ^ c", "a ^ b ^ c"),
    ("-a ^ 2", "-a ^ 2"),
    ("2 ^ -1 * 3", "2 ^ -1 * 3"),
    ("a or b and c", "a or b and c"),
    ("a and b or c", "a and b or c"),
    ("a unless b or c", "a unless b or c"),
    ("a > b == c", "a > b == c"),
    ("a atan2 b", "a atan2 b"),
    ("a atan2 b + c", "a atan2 b + c"),
    ("a </ b", "a </ b"),
    ("a >/ b", "a >/ b"),
    ("a + b offset 5m", "a + b offset 5m"),
    ("-a offset 5m", "-a offset 5m"),
    ("foo[5m] offset -1h", "foo[5m] offset -1h"),
    ("foo @ 100 offset 5m", "foo @ 100.000 offset 5m"),
    ("foo offset 5m @ 100", "foo @ 100.000 offset 5m"),
    ("rate(foo[5m])[10m:1m]", "rate(foo[5m])[10m:1m]"),
    (
        "max_over_time(rate(foo[5m])[1h:5m])",
        "max_over_time(rate(foo[5m])[1h:5m])",
    ),
    ("foo[5m:1m] offset 1m", "foo[5m:1m] offset 1m"),
    ("foo{a=\"b\"}[5m] @ start()", "foo{a=\"b\"}[5m] @ start()"),
    ("foo[1.5]", "foo[1s500ms]"),
    ("foo[0.001]", "foo[1ms]"),
    ("foo[1e3]", "foo[16m40s]"),
    ("foo @ 1.2345", "foo @ 1.235"),
    ("1_000", "1000"),
    ("08", "8"),
    ("Inf", "+Inf"),
    ("NaN", "NaN"),
    ("nan", "NaN"),
    ("inf + 1", "+Inf + 1"),
    ("infinity", "infinity"),
    ("\"\\u00e9\"", "\"é\""),
    ("\"\\U0010FFFF\"", "\"\\U0010ffff\""),
    ("x{a=\"\\u00e9\"}", "x{a=\"é\"}"),
    ("x{a=\"b\",a=\"c\"}", "x{a=\"b\",a=\"c\"}"),
    ("x{a=~\".*\",b=~\".+\"}", "x{a=~\".*\",b=~\".+\"}"),
    ("x{a=~\"\"}", "x{a=~\"\"}"),
    ("{a=~\".+\"}", "{a=~\".+\"}"),
    ("{__name__=~\"foo.*\"}", "{__name__=~\"foo.*\"}"),
    ("{__name__=\"foo\"}", "{__name__=\"foo\"}"),
    ("{\"foo\"}[5m]", "{__name__=\"foo\"}[5m]"),
    ("{\"foo\", \"bar\"}", "{__name__=\"bar\",__name__=\"foo\"}"),
    ("{\"foo\"=\"bar\"}", "{foo=\"bar\"}"),
    (
        "{\"my.label\"=\"v\", job=\"x\"}",
        "{\"my.label\"=\"v\",job=\"x\"}",
    ),
    ("{`foo`}", "{__name__=\"foo\"}"),
    ("x{\"a b\"=\"c\"}", "x{\"a b\"=\"c\"}"),
    ("x{\"\"=\"c\"}", "x{\"\"=\"c\"}"),
    ("sum by (\"a.b\") (x)", "sum by (\"a.b\") (x)"),
    ("sum by (a:b) (x)", "sum by (\"a:b\") (x)"),
    (
        "sum by (bool, on, ignoring, offset) (x)",
        "sum by (bool, on, ignoring, offset) (x)",
    ),
    ("a + on(x) group_left(y) b", "a + on (x) group_left (y) b"),
    ("a + on(x) group_right b", "a + on (x) group_right () b"),
    (
        "a + ignoring(x) group_left b",
        "a + ignoring (x) group_left () b",
    ),
    (
        "a + ignoring(x) group_left(x) b",
        "a + ignoring (x) group_left (x) b",
    ),
    ("a == bool b", "a == bool b"),
    ("a == bool on(x) b", "a == bool on (x) b"),
    ("a and on(x) b", "a and on (x) b"),
    ("a or ignoring(x) b", "a or ignoring (x) b"),
    ("1 + on() 2", "1 + 2"),
    ("1 < bool 2", "1 < bool 2"),
    ("a < bool 2", "a < bool 2"),
    ("a + fill(0) b", "a + fill (0) b"),
    ("a + on(x) fill(0) b", "a + on (x) fill (0) b"),
    (
        "a + fill_left(1) fill_right(2) b",
        "a + fill_left (1) fill_right (2) b",
    ),
    (
        "a + fill_right(2) fill_left(1) b",
        "a + fill_left (1) fill_right (2) b",
    ),
    ("a + fill_left(1) b", "a + fill_left (1) b"),
    ("a + fill(-1) b", "a + fill (-1) b"),
    ("a + fill(NaN) b", "a + fill (NaN) b"),
    ("a + fill(1e6) b", "a + fill (1e+06) b"),
    ("fill + fill", "fill + fill"),
    ("fill_left", "fill_left"),
    ("a + fill (1) b", "a + fill (1) b"),
    ("foo anchored", "foo anchored"),
    ("foo[5m] anchored", "foo[5m] anchored"),
    ("foo[5m] smoothed", "foo[5m] smoothed"),
    ("foo anchored [5m]", "foo[5m] anchored"),
    ("rate(foo[5m] anchored)", "rate(foo[5m] anchored)"),
    ("rate(x[5m] @ 10)", "rate(x[5m] @ 10.000)"),
    (
        "label_join(x, \"a\", \",\", \"b\", \"c\", \"d\")",
        "label_join(x, \"a\", \",\", \"b\", \"c\", \"d\")",
    ),
    ("label_join(x, \"a\", \",\")", "label_join(x, \"a\", \",\")"),
    (
        "histogram_quantile(0.9, rate(x[5m]))",
        "histogram_quantile(0.9, rate(x[5m]))",
    ),
    ("histogram_fraction(0, 1, x)", "histogram_fraction(0, 1, x)"),
    (
        "histogram_quantiles(x, \"q\", 0.5, 0.9)",
        "histogram_quantiles(x, \"q\", 0.5, 0.9)",
    ),
    (
        "sort_by_label(x, \"a\", \"b\")",
        "sort_by_label(x, \"a\", \"b\")",
    ),
    ("vector(1)", "vector(1)"),
    ("scalar(x)", "scalar(x)"),
    ("scalar(x) + 1", "scalar(x) + 1"),
    ("scalar(x) > bool 1", "scalar(x) > bool 1"),
    ("time() - x", "time() - x"),
    ("abs(-x)", "abs(-x)"),
    (
        "absent(nonexistent{job=\"x\"})",
        "absent(nonexistent{job=\"x\"})",
    ),
    ("absent_over_time(x[5m])", "absent_over_time(x[5m])"),
    ("clamp(x, 0, 1)", "clamp(x, 0, 1)"),
    ("day_of_week()", "day_of_week()"),
    ("day_of_week(x)", "day_of_week(x)"),
    ("pi()", "pi()"),
    ("pi", "pi"),
    ("info(x)", "info(x)"),
    ("info(x, {a=\"b\"})", "info(x, {a=\"b\"})"),
    (
        "info(x, {__name__=\"target_info\"})",
        "info(x, {__name__=\"target_info\"})",
    ),
    ("info(x, {a=\"\"})", "info(x, {a=\"\"})"),
    ("start() + 1", "start() + 1"),
    ("step()", "step()"),
    ("range()", "range()"),
    ("min_of(1, 2)", "min_of(1, 2)"),
    ("mad_over_time(x[5m])", "mad_over_time(x[5m])"),
    (
        "double_exponential_smoothing(x[5m], 0.5, 0.5)",
        "double_exponential_smoothing(x[5m], 0.5, 0.5)",
    ),
    ("ts_of_max_over_time(x[5m])", "ts_of_max_over_time(x[5m])"),
    ("start_timestamp(x)", "start_timestamp(x)"),
    ("foo[5m+1m]", "foo[5m + 1m]"),
    ("foo[5m-5m]", "foo[5m - 5m]"),
    ("foo[5m*0]", "foo[5m * 0]"),
    ("foo[2*5m:30s]", "foo[2 * 5m:30s]"),
    ("foo[5m:step()]", "foo[5m:step()]"),
    ("foo[step():5m]", "foo[step():5m]"),
    ("foo[(5m)]", "foo[(5m)]"),
    ("foo[((5m))]", "foo[((5m))]"),
    ("foo[+5m]", "foo[5m]"),
    ("foo[+step()]", "foo[step()]"),
    ("foo[5m % 2m]", "foo[5m % 2m]"),
    ("foo[10m / 2]", "foo[10m / 2]"),
    ("foo[2 ^ 3]", "foo[2 ^ 3]"),
    ("foo[min_of(5m, 1h)]", "foo[min_of(5m, 1h)]"),
    ("foo offset 5m + 1m", "foo offset 5m + 1m"),
    ("foo offset (5m + 1m)", "foo offset (5m + 1m)"),
    ("foo offset -(5m)", "foo offset -(5m)"),
    ("foo offset min_of(1m, 2m)", "foo offset min_of(1m, 2m)"),
    ("foo @ start() offset step()", "foo @ start() offset step()"),
    ("# comment\nfoo", "foo"),
    ("foo # comment", "foo"),
    ("foo{a=\"b\" # comment\n}", "foo{a=\"b\"}"),
    ("sum(\n  rate(x[5m])\n)", "sum(rate(x[5m]))"),
    ("a\tand\rb", "a and b"),
    ("(((((a)))))", "(((((a)))))"),
    ("(x)[5m:]", "(x)[5m:]"),
    ("sum(x)[5m:]", "sum(x)[5m:]"),
    ("and", "and"),
    ("or", "or"),
    ("unless", "unless"),
    ("by", "by"),
    ("without", "without"),
    ("offset", "offset"),
    ("a or or", "a or or"),
    ("offset offset 5m", "offset offset 5m"),
    ("by{a=\"b\"}", "by{a=\"b\"}"),
    (
        "\"\\a\\b\\f\\n\\r\\t\\v\\\\\\\" - \\u1234\\U00010111\\U0001011111☺\"",
        "\"\\a\\b\\f\\n\\r\\t\\v\\\\\\\" - ሴ𐄑𐄑11☺\"",
    ),
    (
        "'\\a\\b\\f\\n\\r\\t\\v\\\\\\' - \\u1234☺'",
        "\"\\a\\b\\f\\n\\r\\t\\v\\\\' - ሴ☺\"",
    ),
    ("\"\\xff\"", "\"\\ufffd\""),
    ("x{a=\"\\xff\"}", "x{a=\"\\ufffd\"}"),
    ("\"\\377\"", "\"\\ufffd\""),
];

/// Refused with every experimental feature on: text, first error's span and message.
const REJECTED: &[(&str, usize, usize, &str)] = &[
    ("", 0, 0, "no expression found in input"),
    ("# just a comment\n\n", 0, 0, "no expression found in input"),
    ("1+", 2, 2, "unexpected end of input"),
    (".", 0, 1, "unexpected character: '.'"),
    ("2.5.", 0, 4, "bad number or duration syntax: \"2.5.\""),
    ("100..4", 0, 5, "bad number or duration syntax: \"100..\""),
    ("0deadbeef", 0, 3, "bad number or duration syntax: \"0de\""),
    ("1 /", 3, 3, "unexpected end of input"),
    ("*1", 0, 1, "unexpected <op:*>"),
    ("(1))", 3, 4, "unexpected right parenthesis ')'"),
    ("((1)", 0, 1, "unclosed left parenthesis"),
    (
        "999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
        0,
        309,
        "error parsing number: strconv.ParseFloat: parsing \"999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999\": value out of range",
    ),
    ("(", 0, 1, "unclosed left parenthesis"),
    (
        "1 and 1",
        0,
        7,
        "set operator \"and\" not allowed in binary scalar expression",
    ),
    (
        "1 == 1",
        2,
        4,
        "comparisons between scalars must use BOOL modifier",
    ),
    (
        "1 or 1",
        0,
        6,
        "set operator \"or\" not allowed in binary scalar expression",
    ),
    (
        "1 unless 1",
        0,
        10,
        "set operator \"unless\" not allowed in binary scalar expression",
    ),
    ("1 !~ 1", 2, 4, "unexpected character after '!': '~'"),
    ("1 =~ 1", 2, 4, "unexpected character after '=': '~'"),
    (
        "-\"string\"",
        0,
        9,
        "unary expression only allowed on expressions of type scalar or instant vector, got \"string\"",
    ),
    (
        "-test[5m]",
        0,
        9,
        "unary expression only allowed on expressions of type scalar or instant vector, got \"range vector\"",
    ),
    ("*test", 0, 1, "unexpected <op:*>"),
    ("@@", 0, 1, "unexpected <op:@>"),
    (
        "1 offset 1d",
        0,
        1,
        "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
    ),
    (
        "foo offset 1s offset 2s",
        0,
        13,
        "offset may not be set multiple times",
    ),
    ("a - on(b) ignoring(c) d", 10, 18, "unexpected <ignoring>"),
    (
        "foo and 1",
        0,
        9,
        "set operator \"and\" not allowed in binary scalar expression",
    ),
    (
        "1 and foo",
        0,
        9,
        "set operator \"and\" not allowed in binary scalar expression",
    ),
    (
        "foo or 1",
        0,
        8,
        "set operator \"or\" not allowed in binary scalar expression",
    ),
    (
        "1 or foo",
        0,
        8,
        "set operator \"or\" not allowed in binary scalar expression",
    ),
    (
        "foo unless 1",
        0,
        12,
        "set operator \"unless\" not allowed in binary scalar expression",
    ),
    (
        "1 unless foo",
        0,
        12,
        "set operator \"unless\" not allowed in binary scalar expression",
    ),
    (
        "1 or on(bar) foo",
        0,
        16,
        "vector matching only allowed between instant vectors",
    ),
    (
        "foo == on(bar) 10",
        0,
        17,
        "vector matching only allowed between instant vectors",
    ),
    (
        "foo + group_left(baz) bar",
        6,
        16,
        "unexpected <group_left>",
    ),
    (
        "foo and on(bar) group_left(baz) bar",
        0,
        35,
        "no grouping allowed for \"and\" operation",
    ),
    (
        "foo and on(bar) group_right(baz) bar",
        0,
        36,
        "no grouping allowed for \"and\" operation",
    ),
    (
        "foo or on(bar) group_left(baz) bar",
        0,
        34,
        "no grouping allowed for \"or\" operation",
    ),
    (
        "foo or on(bar) group_right(baz) bar",
        0,
        35,
        "no grouping allowed for \"or\" operation",
    ),
    (
        "foo unless on(bar) group_left(baz) bar",
        0,
        38,
        "no grouping allowed for \"unless\" operation",
    ),
    (
        "foo unless on(bar) group_right(baz) bar",
        0,
        39,
        "no grouping allowed for \"unless\" operation",
    ),
    (
        "http_requests{group=\"production\"} + on(instance) group_left(job,instance) cpu_count{type=\"smp\"}",
        34,
        73,
        "label \"instance\" must not occur in ON and GROUP clause at once",
    ),
    (
        "foo + bool bar",
        4,
        10,
        "bool modifier can only be used on comparison operators",
    ),
    (
        "foo + bool 10",
        4,
        10,
        "bool modifier can only be used on comparison operators",
    ),
    (
        "foo and bool 10",
        4,
        12,
        "bool modifier can only be used on comparison operators",
    ),
    (
        "foo @ +Inf",
        0,
        3,
        "timestamp out of bounds for @ modifier: +Inf",
    ),
    (
        "foo @ -Inf",
        0,
        3,
        "timestamp out of bounds for @ modifier: -Inf",
    ),
    (
        "foo @ NaN",
        0,
        3,
        "timestamp out of bounds for @ modifier: NaN",
    ),
    ("{", 1, 1, "unexpected end of input inside braces"),
    ("}", 0, 1, "unexpected character: '}'"),
    ("some{", 5, 5, "unexpected end of input inside braces"),
    ("some}", 4, 5, "unexpected character: '}'"),
    (
        "some_metric{a=b}",
        14,
        15,
        "unexpected identifier \"b\" in label matching, expected string",
    ),
    (
        "some_metric{a:b=\"b\"}",
        13,
        14,
        "unexpected character inside braces: ':'",
    ),
    (
        "foo{a*\"b\"}",
        5,
        6,
        "unexpected character inside braces: '*'",
    ),
    (
        "foo{a>=\"b\"}",
        5,
        6,
        "unexpected character inside braces: '>'",
    ),
    (
        "foo{gibberish}",
        13,
        14,
        "unexpected \"}\" in label matching, expected label matching operator",
    ),
    ("foo{1}", 4, 5, "unexpected character inside braces: '1'"),
    (
        "{}",
        0,
        2,
        "vector selector must contain at least one non-empty matcher",
    ),
    (
        "{x=\"\"}",
        0,
        6,
        "vector selector must contain at least one non-empty matcher",
    ),
    (
        "{x=~\".*\"}",
        0,
        9,
        "vector selector must contain at least one non-empty matcher",
    ),
    (
        "{x!~\".+\"}",
        0,
        9,
        "vector selector must contain at least one non-empty matcher",
    ),
    (
        "{x!=\"a\"}",
        0,
        8,
        "vector selector must contain at least one non-empty matcher",
    ),
    (
        "foo{__name__=\"bar\"}",
        0,
        19,
        "metric name must not be set twice: \"foo\" or \"bar\"",
    ),
    (
        "foo{__name__= =}",
        14,
        15,
        "unexpected \"=\" in label matching, expected string",
    ),
    (
        "foo{,}",
        4,
        5,
        "unexpected \",\" in label matching, expected identifier or \"}\"",
    ),
    (
        "foo{__name__ == \"bar\"}",
        14,
        15,
        "unexpected \"=\" in label matching, expected string",
    ),
    (
        "foo{__name__=\"bar\" lol}",
        19,
        22,
        "unexpected identifier \"lol\" in label matching, expected \",\" or \"}\"",
    ),
    (
        "foo{\"a\"=}",
        8,
        9,
        "unexpected \"}\" in label matching, expected string",
    ),
    ("foo[5mm]", 4, 7, "bad number or duration syntax: \"5mm\""),
    ("foo[5m1]", 4, 7, "bad number or duration syntax: \"5m1\""),
    (
        "foo[5m:1m1]",
        7,
        10,
        "bad number or duration syntax: \"1m1\"",
    ),
    (
        "foo[5y1hs]",
        4,
        9,
        "unknown unit \"hs\" in duration \"5y1hs\"",
    ),
    ("foo[5m1h]", 4, 8, "not a valid duration string: \"5m1h\""),
    ("foo[5m1m]", 4, 8, "not a valid duration string: \"5m1m\""),
    ("foo[0m]", 4, 6, "duration must be greater than 0"),
    (
        "foo[\"5m\"]",
        4,
        5,
        "unexpected character in duration expression: '\"'",
    ),
    (
        "foo[]",
        4,
        5,
        "unexpected \"]\" in subquery or range selector, expected number, duration, step(), or range()",
    ),
    ("foo[-1]", 4, 6, "duration must be greater than 0"),
    (
        "some_metric[5m] OFFSET 1mm",
        23,
        26,
        "bad number or duration syntax: \"1mm\"",
    ),
    (
        "some_metric[5m] OFFSET",
        22,
        22,
        "unexpected end of input in offset, expected number, duration, step(), or range()",
    ),
    (
        "some_metric OFFSET 1m[5m]",
        21,
        25,
        "no offset modifiers allowed before range",
    ),
    (
        "some_metric[5m] @",
        17,
        17,
        "unexpected end of input in @, expected timestamp",
    ),
    (
        "some_metric @ 1234 [5m]",
        19,
        23,
        "no @ modifiers allowed before range",
    ),
    (
        "some_metric @ start() [5m]",
        22,
        26,
        "no @ modifiers allowed before range",
    ),
    (
        "some_metric @ end()[5m]",
        19,
        23,
        "no @ modifiers allowed before range",
    ),
    (
        "some_metric offset step()[5m]",
        25,
        29,
        "no offset modifiers allowed before range",
    ),
    (
        "(foo + bar)[5m]",
        11,
        15,
        "ranges only allowed for vector selectors",
    ),
    (
        "sum by (\"foo)(some_metric{})",
        8,
        28,
        "unterminated quoted string",
    ),
    (
        "sum without(==)(some_metric)",
        12,
        14,
        "unexpected <op:==> in grouping opts, expected label",
    ),
    (
        "sum without(,)(some_metric)",
        12,
        13,
        "unexpected \",\" in grouping opts, expected label",
    ),
    (
        "sum without(foo,,)(some_metric)",
        16,
        17,
        "unexpected \",\" in grouping opts, expected label",
    ),
    (
        "sum some_metric by (test)",
        4,
        15,
        "unexpected identifier \"some_metric\"",
    ),
    (
        "sum (some_metric) by test",
        21,
        25,
        "unexpected identifier \"test\" in grouping opts, expected \"(\"",
    ),
    (
        "sum () by (test)",
        0,
        16,
        "no arguments for aggregate expression provided",
    ),
    (
        "MIN keep_common (some_metric)",
        4,
        15,
        "unexpected identifier \"keep_common\"",
    ),
    (
        "MIN (some_metric) keep_common",
        18,
        29,
        "unexpected identifier \"keep_common\"",
    ),
    (
        "sum (some_metric) without (test) by (test)",
        33,
        35,
        "unexpected <by>",
    ),
    (
        "sum without (test) (some_metric) by (test)",
        33,
        35,
        "unexpected <by>",
    ),
    (
        "topk(some_metric)",
        0,
        17,
        "wrong number of arguments for aggregate expression provided, expected 2, got 1",
    ),
    (
        "topk(some_metric,)",
        16,
        17,
        "trailing commas not allowed in function call args",
    ),
    (
        "topk(some_metric, other_metric)",
        5,
        16,
        "expected type scalar in aggregation parameter, got instant vector",
    ),
    (
        "count_values(5, other_metric)",
        13,
        14,
        "expected type string in aggregation parameter, got scalar",
    ),
    (
        "rate(some_metric[5m]) @ 1234",
        0,
        21,
        "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
    ),
    (
        "floor()",
        0,
        7,
        "expected 1 argument(s) in call to \"floor\", got 0",
    ),
    (
        "floor(some_metric, other_metric)",
        0,
        32,
        "expected 1 argument(s) in call to \"floor\", got 2",
    ),
    (
        "floor(some_metric, 1)",
        0,
        21,
        "expected 1 argument(s) in call to \"floor\", got 2",
    ),
    (
        "floor(1)",
        6,
        7,
        "expected type instant vector in call to function \"floor\", got scalar",
    ),
    (
        "hour(some_metric, some_metric, some_metric)",
        0,
        43,
        "expected at most 1 argument(s) in call to \"hour\", got 3",
    ),
    (
        "time(some_metric)",
        0,
        17,
        "expected 0 argument(s) in call to \"time\", got 1",
    ),
    (
        "non_existent_function_far_bar()",
        0,
        29,
        "unknown function with name \"non_existent_function_far_bar\"",
    ),
    (
        "rate(some_metric)",
        5,
        16,
        "expected type range vector in call to function \"rate\", got instant vector",
    ),
    ("-=", 1, 2, "unexpected \"=\""),
    ("++-++-+-+-<", 10, 11, "unexpected <op:<>"),
    ("e-+=/(0)", 3, 4, "unexpected \"=\""),
    ("a>b()", 2, 3, "unknown function with name \"b\""),
    (
        "rate(avg)",
        5,
        8,
        "expected type range vector in call to function \"rate\", got instant vector",
    ),
    ("`\\``", 3, 4, "unterminated raw string"),
    ("\"\\", 0, 2, "escape sequence not terminated"),
    ("\"\\c\"", 1, 3, "unknown escape sequence U+0063 'c'"),
    (
        "\"\\x.\"",
        1,
        4,
        "illegal character U+002E '.' in escape sequence",
    ),
    (
        "foo{bar=\"baz\"}[",
        15,
        15,
        "unexpected end of input in duration expression",
    ),
    (
        "test[5d] OFFSET 10s [10m:5s]",
        0,
        28,
        "subquery is only allowed on instant vector, got matrix instead",
    ),
    (
        "(foo + bar{nm=\"val\"})[5m:][10m:5s]",
        0,
        34,
        "subquery is only allowed on instant vector, got matrix instead",
    ),
    (
        "rate(food[1m])[1h] offset 1h",
        14,
        18,
        "ranges only allowed for vector selectors",
    ),
    (
        "rate(food[1m])[1h] @ 100",
        14,
        18,
        "ranges only allowed for vector selectors",
    ),
    (
        "info(rate(http_request_counter_total{}[5m]), target_info{foo=\"bar\"})",
        45,
        67,
        "expected label selectors only, got vector selector instead",
    ),
    (
        "info(http_request_counter_total{namespace=\"zzz\"}, {foo=\"bar\"} == 1)",
        50,
        66,
        "expected label selectors only",
    ),
    (
        "foo[step]",
        8,
        9,
        "unexpected \"]\" in subquery or range selector, expected \"(\"",
    ),
    ("foo[step()/0d]", 10, 11, "division by zero"),
    ("foo[5s/0d]", 6, 7, "division by zero"),
    ("foo offset (4d/0)", 14, 15, "division by zero"),
    ("foo[5s%0d]", 6, 7, "modulo by zero"),
    ("foo offset 9.5e10", 11, 17, "duration out of range"),
    ("foo[9.5e10]", 4, 10, "duration out of range"),
    ("sum(", 3, 4, "unclosed left parenthesis"),
    ("sum(rate(", 8, 9, "unclosed left parenthesis"),
    (
        "foo[5s x 5s]",
        7,
        8,
        "unexpected character: 'x', expected ':'",
    ),
    (
        "foo[5s s 5s]",
        7,
        8,
        "unexpected character: 's', expected ':'",
    ),
    (
        "1[5m] smoothed",
        1,
        5,
        "ranges only allowed for vector selectors",
    ),
    (
        "1[5m] anchored",
        1,
        5,
        "ranges only allowed for vector selectors",
    ),
    (
        "sum by (a,b c) (x)",
        12,
        13,
        "unexpected identifier \"c\" in grouping opts, expected \",\" or \")\"",
    ),
    (
        "sum by a (x)",
        7,
        8,
        "unexpected identifier \"a\" in grouping opts, expected \"(\"",
    ),
    // After `group_left`/`group_right`, a token that cannot start the operand is reported as
    // Prometheus' grammar sees it: still in the optional label list (promtool 2.42 says so too).
    (
        "x + on(a) group_left bool y",
        21,
        25,
        "unexpected <bool> in grouping opts, expected \"(\"",
    ),
    (
        "x + on(a) group_right",
        21,
        21,
        "unexpected end of input in grouping opts, expected \"(\"",
    ),
    (
        "x + on(a) group_left , y",
        21,
        22,
        "unexpected \",\" in grouping opts, expected \"(\"",
    ),
    (
        "x + on(a) group_left * y",
        21,
        22,
        "unexpected <op:*> in grouping opts, expected \"(\"",
    ),
    (
        "x + on(a) group_left ] y",
        21,
        22,
        "unexpected right bracket ']'",
    ),
    (
        "sum(x, y)",
        0,
        9,
        "wrong number of arguments for aggregate expression provided, expected 1, got 2",
    ),
    (
        "foo @ 100 @ 200",
        0,
        9,
        "@ <timestamp> may not be set multiple times",
    ),
    (
        "foo offset 1m offset 2m",
        0,
        13,
        "offset may not be set multiple times",
    ),
    (
        "foo[5m:1m][10m:1m]",
        0,
        18,
        "subquery is only allowed on instant vector, got matrix instead",
    ),
    (
        "foo @ start",
        11,
        11,
        "unexpected end of input in @, expected \"(\"",
    ),
    (
        "foo @",
        5,
        5,
        "unexpected end of input in @, expected timestamp",
    ),
    (
        "foo offset",
        10,
        10,
        "unexpected end of input in offset, expected number, duration, step(), or range()",
    ),
    ("foo[5m", 3, 4, "unclosed left bracket"),
    ("foo[5m:", 3, 4, "unclosed left bracket"),
    ("foo[5m:1m", 3, 4, "unclosed left bracket"),
    (
        "foo[:5m]",
        4,
        5,
        "unexpected colon before duration in duration expression",
    ),
    (
        "foo[5m::]",
        7,
        8,
        "unexpected repeated colon in duration expression",
    ),
    ("foo[5m]]", 7, 8, "unexpected right bracket ']'"),
    ("foo]", 3, 4, "unexpected right bracket ']'"),
    ("foo[[5m]]", 4, 5, "unexpected left bracket '['"),
    ("foo[99999999999y]", 4, 16, "duration out of range"),
    ("foo offset 99999999999y", 11, 23, "duration out of range"),
    (
        "foo @ 1e100",
        0,
        3,
        "timestamp out of bounds for @ modifier: 10000000000000000159028911097599180468360808563945281389781327557747838772170381060813469985856815104.000000",
    ),
    (
        "foo @ -1e100",
        0,
        3,
        "timestamp out of bounds for @ modifier: -10000000000000000159028911097599180468360808563945281389781327557747838772170381060813469985856815104.000000",
    ),
    (
        "1e999",
        0,
        5,
        "error parsing number: strconv.ParseFloat: parsing \"1e999\": value out of range",
    ),
    (
        "-1e999",
        1,
        6,
        "error parsing number: strconv.ParseFloat: parsing \"1e999\": value out of range",
    ),
    (
        "0x",
        0,
        2,
        "error parsing number: strconv.ParseFloat: parsing \"0x\": invalid syntax",
    ),
    (
        "0xffffffffffffffffff",
        0,
        20,
        "error parsing number: strconv.ParseFloat: parsing \"0xffffffffffffffffff\": invalid syntax",
    ),
    ("1__0", 0, 3, "bad number or duration syntax: \"1__\""),
    ("1_", 0, 2, "bad number or duration syntax: \"1_\""),
    ("0o17", 0, 1, "bad number or duration syntax: \"0\""),
    ("1e", 0, 2, "bad number or duration syntax: \"1e\""),
    ("1e+", 0, 3, "bad number or duration syntax: \"1e+\""),
    ("..5", 0, 1, "unexpected character: '.'"),
    ("5..", 0, 3, "bad number or duration syntax: \"5..\""),
    ("\"abc", 0, 4, "unterminated quoted string"),
    ("'abc", 0, 4, "unterminated quoted string"),
    ("`abc", 0, 4, "unterminated raw string"),
    ("\"a\\qb\"", 2, 4, "unknown escape sequence U+0071 'q'"),
    (
        "\"\\U00110000\"",
        1,
        11,
        "escape sequence is an invalid Unicode code point",
    ),
    (
        "\"\\ud800\"",
        1,
        7,
        "escape sequence is an invalid Unicode code point",
    ),
    (
        "\"\\400\"",
        1,
        5,
        "escape sequence is an invalid Unicode code point",
    ),
    (
        "\"\\xZZ\"",
        1,
        4,
        "illegal character U+005A 'Z' in escape sequence",
    ),
    ("'\\\"'", 1, 3, "unknown escape sequence U+0022 '\"'"),
    ("\"\\'\"", 1, 3, "unknown escape sequence U+0027 '\\''"),
    (
        "x{a=~\"(\"}",
        2,
        8,
        "error parsing regexp: unclosed group: `(`",
    ),
    (
        "x{a=~\"a{2,\"}",
        2,
        11,
        "error parsing regexp: repetition quantifier expects a valid decimal: `a{2,`",
    ),
    (
        "x{a!~\"[z-a]\"}",
        2,
        12,
        "error parsing regexp: invalid character class range, the start must be <= the end: `[z-a]`",
    ),
    (
        "sum by (\"\") (x)",
        8,
        10,
        "invalid label name for grouping: \"\"",
    ),
    (
        "sum by (inf) (x)",
        8,
        11,
        "unexpected number \"inf\" in grouping opts, expected label",
    ),
    (
        "sum by (without) (x)",
        8,
        15,
        "unexpected <without> in grouping opts, expected label",
    ),
    (
        "a + on(x) group_left(x) b",
        2,
        23,
        "label \"x\" must not occur in ON and GROUP clause at once",
    ),
    ("a + group_left b", 4, 14, "unexpected <group_left>"),
    (
        "a + bool b",
        2,
        8,
        "bool modifier can only be used on comparison operators",
    ),
    ("a == on(x) bool b", 11, 15, "unexpected <bool>"),
    (
        "1 + on(x) 2",
        0,
        11,
        "vector matching only allowed between instant vectors",
    ),
    (
        "1 < 2",
        2,
        3,
        "comparisons between scalars must use BOOL modifier",
    ),
    (
        "a + fill(x) b",
        9,
        10,
        "unexpected identifier \"x\" in fill modifier, expected number",
    ),
    (
        "a + fill_left(1) fill_left(2) b",
        26,
        27,
        "unexpected \"(\"",
    ),
    (
        "a and fill(0) b",
        0,
        15,
        "filling in missing series not allowed for set operators",
    ),
    (
        "1 + fill(0) 2",
        0,
        13,
        "filling in missing series only allowed between instant vectors",
    ),
    (
        "foo[5m] anchored smoothed",
        0,
        16,
        "anchored and smoothed modifiers cannot be used together",
    ),
    (
        "foo[5m:1m] anchored",
        0,
        10,
        "anchored modifier is not supported for subqueries",
    ),
    ("sum(x) anchored", 0, 6, "anchored modifier not implemented"),
    (
        "rate(x)",
        5,
        6,
        "expected type range vector in call to function \"rate\", got instant vector",
    ),
    (
        "rate(x[5m], 1)",
        0,
        14,
        "expected 1 argument(s) in call to \"rate\", got 2",
    ),
    (
        "round(x, 1, 2)",
        0,
        14,
        "expected at most 2 argument(s) in call to \"round\", got 3",
    ),
    (
        "label_join(x, \"a\")",
        0,
        18,
        "expected at least 3 argument(s) in call to \"label_join\", got 2",
    ),
    (
        "label_replace(x, \"a\", \"b\", \"c\")",
        0,
        31,
        "expected 5 argument(s) in call to \"label_replace\", got 4",
    ),
    (
        "histogram_quantile(0.9, x[5m])",
        24,
        29,
        "expected type instant vector in call to function \"histogram_quantile\", got range vector",
    ),
    (
        "vector(x)",
        7,
        8,
        "expected type scalar in call to function \"vector\", got instant vector",
    ),
    (
        "scalar(x) > 1",
        10,
        11,
        "comparisons between scalars must use BOOL modifier",
    ),
    ("Rate(x[5m])", 0, 4, "unknown function with name \"Rate\""),
    ("RATE(x[5m])", 0, 4, "unknown function with name \"RATE\""),
    ("foo:bar(x)", 7, 8, "unexpected \"(\""),
    ("foo(x)", 0, 3, "unknown function with name \"foo\""),
    (
        "info(x, target_info)",
        8,
        19,
        "expected label selectors only, got vector selector instead",
    ),
    (
        "info(x, {a=\"b\"}[5m])",
        0,
        20,
        "expected type instant vector in call to function \"info\", got range vector",
    ),
    (
        "max_of(x, 2)",
        7,
        8,
        "expected type scalar in call to function \"max_of\", got instant vector",
    ),
    (
        "foo[min_of(5m)]",
        13,
        14,
        "unexpected \")\" in subquery or range selector, expected \",\"",
    ),
    (
        "foo[step(]",
        9,
        10,
        "unexpected \"]\" in subquery or range selector, expected \")\"",
    ),
    (
        "foo[step(1)]",
        9,
        10,
        "unexpected number \"1\" in subquery or range selector, expected \")\"",
    ),
    (
        "foo[5m,1m]",
        6,
        7,
        "unexpected \",\" in subquery or range, expected \":\" or \"]\"",
    ),
    ("((a)", 0, 1, "unclosed left parenthesis"),
    ("(a))", 3, 4, "unexpected right parenthesis ')'"),
    ("a b", 2, 3, "unexpected identifier \"b\""),
    ("a (b)", 0, 1, "unknown function with name \"a\""),
    ("a, b", 1, 2, "unexpected \",\""),
    (",", 0, 1, "unexpected \",\""),
    (")", 0, 1, "unexpected right parenthesis ')'"),
    ("]", 0, 1, "unexpected right bracket ']'"),
    ("[", 0, 1, "unexpected \"[\""),
    ("@", 0, 1, "unexpected <op:@>"),
    ("1 2", 2, 3, "unexpected number \"2\""),
    ("\"a\" \"b\"", 4, 7, "unexpected string \"\\\"b\\\"\""),
    (
        "\"a\" + 1",
        0,
        3,
        "binary expression must contain only scalar and instant vector types",
    ),
    (
        "\"a\" == \"b\"",
        0,
        3,
        "binary expression must contain only scalar and instant vector types",
    ),
    (
        "x + \"a\"",
        4,
        7,
        "binary expression must contain only scalar and instant vector types",
    ),
    (
        "-\"a\"",
        0,
        4,
        "unary expression only allowed on expressions of type scalar or instant vector, got \"string\"",
    ),
    (
        "sum(\"a\")",
        4,
        7,
        "expected type instant vector in aggregation expression, got string",
    ),
    (
        "topk(\"a\", x)",
        5,
        8,
        "expected type scalar in aggregation parameter, got string",
    ),
    (
        "count_values(1, x)",
        13,
        14,
        "expected type string in aggregation parameter, got scalar",
    ),
    (
        "quantile(x, y)",
        9,
        10,
        "expected type scalar in aggregation parameter, got instant vector",
    ),
    (
        "sum(x[5m])",
        4,
        9,
        "expected type instant vector in aggregation expression, got range vector",
    ),
    (
        "x[5m] + 1",
        0,
        5,
        "binary expression must contain only scalar and instant vector types",
    ),
    (
        "x[5m:] * 2",
        0,
        6,
        "binary expression must contain only scalar and instant vector types",
    ),
    ("(x)[5m]", 3, 7, "ranges only allowed for vector selectors"),
    (
        "1[5m:]",
        0,
        6,
        "subquery is only allowed on instant vector, got scalar instead",
    ),
    (
        "\"a\"[5m:]",
        0,
        8,
        "subquery is only allowed on instant vector, got string instead",
    ),
    (
        "abs(x)[5m]",
        6,
        10,
        "ranges only allowed for vector selectors",
    ),
    (
        "x offset 5m[1m]",
        11,
        15,
        "no offset modifiers allowed before range",
    ),
    ("foo @ 1 [5m]", 8, 12, "no @ modifiers allowed before range"),
    ("foo bool", 4, 8, "unexpected <bool>"),
    ("foo on(a)", 4, 6, "unexpected <on>"),
    (
        "sum(a b)",
        6,
        7,
        "unexpected identifier \"b\" in aggregation, expected \",\" or \")\"",
    ),
    (
        "sum(a,)",
        5,
        6,
        "trailing commas not allowed in function call args",
    ),
    ("sum(,a)", 4, 5, "unexpected \",\""),
    (
        "rate(a b, c d)",
        7,
        8,
        "unexpected identifier \"b\" in function call, expected \",\" or \")\"",
    ),
    ("f(a b)", 0, 1, "unknown function with name \"f\""),
    (
        "rate(x{a=\"b\" c=\"d\"}[5m])",
        13,
        14,
        "unexpected identifier \"c\" in label matching, expected \",\" or \"}\"",
    ),
    (
        "x{a=\"b\" c=\"d\", e=\"f\" g=\"h\"}",
        8,
        9,
        "unexpected identifier \"c\" in label matching, expected \",\" or \"}\"",
    ),
    (
        "x{a=}",
        4,
        5,
        "unexpected \"}\" in label matching, expected string",
    ),
    (
        "x{=a}",
        2,
        3,
        "unexpected \"=\" in label matching, expected identifier or \"}\"",
    ),
    (
        "x{a b}",
        4,
        5,
        "unexpected identifier \"b\" in label matching, expected label matching operator",
    ),
    (
        "x{a!}",
        3,
        5,
        "unexpected character after '!' inside braces: '}'",
    ),
    (
        "x{a!=}",
        5,
        6,
        "unexpected \"}\" in label matching, expected string",
    ),
    ("x{a=~1}", 5, 6, "unexpected character inside braces: '1'"),
    ("x{a=\"b\"} {c=\"d\"}", 9, 10, "unexpected \"{\""),
    ("bool", 0, 4, "unexpected <bool>"),
    ("on", 0, 2, "unexpected <on>"),
    ("ignoring", 0, 8, "unexpected <ignoring>"),
    ("group_left", 0, 10, "unexpected <group_left>"),
    ("group_right", 0, 11, "unexpected <group_right>"),
    ("atan2", 0, 5, "unexpected <op:atan2>"),
    ("on{a=\"b\"}", 0, 2, "unexpected <on>"),
    ("group_left{a=\"b\"}", 0, 10, "unexpected <group_left>"),
    ("\"a\nb\"", 0, 2, "unterminated quoted string"),
    ("\"�\"", 1, 4, "invalid UTF-8 rune"),
    ("`�`", 1, 4, "invalid UTF-8 rune"),
];

/// Refused with Prometheus' defaults (no feature flag), accepted or refused differently
/// with every feature on: text, first error's span and message.
const REFUSED_BY_DEFAULT: &[(&str, usize, usize, &str)] = &[
    (
        "foo offset +(5)",
        12,
        15,
        "experimental duration expression is not enabled",
    ),
    (
        "foo offset -(5)",
        11,
        15,
        "experimental duration expression is not enabled",
    ),
    (
        "foo offset (5)",
        11,
        14,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[(5s)]",
        4,
        8,
        "experimental duration expression is not enabled",
    ),
    (
        "some_metric offset step()[5m]",
        19,
        25,
        "experimental duration expression is not enabled",
    ),
    ("start()", 0, 5, "function \"start\" is not enabled"),
    ("end()", 0, 3, "function \"end\" is not enabled"),
    (
        "info(rate(http_request_counter_total{}[5m]))",
        0,
        4,
        "function \"info\" is not enabled",
    ),
    (
        "info(rate(http_request_counter_total{}[5m]), target_info{foo=\"bar\"})",
        0,
        4,
        "function \"info\" is not enabled",
    ),
    (
        "info(http_request_counter_total{namespace=\"zzz\"}, {foo=\"bar\", bar=\"baz\"})",
        0,
        4,
        "function \"info\" is not enabled",
    ),
    (
        "info(http_request_counter_total{namespace=\"zzz\"}, {foo=\"bar\"} == 1)",
        0,
        4,
        "function \"info\" is not enabled",
    ),
    (
        "foo[11s+10s-5*2^2]",
        4,
        17,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[-(10s-5s)+20s]",
        4,
        17,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[-10s+15s]",
        4,
        12,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[step()]",
        4,
        10,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[  -  step  (  )  ]",
        6,
        19,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[   step  (  )  ]",
        7,
        17,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[-step()]",
        4,
        11,
        "experimental duration expression is not enabled",
    ),
    (
        "foo offset step()",
        11,
        17,
        "experimental duration expression is not enabled",
    ),
    (
        "foo offset -step()",
        11,
        18,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[max_of(step(),5s)]",
        4,
        21,
        "experimental duration expression is not enabled",
    ),
    (
        "foo offset max_of(step(),5s)",
        11,
        28,
        "experimental duration expression is not enabled",
    ),
    (
        "foo offset -min_of(5s,step()+8s)",
        11,
        32,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[range()]",
        4,
        11,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[2m/range()]",
        4,
        14,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[-range()]",
        4,
        12,
        "experimental duration expression is not enabled",
    ),
    (
        "foo offset range()",
        11,
        18,
        "experimental duration expression is not enabled",
    ),
    (
        "foo offset -range()",
        11,
        19,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[max_of(range(),5s)]",
        4,
        22,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[4s+4s:1s*2] offset (5s-8)",
        4,
        9,
        "experimental duration expression is not enabled",
    ),
    (
        "rate(foo[2m+2m])",
        9,
        14,
        "experimental duration expression is not enabled",
    ),
    (
        "foo offset -(1^2)",
        11,
        17,
        "experimental duration expression is not enabled",
    ),
    (
        "foo offset (-1^2)",
        11,
        17,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[-2^2]",
        4,
        8,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[0+-2^2]",
        4,
        10,
        "experimental duration expression is not enabled",
    ),
    (
        "limitk(2, x)",
        0,
        12,
        "limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions",
    ),
    (
        "limit_ratio(0.5, x)",
        0,
        19,
        "limit_ratio() is experimental and must be enabled with --enable-feature=promql-experimental-functions",
    ),
    (
        "a + fill(0) b",
        0,
        13,
        "binop fill modifiers are experimental and not enabled",
    ),
    (
        "a + on(x) fill(0) b",
        0,
        19,
        "binop fill modifiers are experimental and not enabled",
    ),
    (
        "a + fill_left(1) fill_right(2) b",
        0,
        32,
        "binop fill modifiers are experimental and not enabled",
    ),
    (
        "a + fill_right(2) fill_left(1) b",
        0,
        32,
        "binop fill modifiers are experimental and not enabled",
    ),
    (
        "a + fill_left(1) b",
        0,
        18,
        "binop fill modifiers are experimental and not enabled",
    ),
    (
        "a + fill(-1) b",
        0,
        14,
        "binop fill modifiers are experimental and not enabled",
    ),
    (
        "a + fill(NaN) b",
        0,
        15,
        "binop fill modifiers are experimental and not enabled",
    ),
    (
        "a + fill(1e6) b",
        0,
        15,
        "binop fill modifiers are experimental and not enabled",
    ),
    (
        "a + fill_left(1) fill_left(2) b",
        0,
        26,
        "binop fill modifiers are experimental and not enabled",
    ),
    (
        "a and fill(0) b",
        0,
        15,
        "binop fill modifiers are experimental and not enabled",
    ),
    (
        "1 + fill(0) 2",
        0,
        13,
        "binop fill modifiers are experimental and not enabled",
    ),
    (
        "a + fill (1) b",
        0,
        14,
        "binop fill modifiers are experimental and not enabled",
    ),
    (
        "foo anchored",
        0,
        3,
        "anchored modifier is experimental and not enabled",
    ),
    (
        "foo[5m] anchored",
        0,
        7,
        "anchored modifier is experimental and not enabled",
    ),
    (
        "foo[5m] smoothed",
        0,
        7,
        "smoothed modifier is experimental and not enabled",
    ),
    (
        "foo anchored [5m]",
        0,
        3,
        "anchored modifier is experimental and not enabled",
    ),
    (
        "foo[5m] anchored smoothed",
        0,
        7,
        "anchored modifier is experimental and not enabled",
    ),
    (
        "foo[5m:1m] anchored",
        0,
        10,
        "anchored modifier is experimental and not enabled",
    ),
    (
        "sum(x) anchored",
        0,
        6,
        "anchored modifier is experimental and not enabled",
    ),
    (
        "rate(foo[5m] anchored)",
        5,
        12,
        "anchored modifier is experimental and not enabled",
    ),
    (
        "histogram_quantiles(x, \"q\", 0.5, 0.9)",
        0,
        19,
        "function \"histogram_quantiles\" is not enabled",
    ),
    (
        "sort_by_label(x, \"a\", \"b\")",
        0,
        13,
        "function \"sort_by_label\" is not enabled",
    ),
    ("info(x)", 0, 4, "function \"info\" is not enabled"),
    (
        "info(x, {a=\"b\"})",
        0,
        4,
        "function \"info\" is not enabled",
    ),
    (
        "info(x, target_info)",
        0,
        4,
        "function \"info\" is not enabled",
    ),
    (
        "info(x, {a=\"b\"}[5m])",
        0,
        4,
        "function \"info\" is not enabled",
    ),
    (
        "info(x, {__name__=\"target_info\"})",
        0,
        4,
        "function \"info\" is not enabled",
    ),
    (
        "info(x, {a=\"\"})",
        0,
        4,
        "function \"info\" is not enabled",
    ),
    ("start() + 1", 0, 5, "function \"start\" is not enabled"),
    ("step()", 0, 4, "function \"step\" is not enabled"),
    ("range()", 0, 5, "function \"range\" is not enabled"),
    ("min_of(1, 2)", 0, 6, "function \"min_of\" is not enabled"),
    ("max_of(x, 2)", 0, 6, "function \"max_of\" is not enabled"),
    (
        "mad_over_time(x[5m])",
        0,
        13,
        "function \"mad_over_time\" is not enabled",
    ),
    (
        "double_exponential_smoothing(x[5m], 0.5, 0.5)",
        0,
        28,
        "function \"double_exponential_smoothing\" is not enabled",
    ),
    (
        "ts_of_max_over_time(x[5m])",
        0,
        19,
        "function \"ts_of_max_over_time\" is not enabled",
    ),
    (
        "start_timestamp(x)",
        0,
        15,
        "function \"start_timestamp\" is not enabled",
    ),
    (
        "foo[5m+1m]",
        4,
        9,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[5m-5m]",
        4,
        9,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[5m*0]",
        4,
        8,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[2*5m:30s]",
        4,
        8,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[5m:step()]",
        7,
        13,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[step():5m]",
        4,
        10,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[(5m)]",
        4,
        8,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[((5m))]",
        4,
        10,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[+step()]",
        5,
        11,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[5m % 2m]",
        4,
        11,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[10m / 2]",
        4,
        11,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[2 ^ 3]",
        4,
        9,
        "experimental duration expression is not enabled",
    ),
    (
        "foo[min_of(5m, 1h)]",
        4,
        18,
        "experimental duration expression is not enabled",
    ),
    (
        "foo offset (5m + 1m)",
        11,
        20,
        "experimental duration expression is not enabled",
    ),
    (
        "foo offset -(5m)",
        11,
        16,
        "experimental duration expression is not enabled",
    ),
    (
        "foo offset min_of(1m, 2m)",
        11,
        25,
        "experimental duration expression is not enabled",
    ),
    (
        "foo @ start() offset step()",
        21,
        27,
        "experimental duration expression is not enabled",
    ),
];

#[test]
fn accepted_expressions_print_canonically_and_print_again_the_same() {
    let opts = Options::all();
    let mut failures = Vec::new();
    for &(text, want) in ACCEPTED {
        match parse_with(text, &opts) {
            Ok(e) => {
                let printed = e.to_string();
                if printed != want {
                    failures.push(format!("{text:?}: printed {printed:?}, want {want:?}"));
                    continue;
                }
                match parse_with(&printed, &opts) {
                    Ok(again) if again.to_string() == printed => {}
                    Ok(again) => failures.push(format!("{text:?}: reprinted {again}")),
                    Err(e) => failures.push(format!("{text:?}: printed form refused: {e:?}")),
                }
            }
            Err(e) => failures.push(format!("{text:?}: refused: {e:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn check_refusals(table: &[(&str, usize, usize, &str)], opts: &Options) {
    let mut failures = Vec::new();
    for &(text, start, end, message) in table {
        match parse_with(text, opts) {
            Ok(e) => failures.push(format!("{text:?}: accepted as {e}")),
            Err(errors) => {
                for e in &errors {
                    if e.span.start > e.span.end || e.span.end > text.len() {
                        failures.push(format!("{text:?}: span {:?} outside the text", e.span));
                    }
                }
                let first = &errors[0];
                if (first.span.start, first.span.end, first.message.as_str())
                    != (start, end, message)
                {
                    failures.push(format!(
                        "{text:?}: got {}..{} {:?}, want {start}..{end} {message:?}",
                        first.span.start, first.span.end, first.message
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn refused_expressions_say_where_and_why() {
    check_refusals(REJECTED, &Options::all());
}

#[test]
fn experimental_syntax_is_refused_by_default() {
    check_refusals(REFUSED_BY_DEFAULT, &Options::default());
}

#[test]
fn the_table_is_large_enough_to_mean_something() {
    assert!(ACCEPTED.len() + REJECTED.len() >= 500);
}

#[test]
fn default_parse_is_prometheus_default() {
    assert!(parse("rate(x[5m])").is_ok());
    assert!(parse("x[5m+1m]").is_err());
}

/// `uses_experimental` says exactly when Prometheus' defaults refuse an expression that
/// parses with every feature on: the linter parses with every feature and asks it before
/// holding the expression to the features the config enables.
#[test]
fn uses_experimental_agrees_with_the_default_parse() {
    let all = Options::all();
    let mut failures = Vec::new();
    let texts = ACCEPTED
        .iter()
        .map(|(t, _)| *t)
        .chain(REFUSED_BY_DEFAULT.iter().map(|(t, ..)| *t));
    let mut experimental = 0;
    for text in texts {
        let Ok(e) = parse_with(text, &all) else {
            continue;
        };
        let refused = parse_with(text, &Options::default()).is_err();
        experimental += usize::from(refused);
        if e.uses_experimental() != refused {
            failures.push(format!(
                "{text:?}: uses_experimental {}, refused by default {refused}",
                e.uses_experimental()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        experimental >= 20,
        "only {experimental} experimental expressions"
    );
}

#[test]
fn features_are_enabled_by_their_prometheus_names() {
    let mut opts = Options::default();
    for name in super::super::FEATURES {
        assert!(opts.enable(name), "{name}");
    }
    assert_eq!(opts, Options::all());
    assert!(!Options::default().enable("promql-at-modifier"));
}

/// Prometheus 2.x's `holt_winters`, which 3.0 renamed `double_exponential_smoothing` and made
/// experimental: known under `v2_function_names` only (not a feature, so not in
/// `Options::all`), and its 3.x name is then unknown, as it is to 2.x.
#[test]
fn holt_winters_is_known_by_its_prometheus_2_name_only() {
    let v2 = Options {
        v2_function_names: true,
        ..Options::default()
    };
    let e = parse_with("holt_winters(x[5m], 0.5, 0.1)", &v2).expect("2.x name");
    assert_eq!(e.to_string(), "holt_winters(x[5m], 0.5, 0.1)");
    assert!(!e.uses_experimental());
    check_refusals(
        &[(
            "holt_winters(x[5m], 0.5, 0.1)",
            0,
            12,
            "unknown function with name \"holt_winters\"",
        )],
        &Options::all(),
    );
    check_refusals(
        &[(
            "double_exponential_smoothing(x[5m], 0.5, 0.1)",
            0,
            28,
            "unknown function with name \"double_exponential_smoothing\"",
        )],
        &v2,
    );
    // Argument types are checked as for any function.
    check_refusals(
        &[(
            "holt_winters(x, 0.5, 0.1)",
            13,
            14,
            "expected type range vector in call to function \"holt_winters\", got instant vector",
        )],
        &v2,
    );
}

/// `starts_operand` (which decides the message after `group_left`) takes the tokens an operand
/// may start with: after a unary `-` (an operand must follow; no modifier may), the others
/// are refused at once as unexpected, these are not.
#[test]
fn starts_operand_is_what_parse_primary_takes() {
    let samples = [
        "1",
        "5m",
        "\"s\"",
        "(",
        "{",
        "x",
        "a:b",
        "+",
        "-",
        "*",
        "/",
        "%",
        "^",
        "==",
        "!=",
        "<",
        ">",
        "<=",
        ">=",
        "</",
        ">/",
        "=",
        ",",
        ":",
        "@",
        "[",
        ")",
        "]",
        "}",
        "and",
        "or",
        "unless",
        "atan2",
        "sum",
        "topk",
        "offset",
        "smoothed",
        "anchored",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "fill",
        "fill_left",
        "fill_right",
        "bool",
        "start",
        "end",
        "step",
        "range",
        "max_of",
        "min_of",
        "Inf",
        "NaN",
    ];
    let mut failures = Vec::new();
    for sample in samples {
        let lexed = crate::syntax::lexer::lex(sample);
        let starts = crate::syntax::parser::starts_operand(lexed.tokens[0].tok);
        let text = format!("-{sample}");
        let refused_at_once = parse_with(&text, &Options::all()).is_err_and(|errors| {
            errors
                .iter()
                .any(|e| e.span.start == 1 && e.message.starts_with("unexpected"))
        });
        if starts == refused_at_once {
            failures.push(format!(
                "{sample:?}: starts_operand {starts}, refused at once after `-` {refused_at_once}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
