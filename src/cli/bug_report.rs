//! A panic is a bug in alertsim, never the user's fault: this hook prints
//! what panicked and where (with a backtrace when `RUST_BACKTRACE` asks for
//! one), then one line saying it is a bug and how to report it, and
//! remembers that a panic happened so that the process exits with 101 even
//! when the panic was caught on another thread (a tokio task, a worker
//! thread of `alerts generate`).
//!
//! Allocation failures cannot be hooked on stable Rust
//! (`std::alloc::set_alloc_error_hook` is unstable), so they are prevented
//! instead: every count a user gives that drives an allocation is bounded
//! before anything is allocated (see `alertsim_scenarios::limits` and the
//! flag checks in `cli/limits.rs`).

use std::sync::atomic::{AtomicBool, Ordering};

/// Exit code after a panic (the code Rust itself uses for a panicking main thread).
pub const PANIC_EXIT: u8 = 101;

/// Set by the hook; read by `main` before it picks the exit code.
static PANICKED: AtomicBool = AtomicBool::new(false);

/// Environment variable that makes the command panic on purpose, so that
/// the tests can see what a user would see. Not documented for users.
pub const PANIC_FOR_TEST: &str = "ALERTSIM_PANIC_FOR_TEST";

/// Installs the hook (once, at start-up, before any other hook).
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        PANICKED.store(true, Ordering::SeqCst);
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        let thread = std::thread::current();
        let thread = thread.name().unwrap_or("unnamed");
        let location = info
            .location()
            .map_or_else(|| "an unknown place".to_owned(), ToString::to_string);
        eprintln!("alertsim panicked on thread '{thread}' at {location}: {message}");
        let backtrace = std::backtrace::Backtrace::capture();
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            eprintln!("{backtrace}");
        }
        eprintln!("{}", bug_line());
    }));
}

/// The one line that ends a panic's output.
pub fn bug_line() -> String {
    let command: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    format!(
        "error: this is a bug in alertsim {} (not a problem with your input); please report it \
         with the command line (`{}`) and the lines above",
        env!("CARGO_PKG_VERSION"),
        command.join(" ")
    )
}

/// True once any thread has panicked.
pub fn panicked() -> bool {
    PANICKED.load(Ordering::SeqCst)
}

/// Panics when [`PANIC_FOR_TEST`] is set (the tests' way to reach the hook).
pub fn panic_if_asked() {
    if std::env::var_os(PANIC_FOR_TEST).is_some() {
        panic!("{PANIC_FOR_TEST} is set: panicking on purpose");
    }
}
