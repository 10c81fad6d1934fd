//! Tests of the PromQL front end: the accept/reject table and the printer round trip.

mod differential;
mod limits;
mod roundtrip;
mod spans;
mod table;
