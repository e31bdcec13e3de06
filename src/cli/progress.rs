//! The one progress bar of the long-running commands (`table`, `sweep`, `scaling`):
//! on stderr, hidden when stderr is not a terminal or with `--quiet`, one template.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: no progress bars for the rest of the run.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// The template: `[bar] 12/40 solves, 3s (eta 7s)`.
const TEMPLATE: &str = "{bar:40} {pos}/{len} {msg}, {elapsed} (eta {eta})";

/// A bar of `len` steps counting `unit` (`solves`, `instances`), drawn on stderr
/// only when stderr is a terminal and `--quiet` is not given; finish it with
/// `finish_and_clear`.
pub fn bar(len: usize, unit: &'static str) -> ProgressBar {
    let target = if QUIET.load(Ordering::Relaxed) || !std::io::stderr().is_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let pb = ProgressBar::with_draw_target(Some(len as u64), target);
    if let Ok(style) = ProgressStyle::with_template(TEMPLATE) {
        pb.set_style(style);
    }
    pb.set_message(unit);
    pb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses_and_a_quiet_bar_is_hidden() {
        assert!(ProgressStyle::with_template(TEMPLATE).is_ok());
        set_quiet(true);
        let pb = bar(3, "solves");
        assert!(pb.is_hidden());
        pb.inc(3);
        assert_eq!(pb.position(), 3);
        pb.finish_and_clear();
        set_quiet(false);
    }
}
