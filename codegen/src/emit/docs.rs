//! `///` documentation from the schema's own words: title, description, examples, default,
//! constraints.

use crate::ir::Docs;

/// `///` lines, or nothing when the schema says nothing.
pub fn attrs(docs: &Docs) -> String {
    super::text::doc(&render(docs))
}

/// A field's documentation: the schema's words, then its name on the wire and, for a credential,
/// why it is one, so `cargo doc` answers "what is this called in the JSON?" without the schema.
pub fn field_attrs(field: &crate::ir::Field) -> String {
    let mut text = render(&field.docs);
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    match field.source_name() {
        Some(shown) => text.push_str(&format!("Wire name: `{}` (the source docs call it `{shown}`).", field.wire_name)),
        None => text.push_str(&format!("Wire name: `{}`.", field.wire_name)),
    }
    if let Some(reason) = field.secret() {
        text.push_str(&format!(" A credential ({reason}): redacted in `Debug`."));
    }
    super::text::doc(&text)
}

pub fn render(docs: &Docs) -> String {
    let mut sections: Vec<String> = Vec::new();
    match (&docs.title, &docs.description) {
        (Some(title), Some(description)) if !description.starts_with(&**title) => {
            sections.push(sanitize(title));
            sections.push(sanitize(description));
        }
        (_, Some(description)) => sections.push(sanitize(description)),
        (Some(title), None) => sections.push(sanitize(title)),
        (None, None) => {}
    }
    if docs.deprecated {
        sections.push("**Deprecated.**".into());
    }
    if let Some(default) = &docs.default {
        sections.push(format!("Defaults to `{default}` when absent."));
    }
    if !docs.constraints.is_empty() {
        sections.push(format!("Constraints: {}.", docs.constraints.join(", ")));
    }
    for example in docs.examples.iter().take(MAX_EXAMPLES) {
        let pretty = serde_json::from_str::<serde_json::Value>(example)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| example.clone());
        sections.push(format!("# Example\n\n```json\n{pretty}\n```"));
    }
    if let Some(more) = docs.examples.len().checked_sub(MAX_EXAMPLES).filter(|&n| n > 0) {
        sections.push(format!("The schema gives {more} more examples."));
    }
    sections.join("\n\n")
}

/// How many of a schema's `examples` the docs show. A schema can list a million (a 100 MB input
/// did); six doc lines each would make a crate nobody reads and take gigabytes to format.
const MAX_EXAMPLES: usize = 10;

/// Keeps schema prose from turning into Rust doctests: unlabelled code fences become `text`
/// and indentation is capped below the four spaces that start an indented code block.
fn sanitize(text: &str) -> String {
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in text.trim().lines() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            if in_fence {
                out.push("```".to_string());
            } else {
                // Only unlabelled and `rust` fences would be compiled as doctests.
                let label = info.trim();
                let label = if label.is_empty() || matches!(label, "rust" | "rs") { "text" } else { label };
                out.push(format!("```{label}"));
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_string());
        } else {
            let indent = (line.len() - trimmed.len()).min(3);
            out.push(format!("{}{}", " ".repeat(indent), trimmed.trim_end()));
        }
    }
    if in_fence {
        out.push("```".to_string());
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_never_becomes_a_doctest() {
        let text = sanitize("Intro\n\n    let x = 1;\n\n```\nfn main() {}\n```\n```rust\nx\n```");
        assert_eq!(text, "Intro\n\n   let x = 1;\n\n```text\nfn main() {}\n```\n```text\nx\n```");
    }
}
