//! Arbitrary Markdown with `[[ID]]` links as PDF layout blocks, laid out and written.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &str| {
    assure::fuzzing::pdf_layout(body).expect("any Markdown gives a PDF");
});
