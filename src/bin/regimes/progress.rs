//! A text progress bar on stderr (only when stderr is a terminal, so logs and CI output stay clean).

use std::io::{IsTerminal, Write};

/// A progress bar over `total` units of work.
pub struct Bar {
    label: String,
    total: usize,
    shown: usize,
    tty: bool,
}

impl Bar {
    /// A bar for `total` units.
    pub fn new(label: &str, total: usize) -> Self {
        Bar { label: label.to_string(), total: total.max(1), shown: usize::MAX, tty: std::io::stderr().is_terminal() }
    }

    /// Shows `done` units done (redraws only when the percentage changes).
    pub fn set(&mut self, done: usize) {
        let pct = (done.min(self.total) * 100) / self.total;
        if !self.tty || pct == self.shown {
            return;
        }
        self.shown = pct;
        let filled = pct * 30 / 100;
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{} [{}{}] {pct:3}%", self.label, "#".repeat(filled), ".".repeat(30 - filled));
        let _ = err.flush();
    }

    /// Ends the bar's line.
    pub fn finish(&mut self) {
        if self.tty {
            let _ = writeln!(std::io::stderr());
        }
    }
}
