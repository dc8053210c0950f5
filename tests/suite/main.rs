//! Assure's integration tests: one test binary, one module per area.
//!
//! Every module used to be a test binary of its own, and each linked the whole crate
//! again; one binary links it once (issue 25). Run one area with
//! `cargo test --release --test suite leak::`, one test with its full name, e.g.
//! `cargo test --release --test suite leak::no_route_reaches_another_audience -- --exact`.
//! Helpers shared by the areas live in `common`.

mod common;

mod bounds;
mod changes;
mod check;
mod consistency;
mod crash;
mod demo;
mod editor;
mod fields;
mod first_hour;
mod fuzz_corpus;
mod indicators;
mod leak;
mod markdown_safety;
mod pack_content;
mod pack_kinds;
mod paths;
mod pdf;
mod round_trip;
mod serve;
mod site;
mod spreadsheets;
