//! A reader that stops early (`alertsim ... | head`) closes stdout; Rust's
//! `println!` then panics with "failed printing to stdout: Broken pipe".
//! That is not an error of the program: this panic hook turns it into a
//! quiet exit, as a Unix tool that gets SIGPIPE would end, and leaves every
//! other panic to the default hook.

/// Installs the hook (once, at start-up).
pub fn exit_quietly_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            // 141 = 128 + SIGPIPE, what a shell reports for a killed writer.
            std::process::exit(141);
        }
        default(info);
    }));
}
