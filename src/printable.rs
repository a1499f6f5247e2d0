//! Text from a model or a contacts file, made safe to print to a terminal.
//!
//! An id, a name or a cell may hold anything, including terminal escape sequences: printed raw,
//! a field id holding `ESC [1A ESC [2K` erased `check`'s real "weights sum to 90%" line and
//! printed a fake "0 errors, 0 warnings". Every command's output to a person and the designer's
//! rendering pass such text through here, so control characters (C0, DEL, C1) and the Unicode
//! controls that reorder text on screen (bidirectional overrides and isolates) are shown as
//! escapes (`\u{1b}`, `\n`) instead of acting. Text without them is returned as it is, without
//! a copy. Data written to files (CSV, JSON, SQL, HTML) is not this module's: each format has its
//! own escaping.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters that act on the terminal or reorder the text around them.
fn acts(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| acts(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            c if !acts(c) || keep(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// One line of text: every control character escaped, line breaks and tabs too.
pub fn printable(s: &str) -> Cow<'_, str> {
    escape(s, |_| false)
}

/// Text of several lines (an explanation, a report): as `printable`, keeping line breaks and
/// tabs, which the text itself is made of.
pub fn printable_lines(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\n' || c == '\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        let fake = "id\u{1b}[1A\u{1b}[2K\r0 errors\u{7}\u{9b}2J\u{202e}txt.exe\n";
        assert_eq!(
            printable(fake),
            "id\\u{1b}[1A\\u{1b}[2K\\r0 errors\\u{7}\\u{9b}2J\\u{202e}txt.exe\\n"
        );
        assert_eq!(printable_lines("a\tb\nc\u{1b}"), "a\tb\nc\\u{1b}");
        assert!(matches!(printable("Zürich, 5'11\""), Cow::Borrowed(_)));
    }

    proptest::proptest! {
        #[test]
        fn nothing_printable_acts_on_the_terminal(s in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}a\\\\]*") {
            proptest::prop_assert!(!printable(&s).chars().any(acts));
            proptest::prop_assert!(!printable_lines(&s).chars().any(|c| acts(c) && c != '\n' && c != '\t'));
        }
    }
}
