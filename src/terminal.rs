//! Everything a command prints goes through here (SPEC §14.7), for two reasons.
//!
//! - **User text is made harmless.** Cells of an imported workbook, record fields, a
//!   baseline's titles and the diagnostics quoting them are the authors' (or an
//!   attacker's) bytes. An escape sequence among them, printed raw, can rewrite the
//!   terminal's title, hide lines or fake output, so [`clean`] removes every control
//!   character but the line break and the tab, and the bidirectional controls that make
//!   text read other than it is.
//! - **A reader that goes away is not a crash.** `assure check | head -1` closes the
//!   pipe after one line; Rust's `println!` then panics. Here a closed pipe only ends
//!   the printing: the command finishes its work quietly with its usual exit code.
//!   Another failure to write (a full disk under `> report.txt`) is remembered, and
//!   `main` reports it with exit code 2 ([`write_failure`]).

use std::borrow::Cow;
use std::io::Write;
use std::sync::Mutex;

/// Whether `c` is removed from printed text: C0 and C1 controls (but line break and
/// tab), DEL, and the bidirectional embedding, override and isolate controls.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` without the characters a terminal would act on (see the module comment).
pub fn clean(text: &str) -> Cow<'_, str> {
    if text.chars().any(unsafe_char) {
        Cow::Owned(text.chars().filter(|&c| !unsafe_char(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// The state of one standard stream: still open, or why it stopped.
enum Stream {
    Open,
    /// The reader went away: print nothing more, say nothing.
    Closed,
    /// Writing failed otherwise; `main` reports it.
    Failed(String),
}

static STDOUT: Mutex<Stream> = Mutex::new(Stream::Open);
static STDERR: Mutex<Stream> = Mutex::new(Stream::Open);

fn write(state: &Mutex<Stream>, out: &mut dyn Write, text: &str) {
    // A poisoned lock only means another thread panicked while printing.
    let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
    if !matches!(*state, Stream::Open) {
        return;
    }
    let written = out
        .write_all(clean(text).as_bytes())
        .and_then(|_| out.flush());
    if let Err(e) = written {
        *state = if e.kind() == std::io::ErrorKind::BrokenPipe {
            Stream::Closed
        } else {
            Stream::Failed(e.to_string())
        };
    }
}

/// Prints `text`, cleaned, to standard output.
pub fn print(text: &str) {
    write(&STDOUT, &mut std::io::stdout().lock(), text);
}

/// Prints `text`, cleaned, to standard error.
pub fn eprint(text: &str) {
    write(&STDERR, &mut std::io::stderr().lock(), text);
}

/// Why standard output could not be written, when it failed for another reason than
/// its reader going away.
pub fn write_failure() -> Option<String> {
    match &*STDOUT.lock().unwrap_or_else(|e| e.into_inner()) {
        Stream::Failed(why) => Some(why.clone()),
        _ => None,
    }
}

/// `print!` through [`print()`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::terminal::print(&format!($($arg)*)) };
}

/// `println!` through [`print()`].
#[macro_export]
macro_rules! outln {
    () => { $crate::terminal::print("\n") };
    ($($arg:tt)*) => { $crate::terminal::print(&format!("{}\n", format_args!($($arg)*))) };
}

/// `eprintln!` through [`eprint()`].
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => { $crate::terminal::eprint(&format!("{}\n", format_args!($($arg)*))) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_controls_are_removed_lines_and_tabs_kept() {
        assert_eq!(
            clean("a\u{1b}]0;owned\u{7}b\u{1b}[2Jc\r\u{9b}d\u{7f}\te\nf"),
            "a]0;ownedb[2Jcd\te\nf"
        );
        assert_eq!(clean("\u{202E}txt.exe"), "txt.exe");
        assert!(matches!(clean("plain text"), Cow::Borrowed(_)));
    }
}
