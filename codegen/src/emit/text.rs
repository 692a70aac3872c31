//! Writing Rust as text: the emitter builds each item's code as formatted lines directly, as
//! prost-build does, instead of building tokens and formatting them with a parser and a pretty
//! printer (which took most of the emitter's time and memory).
//!
//! Code is a `String` of whole lines, each ending in `\n`, indented from column 0; [`indent`]
//! moves such lines one level (four spaces) into a block. An expression is a single line.

/// `code`'s lines moved one level in; empty lines stay empty.
pub fn indent(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 8 + 8);
    for line in code.split_inclusive('\n') {
        if line != "\n" {
            out.push_str("    ");
        }
        out.push_str(line);
    }
    out
}

/// `s` as a Rust string literal.
pub fn lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\'' => out.push(c),
            c if c.is_ascii_graphic() || c == ' ' => {
                if matches!(c, '"' | '\\') {
                    out.push('\\');
                }
                out.push(c);
            }
            // Control, invisible and bidirectional characters escaped (`\u{202e}`), as
            // `{:?}` writes them; rustc rejects some of them raw in a literal.
            c => out.extend(c.escape_debug()),
        }
    }
    out.push('"');
    out
}

/// `///` lines of `text` (a blank line stays `///`), or nothing for no text. A bare carriage
/// return is not allowed in a doc comment; schema text may carry one.
pub fn doc(text: &str) -> String {
    comment("///", text)
}

/// `//!` lines of `text`, as [`doc`] writes `///` ones.
pub fn inner_doc(text: &str) -> String {
    comment("//!", text)
}

fn comment(marker: &str, text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let text = text.replace("\r\n", "\n").replace('\r', " ");
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.lines() {
        out.push_str(marker);
        if !line.is_empty() {
            out.push(' ');
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_lines_but_not_blank_ones() {
        assert_eq!(indent("a {\n    b;\n\n}\n"), "    a {\n        b;\n\n    }\n");
        assert_eq!(indent(""), "");
    }

    #[test]
    fn string_literals_are_rust_literals() {
        assert_eq!(lit("a \"b\" \\ c\nd"), r#""a \"b\" \\ c\nd""#);
        assert_eq!(lit("\u{7}é'\u{202e}"), r#""\u{7}é'\u{202e}""#);
    }

    #[test]
    fn docs_are_line_comments() {
        assert_eq!(doc("A.\n\nB\r\nC"), "/// A.\n///\n/// B\n/// C\n");
        assert_eq!(inner_doc("A.\n\nB"), "//! A.\n//!\n//! B\n");
        assert_eq!(doc(""), "");
    }
}
