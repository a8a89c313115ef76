//! Re-laying out JSON text without reordering it: what a parser-and-serialiser in front of a
//! verifier typically does to a body (compact, Python's `", "` separators, indented).

/// A layout of JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// No whitespace outside strings (aXcelerate's own, `JSON.stringify(x)`).
    Compact,
    /// `", "` and `": "` on one line (Python's `json.dumps(x)`).
    Spaced,
    /// One member per line, this many spaces deep (`JSON.stringify(x, null, 2)`).
    Indented(usize),
}

/// `text` laid out anew, every token and string kept as it is.
pub(crate) fn relayout(text: &str, layout: Layout) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let mut i = 0;
    let newline = |out: &mut String, depth: usize| {
        if let Layout::Indented(n) = layout {
            out.push('\n');
            out.push_str(&" ".repeat(n * depth));
        }
    };
    let next_token = |from: usize| chars[from..].iter().copied().find(|c| !c.is_whitespace());
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' => {
                // A string, escapes and all, copied as it is.
                out.push('"');
                i += 1;
                while i < chars.len() {
                    out.push(chars[i]);
                    match chars[i] {
                        '\\' if i + 1 < chars.len() => {
                            out.push(chars[i + 1]);
                            i += 1;
                        }
                        '"' => break,
                        _ => {}
                    }
                    i += 1;
                }
            }
            c if c.is_whitespace() => {}
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                if next_token(i + 1) != Some(close) {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                let open = if c == '}' { '{' } else { '[' };
                if !out.ends_with(open) {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(',');
                match layout {
                    Layout::Spaced => out.push(' '),
                    Layout::Indented(_) => newline(&mut out, depth),
                    Layout::Compact => {}
                }
            }
            ':' => {
                out.push(':');
                if layout != Layout::Compact {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"a":[1,{}],"b":"x, y: \"z\"","c":{"d":[]}}"#;

    #[test]
    fn layouts() {
        assert_eq!(relayout(BODY, Layout::Compact), BODY);
        assert_eq!(
            relayout(BODY, Layout::Spaced),
            r#"{"a": [1, {}], "b": "x, y: \"z\"", "c": {"d": []}}"#
        );
        let pretty = relayout(BODY, Layout::Indented(2));
        assert_eq!(
            pretty,
            "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": \"x, y: \\\"z\\\"\",\n  \"c\": {\n    \"d\": []\n  }\n}"
        );
        assert_eq!(relayout(&pretty, Layout::Compact), BODY);
    }
}
