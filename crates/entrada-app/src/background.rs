//! CPU priority for work the door never waits for: the sync engine, the demo's embedded
//! hub and its generated portraits. On a two-core door laptop that work (a first import,
//! a burst of photo thumbnails) otherwise competes with WebKit and the scanner for the
//! same cores, and the door answers a scan or shows its first frame late. At a lower
//! priority it still uses every idle cycle, so nothing syncs later on an idle machine.

/// The nice value of background threads: the kernel then gives them about a tenth of the
/// CPU time of the door's threads when both want a core.
const BACKGROUND_NICE: i32 = 10;

/// Lowers the calling thread's CPU priority. Threads it creates afterwards (a runtime's
/// workers, a connection pool) inherit it. Failure only costs responsiveness, so it is
/// logged, not returned.
pub(crate) fn lower_this_thread() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on the calling thread's id; no pointers.
        let result = unsafe {
            let tid = libc::gettid();
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, BACKGROUND_NICE)
        };
        if result != 0 {
            tracing::debug!(
                error = %std::io::Error::last_os_error(),
                "background thread keeps the normal priority"
            );
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn lowers_only_the_calling_thread() {
        let nice = || {
            // SAFETY: reading the calling thread's own priority.
            unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
        };
        let before = nice();
        let (lowered, inherited) = std::thread::spawn(move || {
            lower_this_thread();
            let child = std::thread::spawn(nice).join().unwrap_or(i32::MIN);
            (nice(), child)
        })
        .join()
        .unwrap_or((i32::MIN, i32::MIN));
        assert_eq!(lowered, before.max(BACKGROUND_NICE));
        assert_eq!(
            inherited, lowered,
            "threads it creates inherit the priority"
        );
        assert_eq!(nice(), before, "the caller's thread is untouched");
    }
}
