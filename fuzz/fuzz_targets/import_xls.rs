//! Arbitrary bytes as a .xls workbook through `assure import`'s reader and record making.
#![no_main]

use assure::fuzzing::{import, WorkbookKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = import(WorkbookKind::Xls, data);
});
