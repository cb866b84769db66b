//! Waiting on observable state instead of the clock: a test that needs
//! another process or session to reach a point polls for that point (a
//! lock row, `pg_stat_activity`, `pg_locks`, a file) with a bound far
//! above any machine's slowness, so that a loaded CI machine is slower
//! but never wrong.

use std::time::{Duration, Instant};

/// How long [`wait_until`] waits by default: a minute, far above what
/// any of the awaited states takes on a loaded machine.
pub const GENEROUS: Duration = Duration::from_secs(60);

/// Polls `ready` (every 20 ms) until it is true; panics naming `what`
/// once `bound` has passed without it.
#[track_caller]
pub fn wait_until(what: &str, bound: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < bound,
            "still waiting after {bound:?} for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
