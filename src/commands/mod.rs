//! What each command does with the pipeline's result: `build` and `pack` write outputs,
//! `status` summarises readiness, `diff` compares two outputs, `import` brings a
//! spreadsheet tracker in. The command line itself is `main.rs`.

pub mod build;
pub mod diff;
pub mod import;
pub mod status;
