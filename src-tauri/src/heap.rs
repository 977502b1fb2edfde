//! How much memory the app's processes keep after a burst of work
//! (issue #12: "after 1,000 generations pass through the window, ≤ +15 MiB").
//!
//! glibc's malloc gives each thread that allocates at the same time as
//! another its own arena (up to 8 × cores of them) and keeps the freed
//! memory of each arena for reuse; after a run of 1,000 generations that is
//! several MiB in the main process (tokio workers, WebKit's and GTK's
//! threads) and in the web process. Two remedies, both glibc's own
//! (`mallopt(3)`, `malloc_trim(3)`):
//!
//! - [`limit_arenas`]: at most [`ARENAS`] arenas, in this process
//!   (`mallopt(M_ARENA_MAX)`, before any thread exists) and in the
//!   processes it starts (`MALLOC_ARENA_MAX` in the environment, read by
//!   glibc when WebKit's web and network processes start), unless the user
//!   set `MALLOC_ARENA_MAX` themselves;
//! - [`trim_after_bursts`]: once the queue has been quiet for [`QUIET`]
//!   after at least [`BURST`] events, `malloc_trim(0)` gives the free pages
//!   of every arena back to the system (this process only).
//!
//! Measured in BENCHMARKS.md, scenario 7. Only on Linux with glibc; a no-op
//! elsewhere.

use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};

use crate::state::AppState;

/// The variable glibc reads at a process's start.
pub const ARENA_MAX_ENV: &str = "MALLOC_ARENA_MAX";

/// Arenas per process: the main thread's and one for every other thread.
pub const ARENAS: i32 = 2;

/// How long the queue must be quiet (no event) before trimming.
pub const QUIET: Duration = Duration::from_secs(3);

/// Events since the last trim that make a burst worth trimming after.
pub const BURST: usize = 200;

/// Limits glibc's arenas to [`ARENAS`] in this process and in the processes
/// it starts, unless `MALLOC_ARENA_MAX` is set already (glibc then applied
/// it to this process at start, and children inherit it).
///
/// Must run before any other thread exists (first thing in `run`): it
/// changes the process environment.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn limit_arenas() {
    if std::env::var_os(ARENA_MAX_ENV).is_some() {
        return;
    }
    // SAFETY: mallopt only sets a malloc parameter; no thread but this one
    // exists yet (called first thing in `run()`).
    unsafe { libc::mallopt(libc::M_ARENA_MAX, ARENAS) };
    crate::webkit_env::set_unless_set(ARENA_MAX_ENV, &ARENAS.to_string());
}

/// Not glibc: nothing to do.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn limit_arenas() {}

/// Gives free heap memory back to the system (glibc's `malloc_trim(0)`);
/// `true` when some was.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn trim() -> bool {
    // SAFETY: malloc_trim takes the arenas' locks itself; it is safe to
    // call from any thread at any time.
    unsafe { libc::malloc_trim(0) == 1 }
}

/// Not glibc: nothing to do.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn trim() -> bool {
    false
}

/// Counts a queue's events and says when a burst has ended: [`BURST`]
/// events or more, then a quiet spell of [`QUIET`].
#[derive(Debug, Default)]
pub struct BurstWatch {
    events: usize,
}

impl BurstWatch {
    /// One more event.
    pub fn on_event(&mut self) {
        self.events += 1;
    }

    /// The queue has been quiet for [`QUIET`]: whether to trim now (then
    /// the count starts again).
    pub fn on_quiet(&mut self) -> bool {
        let due = self.events >= BURST;
        if due {
            self.events = 0;
        }
        due
    }
}

/// Runs for the life of the app: trims the heap after each burst of the
/// queue's events (following queue swaps, as the bridge does).
pub async fn trim_after_bursts<R: Runtime>(app: AppHandle<R>) {
    let mut queues = app.state::<AppState>().watch_queue();
    let mut watch = BurstWatch::default();
    loop {
        let queue = queues.borrow_and_update().clone();
        let mut rx = queue.events().subscribe();
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Ok(_) => watch.on_event(),
                    // Fell behind: many events, a burst as any other.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        for _ in 0..n.min(BURST as u64) { watch.on_event(); }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                },
                _ = tokio::time::sleep(QUIET) => {
                    if watch.on_quiet() {
                        let trimmed = tokio::task::spawn_blocking(trim).await.unwrap_or(false);
                        tracing::debug!(trimmed, "the queue is quiet after a burst; heap trimmed");
                    }
                }
                changed = queues.changed() => {
                    if changed.is_err() { return; }
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_trimmed_once_after_it_ends_and_a_few_events_are_not() {
        let mut w = BurstWatch::default();
        for _ in 0..BURST - 1 {
            w.on_event();
        }
        assert!(!w.on_quiet(), "fewer than BURST events is no burst");
        w.on_event();
        assert!(w.on_quiet(), "BURST events then quiet: trim");
        assert!(!w.on_quiet(), "still quiet, nothing new: no second trim");
    }

    /// Resident pages of this process, in KiB (`/proc/self/statm`).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn rss_kib() -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
        pages * 4
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn trimming_gives_freed_heap_memory_back_to_the_system() {
        // 64 MiB in 4 KiB blocks (below glibc's mmap threshold: they live
        // in an arena), then all freed but the last, which keeps the
        // arena's top in place: free memory glibc keeps for reuse.
        let mut blocks: Vec<Vec<u8>> = Vec::with_capacity(16 * 1024);
        for i in 0..16 * 1024 {
            blocks.push(vec![(i % 251) as u8 + 1; 4096]);
        }
        let last = blocks.pop().unwrap();
        drop(blocks);
        let before = rss_kib();
        assert!(trim(), "malloc_trim gave nothing back");
        let after = rss_kib();
        assert!(
            before.saturating_sub(after) >= 32 * 1024,
            "RSS {before} KiB before the trim, {after} KiB after: less than 32 MiB given back"
        );
        assert_eq!(last[0], ((16 * 1024 - 1) % 251) as u8 + 1);
    }
}
