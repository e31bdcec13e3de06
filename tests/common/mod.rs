//! What every command-line test binary needs: the built `llm-offload`, run from the
//! package root, and its output as text.

// Each test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

use std::process::{Command, Output};

/// The built binary, with the package root as its working directory.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_llm-offload"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Runs the binary with `args` to completion.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("binary runs")
}

/// Bytes as text (lossy).
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The process's stderr as text.
pub fn stderr(o: &Output) -> String {
    text(&o.stderr)
}
