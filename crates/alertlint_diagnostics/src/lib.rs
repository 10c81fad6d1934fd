//! What every layer reports with: source files and spans, diagnostics, and the renderers that
//! print them (human, JSON, SARIF, GitHub annotations).

pub mod diagnostic;
pub mod report;
pub mod source;
