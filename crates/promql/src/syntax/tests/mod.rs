//! Tests of the PromQL front end: the accept/reject table and the printer round trip.

mod roundtrip;
mod table;
