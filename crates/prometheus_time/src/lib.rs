//! Time as Prometheus writes it: durations (`5m`, `1h30m`) and the proleptic Gregorian
//! calendar that PromQL's date functions and Go's time formatting both need.

pub mod calendar;
pub mod duration;
