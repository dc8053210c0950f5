//! A record file (or `site.yaml`) among fixed companion records, through front matter,
//! YAML, field building, link resolution and every `assure check` warning.
//! The first byte picks the file's path (see `assure::fuzzing::LOADER_PATHS`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = assure::fuzzing::loader(data);
});
