//! A test hook that stops a process at a named point, so a crash test can
//! SIGKILL it exactly there instead of guessing with a timer.
//!
//! Off unless the environment variable `DOORSTEP_TEST_PAUSE` is set to
//! `POINT:COUNT`. When the process reaches that point with that count it writes
//! one line to stderr, `doorstep test hook: paused at POINT:COUNT`, and waits
//! for a line (or the end) on stdin before it goes on. The test reads the line,
//! kills the process while it waits, and then checks what the kill left.
//! The line carries only the point's name and a count, never any data.
//!
//! Points:
//! - `import`: a household import, inside its open transaction, after COUNT
//!   households of the batch are written (nothing of the batch is committed).
//! - `sync`: `doorstep device sync`, when COUNT outbox items of this run are
//!   settled (marked done or failed), with the rest still to send.

use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// The environment variable that names the pause point.
pub const PAUSE_VAR: &str = "DOORSTEP_TEST_PAUSE";

/// One pause point, read from [`PAUSE_VAR`] once; it stops the process at most once.
#[derive(Debug)]
pub struct Pause {
    point: &'static str,
    at: Option<u64>,
    fired: AtomicBool,
}

impl Pause {
    /// The pause point `point`, armed only if [`PAUSE_VAR`] names it.
    pub fn named(point: &'static str) -> Self {
        let at = std::env::var(PAUSE_VAR)
            .ok()
            .and_then(|value| armed_count(&value, point));
        Self {
            point,
            at,
            fired: AtomicBool::new(false),
        }
    }

    /// Called with the count so far: at the armed count (the first time only)
    /// it reports on stderr and waits for a line or the end of stdin.
    pub fn reached(&self, count: u64) {
        if self.at != Some(count) || self.fired.swap(true, Ordering::SeqCst) {
            return;
        }
        let mut stderr = std::io::stderr().lock();
        // The hook is for tests; if stderr is gone there is nobody to tell.
        let _ = writeln!(
            stderr,
            "doorstep test hook: paused at {}:{count}",
            self.point
        );
        let _ = stderr.flush();
        drop(stderr);
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
    }
}

/// The count in `value` (`POINT:COUNT`) when it names `point`.
fn armed_count(value: &str, point: &str) -> Option<u64> {
    let (name, count) = value.split_once(':')?;
    if name != point {
        return None;
    }
    count.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_named_point_at_a_whole_count_is_armed() {
        assert_eq!(armed_count("import:750", "import"), Some(750));
        assert_eq!(armed_count("import:750", "sync"), None);
        assert_eq!(armed_count("import", "import"), None);
        assert_eq!(armed_count("import:half", "import"), None);
        assert_eq!(armed_count("import:-1", "import"), None);
    }

    #[test]
    fn an_unarmed_pause_goes_straight_on() {
        let pause = Pause {
            point: "import",
            at: None,
            fired: AtomicBool::new(false),
        };
        // Would wait on stdin if it were armed; returns at once instead.
        for count in 0..3 {
            pause.reached(count);
        }
        assert!(!pause.fired.load(Ordering::SeqCst));
    }
}
