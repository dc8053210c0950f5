//! Arbitrary Markdown with `[[ID]]` links through link scanning, HTML and plain text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &str| {
    let _ = assure::fuzzing::markdown(body);
});
