//! The lockout after repeated wrong passwords, shared by the phones' login and
//! the console's.
//!
//! After [`MAX_FAILURES`] wrong passwords for one username within
//! [`LOCKOUT`], that username is locked for [`LOCKOUT`]: even the right
//! password is refused until then. [`MAX_FAILURES_PER_ADDRESS`] failures from
//! one address (any usernames: one machine guessing across many accounts) lock
//! that address the same way. The counts live in this process (a restart
//! forgets them).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong passwords for one username before it is locked.
pub const MAX_FAILURES: u32 = 5;
/// Wrong passwords from one address (any usernames) before it is locked:
/// one machine guessing across many accounts.
pub const MAX_FAILURES_PER_ADDRESS: u32 = 20;
/// How long failures are remembered, and how long a lock lasts.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

/// Wrong passwords per username and per address, and the locks they caused.
#[derive(Debug, Default)]
pub struct SignInLockout {
    failures: Mutex<HashMap<String, Failures>>,
}

impl SignInLockout {
    /// No failures counted yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long `key` stays locked, if it is.
    fn locked_for(&self, key: &str, now: Instant) -> Option<Duration> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .and_then(|f| f.locked_until)
            .and_then(|until| until.checked_duration_since(now))
            .filter(|d| !d.is_zero())
    }

    /// Counts a wrong password under `key`; true when this one locks it.
    fn fail(&self, key: &str, limit: u32, now: Instant) -> bool {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        // Forget stale entries so the map cannot grow without bound.
        map.retain(|_, f| {
            now.duration_since(f.first) < LOCKOUT || f.locked_until.is_some_and(|u| u > now)
        });
        let f = map.entry(key.to_owned()).or_insert(Failures {
            count: 0,
            first: now,
            locked_until: None,
        });
        if f.locked_until.is_some_and(|u| u <= now) {
            *f = Failures {
                count: 0,
                first: now,
                locked_until: None,
            };
        }
        f.count += 1;
        if f.count >= limit && f.locked_until.is_none() {
            f.locked_until = Some(now + LOCKOUT);
            return true;
        }
        false
    }

    /// How long a sign-in as `username` from `remote_addr` stays refused
    /// before its password is even checked: the account's lock or the
    /// address's, whichever ends later. The console and the phones' login
    /// share these counts.
    pub fn locked(&self, username: &str, remote_addr: Option<&str>) -> Option<Duration> {
        let now = Instant::now();
        self.locked_for(&user_key(username), now)
            .max(address_key(remote_addr).and_then(|a| self.locked_for(&a, now)))
    }

    /// Counts a wrong password for `username` and for `remote_addr`; true
    /// when this one locks either.
    pub fn failed(&self, username: &str, remote_addr: Option<&str>) -> bool {
        let now = Instant::now();
        let mut locked = self.fail(&user_key(username), MAX_FAILURES, now);
        if let Some(a) = address_key(remote_addr) {
            locked |= self.fail(&a, MAX_FAILURES_PER_ADDRESS, now);
        }
        locked
    }

    /// Forgets the account's wrong passwords after a good one.
    pub fn succeeded(&self, username: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&user_key(username));
    }
}

/// The lockout key of a username: trimmed, lower case.
fn user_key(username: &str) -> String {
    format!("user:{}", username.trim().to_lowercase())
}

/// The lockout key of an address: its IP without the port (one machine,
/// whatever connection it uses).
fn address_key(remote_addr: Option<&str>) -> Option<String> {
    remote_addr
        .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
        .map(|a| format!("ip:{}", a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: Option<&str> = Some("192.0.2.7:50000");
    const ELSEWHERE: Option<&str> = Some("198.51.100.9:443");

    #[test]
    fn the_fifth_wrong_password_locks_the_account_however_its_name_is_typed() {
        let lockout = SignInLockout::new();
        for _ in 1..MAX_FAILURES {
            assert!(!lockout.failed("wangfang", HOME));
        }
        assert_eq!(lockout.locked("wangfang", ELSEWHERE), None);
        assert!(
            lockout.failed(" WangFang ", HOME),
            "the fifth failure locks"
        );
        let wait = lockout
            .locked("WANGFANG", ELSEWHERE)
            .expect("locked from anywhere");
        assert!(wait <= LOCKOUT, "a lock lasts at most {LOCKOUT:?}");
        assert_eq!(
            lockout.locked("lihua", ELSEWHERE),
            None,
            "other accounts stay open"
        );
    }

    #[test]
    fn one_address_guessing_across_accounts_is_locked_and_a_good_password_does_not_clear_it() {
        let lockout = SignInLockout::new();
        for i in 1..MAX_FAILURES_PER_ADDRESS {
            assert!(!lockout.failed(&format!("user{i}"), HOME));
        }
        lockout.succeeded("user1");
        assert!(
            lockout.failed("user0", Some("192.0.2.7:50001")),
            "same machine, other port"
        );
        assert!(lockout.locked("someone", HOME).is_some());
        assert_eq!(lockout.locked("someone", ELSEWHERE), None);
        assert_eq!(lockout.locked("someone", None), None);
    }

    #[test]
    fn a_good_password_forgets_the_accounts_earlier_failures() {
        let lockout = SignInLockout::new();
        for _ in 1..MAX_FAILURES {
            lockout.failed("wangfang", None);
        }
        lockout.succeeded("WangFang");
        assert!(!lockout.failed("wangfang", None), "counting starts again");
        assert_eq!(lockout.locked("wangfang", None), None);
    }
}
