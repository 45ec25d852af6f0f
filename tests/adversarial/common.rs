//! Helpers of the adversarial command-line tests (`tests/cli_adversarial*.rs`):
//! running the binary with stdin and environment, the assertion that an
//! input was refused (exit 2, named, no panic) and hostile files.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_alertsim");

/// Runs alertsim with `args`, writing `stdin` (from a thread: the command
/// may stop reading early) and without `ALERTSIM_ALLOW_LARGE`.
pub fn run_with(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("ALERTSIM_ALLOW_LARGE")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("alertsim starts");
    let mut input = child.stdin.take().expect("stdin");
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // A refused input may close stdin before it is all written.
        let _ = input.write_all(&bytes);
    });
    let output = child.wait_with_output().expect("alertsim runs");
    let _ = writer.join();
    output
}

pub fn run(args: &[&str]) -> Output {
    run_with(args, b"", &[])
}

/// Asserts exit 2, a message containing every one of `names`, and no panic.
#[track_caller]
pub fn refused(output: &Output, names: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked") && output.status.code() != Some(101),
        "panic: {stderr}"
    );
    assert_eq!(output.status.code(), Some(2), "exit code; stderr: {stderr}");
    for name in names {
        assert!(stderr.contains(name), "`{name}` not in: {stderr}");
    }
}

/// Files of every hostile kind, written in `dir`: name -> path.
pub struct Hostile {
    pub empty: PathBuf,
    pub binary: PathBuf,
    pub deep_json: PathBuf,
    pub deep_toml: PathBuf,
    /// 64 GiB long, of holes (no disk used).
    pub sparse: PathBuf,
}

pub fn hostile(dir: &Path) -> Hostile {
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("file written");
        path
    };
    let sparse = dir.join("sparse.bin");
    std::fs::File::create(&sparse)
        .and_then(|f| f.set_len(64 << 30))
        .expect("sparse file");
    Hostile {
        sparse,
        empty: write("empty.json", b""),
        binary: write("binary.bin", b"\xff\xfe\x00{\"a\": 1}\xc3"),
        deep_json: write(
            "deep.json",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).as_bytes(),
        ),
        deep_toml: write(
            "deep.toml",
            format!("a = {}1{}\n", "[".repeat(20_000), "]".repeat(20_000)).as_bytes(),
        ),
    }
}

pub fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temporary path")
}
