//! What each command does with the pipeline's result: `build` and `pack` write outputs,
//! `status` summarises readiness, `diff` compares two outputs, `baseline` keeps the content's state as a named baseline, `import` brings a
//! spreadsheet tracker in. The command line itself is `main.rs`.

pub mod baseline;
pub mod build;
pub mod diff;
pub mod import;
pub mod status;
