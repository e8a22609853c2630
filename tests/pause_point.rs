//! Stopping a `doorstep` process at a known point, so a crash test kills it
//! exactly there: the process is started with the core's test hook
//! (`DOORSTEP_TEST_PAUSE=POINT:COUNT`, see `doorstep_core::test_hook`), says
//! on stderr when it has stopped, and waits on its stdin until it is killed
//! or let go. Shared by the crash tests through `#[path]`.

use doorstep_core::test_hook::PAUSE_VAR;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};

/// A `doorstep` process stopped at its pause point, waiting.
pub struct Paused {
    child: Child,
}

impl Paused {
    /// Starts `command` with the pause point `point:count` and returns once the
    /// process has said it stopped there. Panics if it ends without stopping.
    pub fn start(mut command: Command, point: &str, count: u64) -> Self {
        let mut child = command
            .env(PAUSE_VAR, format!("{point}:{count}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let expected = format!("doorstep test hook: paused at {point}:{count}");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                let status = child.wait().unwrap();
                panic!("the process ended ({status}) without stopping at {point}:{count}: {seen}");
            }
            if line.trim_end() == expected {
                break;
            }
            seen.push_str(&line);
        }
        // Its stderr is drained on a thread from here on, so nothing it writes
        // after being let go can block it on a full pipe.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        });
        Self { child }
    }

    /// SIGKILLs the process while it waits at its pause point (no destructor
    /// and no rollback code runs) and proves that the kill is what ended it.
    pub fn kill(mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "the process is still waiting at its pause point when it is killed"
        );
        self.child.kill().unwrap(); // SIGKILL on Unix
        let status = self.child.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "the process was ended by the SIGKILL, not by finishing: {status}"
        );
    }

    /// Lets the process go on from its pause point; returns it to be waited for.
    pub fn resume(mut self) -> Child {
        let mut stdin = self.child.stdin.take().unwrap();
        stdin.write_all(b"go on\n").unwrap();
        drop(stdin);
        self.child
    }
}
