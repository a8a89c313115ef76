//! Terminal output: colour for a terminal, plain text when piped (or with `NO_COLOR` set).

use std::io::IsTerminal;

/// Whether to colour text for one output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Style {
    color: bool,
}

impl Style {
    /// For standard output.
    pub fn stdout() -> Self {
        Self::when(std::io::stdout().is_terminal())
    }

    /// For standard error.
    pub fn stderr() -> Self {
        Self::when(std::io::stderr().is_terminal())
    }

    /// Plain text.
    pub fn plain() -> Self {
        Self { color: false }
    }

    fn when(terminal: bool) -> Self {
        Self {
            color: terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Success.
    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    /// Failure.
    pub fn red(self, text: &str) -> String {
        self.paint("31", text)
    }

    /// Something to notice.
    pub fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }

    /// Less important.
    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    /// Headings.
    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// An HTTP status and code coloured by what it means to the sender: 2xx green, 5xx and
    /// 409 (retried) yellow, other 4xx red.
    pub fn outcome(self, status: u16, text: &str) -> String {
        match status {
            200..=299 => self.green(text),
            409 | 500..=599 => self.yellow(text),
            _ => self.red(text),
        }
    }
}

/// Pads `text` to `width` characters (ANSI colour codes are not counted).
pub(crate) fn pad(text: &str, width: usize) -> String {
    let visible = visible_len(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(visible)))
}

fn visible_len(text: &str) -> usize {
    let mut len = 0;
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => len += 1,
        }
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_ignores_colour() {
        let s = Style { color: true };
        assert_eq!(pad(&s.green("ok"), 4).len(), "\x1b[32mok\x1b[0m".len() + 2);
        assert_eq!(pad("ok", 4), "ok  ");
        assert_eq!(Style::plain().red("x"), "x");
    }
}
