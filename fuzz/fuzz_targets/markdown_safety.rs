//! Arbitrary Markdown through the safe-Markdown checks: the HTML links only allowed
//! schemes, loads nothing from elsewhere, never nests links and closes every element;
//! the PDF links only allowed schemes; plain Markdown comes out as pulldown-cmark's own.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &str| {
    if let Err(problem) = assure::fuzzing::markdown_safety(body) {
        panic!("{problem}\nbody: {body:?}");
    }
});
