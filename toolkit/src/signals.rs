//! SIGINT, SIGTERM and SIGHUP as a request to stop cleanly: [`install`] makes the first one
//! only set a flag, which the tools check between entries ([`caught`]) to stop starting work,
//! remove what they had half-built (snap's staging directory, treesync's temporaries) and
//! exit as the classic tool would; a second signal of the same kind acts at once, as if no
//! handler were installed (so a stuck run can still be interrupted).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

struct Caught {
    any: Arc<AtomicBool>,
    which: Arc<AtomicUsize>,
}

static CAUGHT: OnceLock<Caught> = OnceLock::new();

/// Starts catching SIGINT, SIGTERM and SIGHUP (once per process; later calls do nothing).
pub fn install() {
    let caught = CAUGHT.get_or_init(|| Caught {
        any: Arc::new(AtomicBool::new(false)),
        which: Arc::new(AtomicUsize::new(0)),
    });
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        // The second signal: the default action (termination).
        let _ = signal_hook::flag::register_conditional_default(sig, caught.any.clone());
        let _ = signal_hook::flag::register_usize(sig, caught.which.clone(), sig as usize);
        let _ = signal_hook::flag::register(sig, caught.any.clone());
    }
}

/// The signal that asked the run to stop, if one did.
pub fn caught() -> Option<i32> {
    let caught = CAUGHT.get()?;
    if !caught.any.load(Ordering::Relaxed) {
        return None;
    }
    i32::try_from(caught.which.load(Ordering::Relaxed))
        .ok()
        .filter(|&s| s != 0)
}

/// Ends the process as `sig` would have ended it (its default action), after the caller has
/// cleaned up; the status `128 + sig` if the signal does not end it.
pub fn die_of(sig: i32) -> std::process::ExitCode {
    let _ = signal_hook::low_level::emulate_default_handler(sig);
    std::process::ExitCode::from(u8::try_from(128 + sig).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_signal_is_remembered_and_does_not_end_the_process() {
        install();
        assert_eq!(caught(), None);
        signal_hook::low_level::raise(SIGHUP).expect("raise");
        assert_eq!(caught(), Some(SIGHUP));
    }
}
