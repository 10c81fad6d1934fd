pub mod duration;
pub mod load;
pub mod model;
pub mod source;
pub mod yaml;

pub mod alertmanager;
pub mod analyse;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostic;
pub mod promql_locate;
pub mod report;
pub mod runbook;
pub mod suppress;
pub mod template;
