//! Assure: proves a children's-services improvement journey to the people who inspect it.
//!
//! The pipeline, one stage per module:
//!
//! ```text
//! content/ ─ content (walk, split, YAML) ─ model::build (fields) ─ model::resolve (graph)
//!          ─ analysis (readiness, warnings) + privacy ─ model::view (audience)
//!          ─ analysis (per view) ─ render::{html, search, data, xlsx, pdf} ─ output (swap)
//! ```
//!
//! [`pipeline`] runs that sequence for every command (`serve` included); [`commands`]
//! holds what each command does with its result; [`present`] is the vocabulary every
//! renderer shows values in; [`import`] reads spreadsheet trackers into records.

pub mod analysis;
#[cfg(test)]
mod architecture;
pub mod branding;
pub mod changes;
pub mod charts;
pub mod commands;
pub mod config;
pub mod content;
pub mod date;
pub mod diagnostics;
pub mod durable;
#[doc(hidden)]
pub mod fuzzing;
pub mod hash;
pub mod import;
pub mod judgements;
pub mod lock;
pub mod markdown;
pub mod model;
pub mod new_record;
pub mod output;
pub mod pipeline;
pub mod present;
pub mod privacy;
pub mod render;
pub mod serve;
pub mod starter;
pub mod terminal;
pub mod untrusted;

/// The version written into outputs (part of what makes them reproducible).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
