//! Reads one Speakeasy model doc (one model per `.md` file) into plain data with 1-based line
//! numbers, so that a later step can build the IR and resolve links without touching markdown.
//!
//! The doc is read in two passes: [`blocks`] flattens pulldown-cmark's events into top-level
//! blocks (headings, tables, code, paragraphs, lists) with their lines, and [`parse_doc_lenient`]
//! interprets the sections: `## Fields` (an object), `## Values` (an enum) or
//! `## Supported Types` (a union). Type cells go to [`super::types::parse_type`].
//!
//! Architecture invariants: no I/O, no panics on any input, and no cross-file resolution: a
//! link's target is kept exactly as written.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::types::{TypeExpr, parse_type};

/// One model doc.
#[derive(Clone, Debug, PartialEq)]
pub struct Doc {
    /// The `# Title` text without markup (`# ~~Old~~` gives `Old`).
    pub title: String,
    pub title_line: u32,
    /// The markdown between the title and the first `##` section, deprecation notes left out.
    pub description: Option<String>,
    /// The title is struck through or a `> :warning: **DEPRECATED**` note follows it.
    pub deprecated: bool,
    pub kind: DocKind,
    /// The first fenced block under `## Example Usage`.
    pub example_usage: Option<CodeBlock>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DocKind {
    /// From `## Fields` tables, rows in source order.
    Object { fields: Vec<FieldRow> },
    /// From `## Values`; `open` when the doc says unknown values are kept.
    Enum { values: Vec<EnumValue>, open: bool },
    /// From `## Supported Types`, one variant per `###` heading.
    Union { variants: Vec<UnionVariant> },
    /// A doc with none of those sections, such as a utility doc.
    Other,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CodeBlock {
    /// The fence's info string (`typescript`), if any.
    pub lang: Option<String>,
    pub code: String,
    /// The line of the opening fence.
    pub line: u32,
    /// The byte offset of the code's first character in the doc, when it is known.
    pub start: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldRow {
    /// The Field cell's text without markup: the wire name as the SDK spells it.
    pub name: String,
    pub line: u32,
    /// Byte spans of the Field and Type cells in the doc, for diagnostics.
    pub name_span: Range<usize>,
    pub type_span: Range<usize>,
    /// The Type cell's raw markdown.
    pub type_text: String,
    pub ty: Result<TypeExpr, String>,
    /// `:heavy_check_mark:`; false for `:heavy_minus_sign:` and for tables with no Required column.
    pub required: bool,
    /// Markdown with `<br/>` turned into newlines and `\|` into `|`; `N/A` is `None`.
    pub description: Option<String>,
    pub example: Option<String>,
    /// The name is struck through or the description carries a `**DEPRECATED**` note.
    pub deprecated: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumValue {
    /// The Name column of a `| Name | Value |` table; literal unions have none.
    pub name: Option<String>,
    /// The value as text, quotes removed: `"apiKey"` and `apiKey` both give `apiKey`, `55` gives `55`.
    pub value: String,
    pub line: u32,
    /// The byte span of the value in the doc, when it is known.
    pub span: Option<Range<usize>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UnionVariant {
    /// The `###` heading without backticks; empty in some Python docs.
    pub heading: String,
    /// From the annotation in the variant's code block (`const value: T = ...`), else from the
    /// heading or a type line under it.
    pub ty: Result<TypeExpr, String>,
    pub line: u32,
}

/// Something in the doc that does not fit the format; the doc around it is still read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocError {
    pub line: u32,
    /// The byte span of the offending cell or text, when narrower than the line.
    pub span: Option<Range<usize>>,
    pub message: String,
    /// A short text shown under the span.
    pub label: Option<String>,
    /// How to fix it.
    pub hint: &'static str,
}

/// Parses a doc, failing if anything in it does not fit the format.
///
/// Unparsed Type cells are not errors here: they are kept in [`FieldRow::ty`] so that the
/// caller decides whether an unknown type stops generation.
pub fn parse_doc(text: &str) -> Result<Doc, Vec<DocError>> {
    let (doc, errors) = parse_doc_lenient(text);
    if errors.is_empty() { Ok(doc) } else { Err(errors) }
}

/// Parses a doc as far as it can and returns every problem with it, so that a user sees all of
/// them at once. A row with a problem is kept with a neutral value (a bad Required cell reads as
/// not required); a doc with no title has an empty one. Callers must treat any error as failure.
pub fn parse_doc_lenient(text: &str) -> (Doc, Vec<DocError>) {
    let lines = LineIndex::new(text);
    let blocks = blocks(text, &lines);
    Reader { errors: Vec::new() }.read(&blocks)
}

/// Byte offsets to 1-based line numbers.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        LineIndex { starts }
    }

    fn line(&self, offset: usize) -> u32 {
        let index = self.starts.partition_point(|&start| start <= offset);
        u32::try_from(index.max(1)).unwrap_or(u32::MAX)
    }
}

#[derive(Clone, Debug, Default)]
struct Cell {
    /// The cell's source, trimmed.
    raw: String,
    /// Where the trimmed source is in the doc.
    span: Range<usize>,
    /// The cell's text without markup.
    text: String,
    struck: bool,
}

#[derive(Clone, Debug)]
struct Row {
    line: u32,
    cells: Vec<Cell>,
}

#[derive(Clone, Debug)]
enum Block {
    Heading {
        level: u8,
        text: String,
        struck: bool,
        line: u32,
    },
    Paragraph {
        raw: String,
    },
    Quote {
        raw: String,
    },
    Code(CodeBlock),
    Table {
        head: Vec<Cell>,
        rows: Vec<Row>,
        line: u32,
    },
    List {
        items: Vec<(String, u32)>,
    },
    /// HTML and anything else that carries nothing this reader needs.
    Other,
}

/// Flattens the events into top-level blocks; nested content only feeds its block's text.
fn blocks(text: &str, lines: &LineIndex) -> Vec<Block> {
    let source = |range: &Range<usize>| text.get(range.clone()).unwrap_or("").trim().to_owned();
    // A range without its surrounding whitespace (and a cell's `|`, which pulldown-cmark may
    // include), so a label underlines exactly the cell's content.
    let trimmed = |range: &Range<usize>| {
        let raw = text.get(range.clone()).unwrap_or("");
        let inner = raw.trim_start_matches(|c: char| c.is_whitespace() || c == '|');
        let start = range.start + (raw.len() - inner.len());
        let inner = inner.trim_end_matches(|c: char| c.is_whitespace() || c == '|');
        start..start + inner.len()
    };
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    let mut depth = 0usize;
    // Table state: the row being read and the cell being read.
    let mut in_head = false;
    let mut row: Option<Row> = None;
    let mut cell: Option<Cell> = None;
    let mut item: Option<(String, u32)> = None;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    current = Some(match &tag {
                        Tag::Heading { level, .. } => Block::Heading {
                            level: heading_level(*level),
                            text: String::new(),
                            struck: false,
                            line: lines.line(range.start),
                        },
                        Tag::Paragraph => Block::Paragraph { raw: source(&range) },
                        Tag::BlockQuote(_) => Block::Quote { raw: source(&range) },
                        Tag::CodeBlock(kind) => {
                            let lang = match kind {
                                CodeBlockKind::Fenced(info) => {
                                    info.split_whitespace().next().map(str::to_owned).filter(|l| !l.is_empty())
                                }
                                CodeBlockKind::Indented => None,
                            };
                            Block::Code(CodeBlock {
                                lang,
                                code: String::new(),
                                line: lines.line(range.start),
                                start: None,
                            })
                        }
                        Tag::Table(_) => {
                            Block::Table { head: Vec::new(), rows: Vec::new(), line: lines.line(range.start) }
                        }
                        Tag::List(_) => Block::List { items: Vec::new() },
                        _ => Block::Other,
                    });
                } else {
                    match (&tag, current.as_mut()) {
                        (Tag::TableHead, _) => in_head = true,
                        (Tag::TableRow, _) => row = Some(Row { line: lines.line(range.start), cells: Vec::new() }),
                        (Tag::TableCell, _) => {
                            cell = Some(Cell { raw: source(&range), span: trimmed(&range), ..Cell::default() })
                        }
                        (Tag::Strikethrough, Some(Block::Heading { struck, .. })) => *struck = true,
                        (Tag::Strikethrough, _) => {
                            if let Some(cell) = cell.as_mut() {
                                cell.struck = true;
                            }
                        }
                        (Tag::Item, Some(Block::List { .. })) if depth == 1 => {
                            item = Some((String::new(), lines.line(range.start)));
                        }
                        _ => {}
                    }
                }
                depth += 1;
            }
            Event::End(tag) => {
                depth = depth.saturating_sub(1);
                match tag {
                    TagEnd::TableCell => {
                        if let Some(done) = cell.take() {
                            // Header cells sit directly in the head; body cells in a row.
                            match (row.as_mut(), current.as_mut()) {
                                (Some(row), _) => row.cells.push(done),
                                (None, Some(Block::Table { head, .. })) if in_head => head.push(done),
                                _ => {}
                            }
                        }
                    }
                    TagEnd::TableHead => in_head = false,
                    TagEnd::TableRow => {
                        if let (Some(done), Some(Block::Table { rows, .. })) = (row.take(), current.as_mut()) {
                            rows.push(done);
                        }
                    }
                    TagEnd::Item if depth == 1 => {
                        if let (Some(done), Some(Block::List { items })) = (item.take(), current.as_mut()) {
                            items.push(done);
                        }
                    }
                    _ => {}
                }
                if depth == 0 {
                    blocks.extend(current.take());
                }
            }
            Event::Text(s) | Event::Code(s) => {
                if let Some(cell) = cell.as_mut() {
                    cell.text.push_str(&s);
                } else if let Some((item, _)) = item.as_mut() {
                    item.push_str(&s);
                } else {
                    match current.as_mut() {
                        Some(Block::Heading { text, .. }) => text.push_str(&s),
                        Some(Block::Code(code)) => {
                            // Positions inside the code are known while its text is the doc's
                            // text, one piece after another (not in an indented list item).
                            if code.code.is_empty() {
                                code.start = Some(range.start);
                            } else if code.start.map(|start| start + code.code.len()) != Some(range.start) {
                                code.start = None;
                            }
                            code.code.push_str(&s)
                        }
                        _ => {}
                    }
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((item, _)) = item.as_mut() {
                    item.push(' ');
                }
            }
            _ => {}
        }
    }
    blocks.extend(current.take());
    blocks
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// The sections this reader knows; each decides the doc's kind, except the example.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    Preamble,
    Example,
    Fields,
    Values,
    Supported,
    Unknown,
}

impl Section {
    fn from_heading(text: &str) -> Section {
        match text.trim().to_ascii_lowercase().as_str() {
            "example usage" => Section::Example,
            "fields" => Section::Fields,
            "values" => Section::Values,
            "supported types" => Section::Supported,
            _ => Section::Unknown,
        }
    }
}

struct Reader {
    errors: Vec<DocError>,
}

impl Reader {
    fn error(&mut self, line: u32, message: String, hint: &'static str) -> &mut DocError {
        self.errors.push(DocError { line, span: None, message, label: None, hint });
        self.errors.last_mut().expect("an error was just pushed")
    }

    fn read(mut self, blocks: &[Block]) -> (Doc, Vec<DocError>) {
        let mut doc = Doc {
            title: String::new(),
            title_line: 0,
            description: None,
            deprecated: false,
            kind: DocKind::Other,
            example_usage: None,
        };
        let mut description = Vec::new();
        let mut section = Section::Preamble;
        // The section that decided the kind, with its heading's line.
        let mut kind_section: Option<(Section, u32)> = None;
        let mut fields = Vec::new();
        // A table with a header and no rows is an object with no declared fields (Panora's
        // free-form `FieldMappings`); a `## Fields` with no table at all is a broken doc.
        let mut field_tables = 0;
        let mut values = Vec::new();
        let mut open = false;
        let mut variants: Vec<UnionVariant> = Vec::new();
        // Whether the latest `###` variant has taken its type from a code block yet.
        let mut variant_has_code = false;
        let mut title_seen = false;

        for block in blocks {
            if let Block::Heading { level: 1, text, struck, line } = block {
                if title_seen {
                    self.error(
                        *line,
                        format!("a second `# {}` title; a doc describes one model", text.trim()),
                        "move the second model into a doc of its own, or make this a `##` heading",
                    );
                } else {
                    title_seen = true;
                    doc.title = text.trim().to_owned();
                    doc.title_line = *line;
                    doc.deprecated |= *struck;
                }
                continue;
            }
            if let Block::Heading { level: 2, text, line, .. } = block {
                section = Section::from_heading(text);
                if matches!(section, Section::Fields | Section::Values | Section::Supported) {
                    match kind_section {
                        None => kind_section = Some((section, *line)),
                        Some((first, _)) if first == section => {}
                        Some((first, first_line)) => {
                            self.error(
                                *line,
                                format!(
                                    "`## {}` after `## {}` on line {first_line}: a doc is an object, an enum \
                                     or a union, not two of them; this section is ignored",
                                    text.trim(),
                                    heading_name(first)
                                ),
                                "describe each model in a doc of its own",
                            );
                            section = Section::Unknown;
                        }
                    }
                }
                continue;
            }
            match section {
                Section::Preamble => match block {
                    Block::Paragraph { raw, .. } => description.push(raw.clone()),
                    Block::Quote { raw, .. } if is_deprecation(raw) => doc.deprecated = true,
                    Block::Quote { raw, .. } => description.push(raw.clone()),
                    _ => {}
                },
                Section::Example => {
                    if let (Block::Code(code), None) = (block, &doc.example_usage) {
                        doc.example_usage = Some(code.clone());
                    }
                }
                Section::Fields => {
                    if let Block::Table { head, rows, line } = block {
                        field_tables += 1;
                        self.field_table(head, rows, *line, &mut fields);
                    }
                }
                Section::Values => match block {
                    Block::Table { head, rows, line } => self.value_table(head, rows, *line, &mut values),
                    Block::Code(code) => open |= self.literal_union(code, &mut values),
                    Block::List { items } => {
                        values.extend(items.iter().map(|(text, line)| EnumValue {
                            name: None,
                            value: unquote(text.trim()),
                            line: *line,
                            span: None,
                        }));
                    }
                    Block::Paragraph { raw, .. } | Block::Quote { raw, .. } => open |= says_open(raw),
                    _ => {}
                },
                Section::Supported => match block {
                    Block::Heading { level: 3, text, line, .. } => {
                        let heading = text.trim().to_owned();
                        let ty = if heading.is_empty() {
                            Err("a variant with an empty heading and no type in its code block".to_owned())
                        } else {
                            parse_type(&heading)
                        };
                        variants.push(UnionVariant { heading, ty, line: *line });
                        variant_has_code = false;
                    }
                    Block::Code(code) => {
                        if let (Some(variant), false) = (variants.last_mut(), variant_has_code) {
                            if let Some(annotation) = annotation(&code.code) {
                                variant.ty = parse_type(annotation);
                            }
                            variant_has_code = true;
                        }
                    }
                    // A type written as a line under the heading instead of a code block.
                    Block::Paragraph { raw, .. } => {
                        if let (Some(variant), false) = (variants.last_mut(), variant_has_code) {
                            if variant.ty.is_err() {
                                variant.ty = parse_type(raw);
                            }
                        }
                    }
                    _ => {}
                },
                Section::Unknown => {}
            }
        }

        if !title_seen {
            self.error(
                1,
                "the doc has no `# Title` heading".to_owned(),
                "start the doc with a `# Name` heading: the model is named after it",
            );
        }
        let description = description.join("\n\n");
        if !description.trim().is_empty() {
            open |= says_open(&description);
            doc.description = Some(description);
        }
        doc.kind = match kind_section {
            None => DocKind::Other,
            Some((Section::Fields, line)) => {
                if field_tables == 0 {
                    self.error(
                        line,
                        "`## Fields` has no table of fields".to_owned(),
                        "list the fields in a table with Field, Type, Required and Description columns",
                    );
                }
                self.check_duplicates(
                    fields.iter().map(|f| (f.name.as_str(), f.line, Some(f.name_span.clone()))),
                    "field",
                );
                DocKind::Object { fields }
            }
            Some((Section::Values, line)) => {
                if values.is_empty() {
                    self.error(
                        line,
                        "`## Values` lists no values".to_owned(),
                        "list the values in a `| Name | Value |` table, or as literals such as `\"a\" | \"b\"` in a code block",
                    );
                }
                self.check_duplicates(values.iter().map(|v| (v.value.as_str(), v.line, v.span.clone())), "value");
                DocKind::Enum { values, open }
            }
            Some((_, line)) => {
                if variants.is_empty() {
                    self.error(
                        line,
                        "`## Supported Types` has no `###` variant headings".to_owned(),
                        "give each variant a `### Type` heading, such as `### `components.Cat``",
                    );
                }
                DocKind::Union { variants }
            }
        };
        (doc, self.errors)
    }

    fn check_duplicates<'a>(&mut self, names: impl Iterator<Item = (&'a str, u32, Option<Range<usize>>)>, what: &str) {
        let mut seen: HashMap<&str, u32> = HashMap::new();
        for (name, line, span) in names {
            if let Some(first) = seen.get(name) {
                let error = self.error(
                    line,
                    format!("the {what} `{name}` is listed twice"),
                    "remove one of the two, or rename it if they are different",
                );
                error.span = span;
                error.label = Some(if *first == line {
                    format!("`{name}` again, on the same line")
                } else {
                    format!("`{name}` again; the first is on line {first}")
                });
            } else {
                seen.insert(name, line);
            }
        }
    }

    /// Finds the named columns of a table's header; reports a missing required one.
    fn columns<const N: usize>(
        &mut self,
        head: &[Cell],
        line: u32,
        wanted: [(&[&str], bool); N],
    ) -> Option<[Option<usize>; N]> {
        let mut found = [None; N];
        let mut missing = Vec::new();
        for (slot, (names, required)) in found.iter_mut().zip(wanted) {
            *slot = head.iter().position(|c| names.iter().any(|n| c.text.trim().eq_ignore_ascii_case(n)));
            if slot.is_none() && required {
                missing.push(format!("`{}`", names.first().copied().unwrap_or_default()));
            }
        }
        if missing.is_empty() {
            Some(found)
        } else {
            let headers: Vec<&str> = head.iter().map(|c| c.text.trim()).collect();
            let error = self.error(
                line,
                format!("the table has no {} column; its rows are ignored", missing.join(" or ")),
                "add the missing column to the table's header row and to every row",
            );
            error.label = Some(format!("the columns are `{}`", headers.join(" | ")));
            None
        }
    }

    fn field_table(&mut self, head: &[Cell], rows: &[Row], line: u32, fields: &mut Vec<FieldRow>) {
        // Utility docs such as the Python SDK's RetryConfig say `Name` and have no Required column.
        let wanted: [(&[&str], bool); 5] = [
            (&["Field", "Name"], true),
            (&["Type"], true),
            (&["Required"], false),
            (&["Description"], false),
            (&["Example"], false),
        ];
        let Some([field, ty, required, description, example]) = self.columns(head, line, wanted) else {
            return;
        };
        let empty = Cell::default();
        for row in rows {
            let cell = |index: Option<usize>| index.and_then(|i| row.cells.get(i)).unwrap_or(&empty);
            let name_cell = cell(field);
            let name = name_cell.text.trim().to_owned();
            if name.is_empty() {
                let error = self.error(
                    row.line,
                    "a field row with an empty Field cell".to_owned(),
                    "write the field's name in the Field cell, or remove the row",
                );
                error.span = Some(name_cell.span.clone()).filter(|s| !s.is_empty());
                continue;
            }
            let required = match required.map(|_| cell(required).text.trim()) {
                None | Some(":heavy_minus_sign:") => false,
                Some(":heavy_check_mark:") => true,
                Some(other) => {
                    let span = cell(required).span.clone();
                    let error = self.error(
                        row.line,
                        format!("the Required cell of field `{name}` says `{other}`"),
                        "write :heavy_check_mark: for a required field and :heavy_minus_sign: for an optional one, as Speakeasy does",
                    );
                    error.span = Some(span);
                    error.label = Some("neither `:heavy_check_mark:` nor `:heavy_minus_sign:`".into());
                    false
                }
            };
            let type_text = cell(ty).raw.clone();
            let description = cell_markdown(&cell(description).raw).filter(|d| d != "N/A");
            let deprecated = name_cell.struck || description.as_deref().is_some_and(is_deprecation);
            let type_cell = cell(ty);
            let type_span = type_cell.span.clone();
            fields.push(FieldRow {
                name,
                line: row.line,
                name_span: name_cell.span.clone(),
                type_span,
                ty: parse_type(&type_text),
                type_text,
                required,
                description,
                example: cell_markdown(&cell(example).raw).map(|e| strip_code_span(&e)),
                deprecated,
            });
        }
    }

    fn value_table(&mut self, head: &[Cell], rows: &[Row], line: u32, values: &mut Vec<EnumValue>) {
        let wanted: [(&[&str], bool); 2] = [(&["Name"], false), (&["Value"], true)];
        let Some([name, value]) = self.columns(head, line, wanted) else {
            return;
        };
        for row in rows {
            let cell = |index: Option<usize>| index.and_then(|i| row.cells.get(i)).map(|c| c.text.trim().to_owned());
            let span = value.and_then(|i| row.cells.get(i)).map(|c| c.span.clone());
            let name = cell(name).filter(|n| !n.is_empty());
            match cell(value) {
                Some(value) if !value.is_empty() => values.push(EnumValue { name, value, line: row.line, span }),
                _ => {
                    self.error(
                        row.line,
                        "an enum row with an empty Value cell".to_owned(),
                        "write the value in the Value cell, or remove the row",
                    );
                }
            }
        }
    }

    /// A TypeScript literal union: `"none" | "apiKey"`, possibly over several lines, possibly
    /// ending in `Unrecognized<string>` for an open enum. Returns whether it was open.
    fn literal_union(&mut self, code: &CodeBlock, values: &mut Vec<EnumValue>) -> bool {
        let mut open = false;
        for (offset, part) in split_union(&code.code) {
            // The content starts on the line after the fence.
            let newlines = code.code.get(..offset).unwrap_or("").matches('\n').count();
            let line = code.line.saturating_add(1).saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            let leading = part.len() - part.trim_start().len();
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            // The part's place in the doc, if the code block's text is the doc's text there.
            let span = code.start.map(|start| start + offset + leading).map(|at| at..at + part.len());
            if part.starts_with("Unrecognized<") {
                open = true;
            } else if is_literal(part) {
                values.push(EnumValue { name: None, value: unquote(part), line, span });
            } else {
                let error = self.error(
                    line,
                    format!("`{part}` in `## Values` is not a literal value"),
                    "write each value as a literal: a string in quotes such as `\"bird\"`, a number, `true`, `false` or `null`",
                );
                error.span = span;
                error.label = Some("not a literal".into());
            }
        }
        open
    }
}

fn heading_name(section: Section) -> &'static str {
    match section {
        Section::Fields => "Fields",
        Section::Values => "Values",
        Section::Supported => "Supported Types",
        Section::Example => "Example Usage",
        Section::Preamble | Section::Unknown => "?",
    }
}

/// Splits on `|` outside string literals, with each part's byte offset.
fn split_union(code: &str) -> Vec<(usize, &str)> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in code.char_indices() {
        match (quote, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '|') => {
                parts.push((start, &code[start..i]));
                start = i + 1;
            }
            (None, _) => {}
        }
    }
    parts.push((start, &code[start..]));
    parts
}

fn is_literal(part: &str) -> bool {
    let quoted = |q: char| part.len() >= 2 && part.starts_with(q) && part.ends_with(q);
    quoted('"') || quoted('\'') || part.parse::<f64>().is_ok() || matches!(part, "true" | "false" | "null")
}

/// A literal's text: quotes and their escapes removed, numbers as written.
fn unquote(part: &str) -> String {
    let part = strip_code_span(part);
    let inner = ['"', '\'']
        .iter()
        .find_map(|&q| part.strip_prefix(q).and_then(|p| p.strip_suffix(q)).filter(|_| part.len() >= 2));
    match inner {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    out.extend(chars.next());
                } else {
                    out.push(c);
                }
            }
            out
        }
        None => part,
    }
}

/// The type in a variant's code: `const value: T = ...` (TypeScript) or `name: T = ...` (Python).
fn annotation(code: &str) -> Option<&str> {
    let first = code.lines().find(|l| !l.trim().is_empty())?.trim();
    let rest = ["const ", "let ", "var "].iter().find_map(|k| first.strip_prefix(k)).unwrap_or(first);
    let name_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))?;
    let after_name = rest.get(name_len..)?.strip_prefix(':')?;
    let ty = after_name.split(" =").next()?.trim();
    (name_len > 0 && !ty.is_empty()).then_some(ty)
}

/// A cell's markdown as text: `<br/>` is a line break, `\|` was escaped only for the table.
fn cell_markdown(raw: &str) -> Option<String> {
    let text = raw.replace("\\|", "|").replace("<br/>", "\n").replace("<br />", "\n").replace("<br>", "\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// `` `backoff` `` is `backoff`; the Python SDK's utility docs put examples in code spans.
fn strip_code_span(text: &str) -> String {
    match text.strip_prefix('`').and_then(|t| t.strip_suffix('`')) {
        Some(inner) if !inner.contains('`') => inner.to_owned(),
        _ => text.to_owned(),
    }
}

/// `:warning: **DEPRECATED**`, which table cells print as `: warning: ** DEPRECATED **`.
fn is_deprecation(text: &str) -> bool {
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    squeezed.contains("**DEPRECATED**")
}

fn says_open(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("open enum") || text.contains("Unrecognized<")
}

#[cfg(test)]
mod tests {
    use super::super::types::Primitive;
    use super::*;

    /// A seed doc from the shared folder beside the repository, or `None` (with the reason
    /// printed) where the repository is used without it.
    fn seed(name: &str) -> Option<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/seeds").join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(error) => {
                println!("skipped: cannot read the seed {}: {error}", path.display());
                None
            }
        }
    }

    fn fields(doc: &Doc) -> &[FieldRow] {
        match &doc.kind {
            DocKind::Object { fields } => fields,
            other => panic!("expected an object, got {other:?}"),
        }
    }

    fn link(text: &str, target: &str) -> TypeExpr {
        TypeExpr::Link { text: text.to_owned(), target: target.to_owned() }
    }

    #[test]
    fn ampersand_connection_seed() {
        let Some(text) = seed("000_bb45d9cb4e69f397.txt") else { return };
        let doc = parse_doc(&text).expect("the seed parses");
        assert_eq!(doc.title, "Connection");
        assert_eq!(doc.title_line, 1);
        let example = doc.example_usage.as_ref().expect("an example");
        assert_eq!(example.lang.as_deref(), Some("typescript"));
        assert_eq!(example.line, 5);
        assert!(example.code.starts_with("import { Connection }"));
        let rows = fields(&doc);
        let names: Vec<_> = rows.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "id",
                "projectId",
                "provider",
                "providerApp",
                "group",
                "consumer",
                "providerWorkspaceRef",
                "providerConsumerRef",
                "createTime",
                "updateTime",
                "authScheme",
                "status",
                "oauth2AuthorizationCode",
                "apiKey"
            ]
        );
        let required: Vec<_> = rows.iter().map(|f| f.required).collect();
        assert_eq!(
            required,
            [true, true, true, false, true, true, false, false, true, false, true, true, false, false]
        );
        let auth = &rows[10];
        assert_eq!(auth.ty, Ok(link("operations.AuthScheme", "../../models/operations/authscheme.md")));
        assert_eq!(auth.type_text, "[operations.AuthScheme](../../models/operations/authscheme.md)");
        assert_eq!(auth.example.as_deref(), Some("oauth2/authorizationCode"));
        assert_eq!(auth.description.as_deref(), Some("The authentication scheme used for this connection."));
        assert_eq!(auth.line, 73);
        assert_eq!(rows[0].line, 63);
        assert_eq!(
            rows[3].ty,
            Ok(link("operations.ListConnectionsProviderApp", "../../models/operations/listconnectionsproviderapp.md"))
        );
        assert_eq!(rows[3].description, None);
        assert_eq!(rows[3].example, None);
        assert_eq!(rows[8].ty, Ok(TypeExpr::Primitive(Primitive::DateTime)));
        assert_eq!(rows[0].ty, Ok(TypeExpr::Primitive(Primitive::String)));
        assert!(rows.iter().all(|f| !f.deprecated));
    }

    #[test]
    fn panora_connection_seed() {
        let Some(text) = seed("001_eea0fda7f84c4772.txt") else { return };
        let doc = parse_doc(&text).expect("the seed parses");
        assert_eq!(doc.title, "Connection");
        assert_eq!(doc.example_usage, None);
        assert_eq!(doc.description, None);
        let rows = fields(&doc);
        assert_eq!(rows.len(), 13);
        assert_eq!(rows[0].name, "idConnection");
        let token = rows.iter().find(|f| f.name == "tokenType").expect("tokenType");
        assert_eq!(token.ty, Ok(link("components.TokenType", "../../models/components/tokentype.md")));
        assert!(token.required);
        assert!(rows.iter().all(|f| f.required && f.ty.is_ok()));
        assert_eq!(rows.last().map(|f| f.name.as_str()), Some("idLinkedUser"));
    }

    #[test]
    fn fields_without_example_and_deprecations() {
        let doc = parse_doc(
            "# ~~Old~~\n\n> :warning: **DEPRECATED**: This object is deprecated.\n\nAn old model.\n\n## Fields\n\n\
             | Field | Type | Required | Description |\n| --- | --- | --- | --- |\n\
             | ~~`gone`~~ | *string* | :heavy_minus_sign: \
             | : warning: ** DEPRECATED **: Use x.<br/>Really \\| truly. |\n\
             | `x` | *string*[] | :heavy_check_mark: | N/A |\n",
        )
        .expect("parses");
        assert!(doc.deprecated);
        assert_eq!(doc.title, "Old");
        assert_eq!(doc.description.as_deref(), Some("An old model."));
        let rows = fields(&doc);
        assert!(rows[0].deprecated);
        assert_eq!(rows[0].name, "gone");
        assert_eq!(rows[0].description.as_deref(), Some(": warning: ** DEPRECATED **: Use x.\nReally | truly."));
        assert!(!rows[1].deprecated);
        assert_eq!(rows[1].line, 12);
        assert_eq!(rows[1].ty, Ok(TypeExpr::Array(Box::new(TypeExpr::Primitive(Primitive::String)))));
    }

    #[test]
    fn problems_are_reported_with_lines() {
        let text = "# M\n\n## Fields\n\n| Field | Type | Required |\n| --- | --- | --- |\n\
             | `a` | *string* | yes |\n| `a` | *widget* | :heavy_check_mark: |\n\n\
             | Name | Description |\n| --- | --- |\n| `b` | x |\n";
        let (doc, errors) = parse_doc_lenient(text);
        let messages: Vec<_> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(messages.len(), 3, "{messages:#?}");
        assert_eq!(messages[0].0, 7);
        assert!(messages[0].1.contains("`yes`"));
        assert_eq!(messages[1].0, 10);
        assert!(messages[1].1.contains("no `Type` column"));
        assert_eq!(messages[2].0, 8);
        assert!(messages[2].1.contains("the field `a` is listed twice"));
        // Problems in a cell point at the cell, not at the row.
        let cell = |e: &DocError| e.span.clone().map(|span| &text[span]);
        assert_eq!(cell(&errors[0]), Some("yes"));
        assert_eq!(cell(&errors[2]), Some("`a`"));
        assert_eq!(errors[2].label.as_deref(), Some("`a` again; the first is on line 7"));
        let rows = fields(&doc);
        assert_eq!(rows.len(), 2);
        assert!(rows[1].ty.is_err());
        assert_eq!(&text[rows[1].type_span.clone()], "*widget*");
    }

    #[test]
    fn enum_forms() {
        let doc =
            parse_doc("# E\n\n## Values\n\n| Name | Value |\n| --- | --- |\n| `FiftyFive` | 55 |\n| `Two` | two |\n")
                .expect("table");
        let DocKind::Enum { values, open } = doc.kind else { panic!("enum") };
        assert!(!open);
        assert_eq!((values[0].name.as_deref(), values[0].value.as_str(), values[0].line), (Some("FiftyFive"), "55", 7));
        assert_eq!(values[1].value, "two");

        let doc = parse_doc("# E\n\n## Values\n\n```typescript\n\"none\" | \"api|Key\"\n| 3\n```\n").expect("union");
        let DocKind::Enum { values, open } = doc.kind else { panic!("enum") };
        assert!(!open);
        let got: Vec<_> = values.iter().map(|v| (v.value.as_str(), v.line)).collect();
        assert_eq!(got, [("none", 6), ("api|Key", 6), ("3", 7)]);

        let doc = parse_doc("# E\n\n## Values\n\n```typescript\n\"all\"\n```").expect("single");
        assert!(matches!(doc.kind, DocKind::Enum { ref values, .. } if values.len() == 1 && values[0].value == "all"));

        let doc = parse_doc(
            "# E\n\n## Values\n\nThis is an open enum. Unrecognized values will be captured as the \
             `Unrecognized<string>` branded type.\n\n```typescript\n\"a\" | \"b\" | Unrecognized<string>\n```\n",
        )
        .expect("open");
        assert!(matches!(doc.kind, DocKind::Enum { open: true, ref values } if values.len() == 2));

        let doc = parse_doc("# E\n\n## Values\n\n- `one`\n- two\n").expect("list");
        let DocKind::Enum { values, .. } = doc.kind else { panic!("enum") };
        assert_eq!(values.iter().map(|v| (v.value.as_str(), v.line)).collect::<Vec<_>>(), [("one", 5), ("two", 6)]);

        let errors = parse_doc("# E\n\n## Values\n\n```typescript\n\"a\" | \"a\" | b\n```\n").expect_err("bad");
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn union_forms() {
        let doc = parse_doc(
            "# U\n\n\n## Supported Types\n\n### `{ [k: string]: operations.ProviderInfo }`\n\n```typescript\n\
             const value: { [k: string]: operations.ProviderInfo } = {\n};\n```\n\n### `string`\n\n\
             ```typescript\nconst value: string = \"<value>\";\n```\n\n### \n\n```python\n\
             oneOfSameType: str = /* values here */\n```\n\n### SimpleObject\n\n```python\n\
             child: shared.SimpleObject = /* values here */\n```\n",
        )
        .expect("union");
        let DocKind::Union { variants } = doc.kind else { panic!("union") };
        let got: Vec<_> = variants.iter().map(|v| (v.heading.as_str(), v.line, v.ty.clone())).collect();
        let s = TypeExpr::Primitive(Primitive::String);
        assert_eq!(
            got,
            [
                (
                    "{ [k: string]: operations.ProviderInfo }",
                    6,
                    Ok(TypeExpr::Map(Box::new(TypeExpr::Named("operations.ProviderInfo".into()))))
                ),
                ("string", 13, Ok(s.clone())),
                ("", 19, Ok(s)),
                ("SimpleObject", 25, Ok(TypeExpr::Named("shared.SimpleObject".into()))),
            ]
        );
    }

    #[test]
    fn other_docs_and_odd_input() {
        let doc = parse_doc("# RetryConfig\n\nSome text.\n\n## BackoffStrategy\n\nMore.\n").expect("other");
        assert_eq!(doc.kind, DocKind::Other);
        assert_eq!(doc.description.as_deref(), Some("Some text."));
        let (_, errors) = parse_doc_lenient("");
        let messages: Vec<_> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(messages, [(1, "the doc has no `# Title` heading")]);
        let (_, errors) = parse_doc_lenient("# A\n## Fields\n## Values\n- x\n");
        assert_eq!(errors.len(), 2, "{errors:?}");
        // Every truncation of a doc with every kind of block must read without panicking.
        let full = "# ~~T~~\n\n> :warning: **DEPRECATED**: x\n\nText.\n\n## Example Usage\n\n```ts\nlet a = 1;\n```\n\n\
                    ## Fields\n\n| Field | Type | Required | Description | Example |\n| - | - | - | - | - |\n\
                    | ~~`a`~~ | [x.Y](y.md)[] | :heavy_check_mark: | d<br/>e \\| f | `ex` |\n\n## Values\n\n\
                    ```typescript\n\"a\" | \"b\\\"\" | Unrecognized<string>\n```\n\n- z\n\n## Supported Types\n\n\
                    ### `string`\n\n```typescript\nconst value: string = \"\";\n```\n";
        for end in (0..=full.len()).filter(|&i| full.is_char_boundary(i)) {
            let _ = parse_doc_lenient(&full[..end]);
        }
        for odd in
            ["|", "# x\n## Fields\n|a|\n|-|\n|b|", "# \u{0}\n## Values\n```\n\"\\", "#\n## Supported Types\n###\n"]
        {
            let _ = parse_doc_lenient(odd);
        }
    }

    /// Counts from reading every doc of one corpus tree.
    #[derive(Default)]
    struct Sweep {
        docs: usize,
        objects: usize,
        enums: usize,
        open_enums: usize,
        unions: usize,
        other: usize,
        rows: usize,
        unparsed: HashMap<String, usize>,
        variants: usize,
        unparsed_variants: Vec<String>,
        doc_errors: Vec<String>,
        panics: Vec<String>,
    }

    impl Sweep {
        fn unparsed_rows(&self) -> usize {
            self.unparsed.values().sum()
        }

        fn report(&self, tree: &str) {
            println!(
                "{tree}: {} docs ({} objects, {} enums of which {} open, {} unions, {} other); {} field rows, \
                 {} unparsed type cells; {} union variants, {} unparsed; {} doc errors; {} panics",
                self.docs,
                self.objects,
                self.enums,
                self.open_enums,
                self.unions,
                self.other,
                self.rows,
                self.unparsed_rows(),
                self.variants,
                self.unparsed_variants.len(),
                self.doc_errors.len(),
                self.panics.len()
            );
            let mut common: Vec<_> = self.unparsed.iter().collect();
            common.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            for (text, count) in common.iter().take(10) {
                println!("    {count:>5} × {text}");
            }
            for line in self.unparsed_variants.iter().chain(&self.doc_errors).chain(&self.panics).take(10) {
                println!("    {line}");
            }
        }
    }

    fn markdown_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                markdown_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }

    fn sweep(root: &std::path::Path) -> Sweep {
        let mut files = Vec::new();
        markdown_files(root, &mut files);
        files.sort();
        let mut sweep = Sweep::default();
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let shown = path.strip_prefix(root).unwrap_or(&path).display().to_string();
            sweep.docs += 1;
            let Ok((doc, errors)) = std::panic::catch_unwind(|| parse_doc_lenient(&text)) else {
                sweep.panics.push(format!("panic in {shown}"));
                continue;
            };
            sweep.doc_errors.extend(errors.iter().map(|e| format!("{shown}:{}: {}", e.line, e.message)));
            match &doc.kind {
                DocKind::Object { fields } => {
                    sweep.objects += 1;
                    sweep.rows += fields.len();
                    for field in fields.iter().filter(|f| f.ty.is_err()) {
                        *sweep.unparsed.entry(field.type_text.clone()).or_default() += 1;
                    }
                }
                DocKind::Enum { open, .. } => {
                    sweep.enums += 1;
                    sweep.open_enums += usize::from(*open);
                }
                DocKind::Union { variants } => {
                    sweep.unions += 1;
                    sweep.variants += variants.len();
                    for variant in variants {
                        if let Err(message) = &variant.ty {
                            sweep.unparsed_variants.push(format!("{shown}:{}: {message}", variant.line));
                        }
                    }
                }
                DocKind::Other => sweep.other += 1,
            }
        }
        sweep
    }

    /// Reads every doc of the corpus: nothing may panic, and the TypeScript trees, which the
    /// generator reads first, must have their Type cells understood.
    #[test]
    fn corpus_sweep() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
        if !corpus.is_dir() {
            println!("skipped: no corpus at {}", corpus.display());
            return;
        }
        let trees = [
            ("amp-sdk-node-platform", "amp-sdk-node-platform/docs/models", true),
            ("panora-sdk", "panora-sdk/docs/models", true),
            ("panora-python-sdk", "panora-python-sdk/docs/models", false),
            ("speakeasy-openapi-generation-tests", "speakeasy-openapi-generation-tests", false),
        ];
        let (mut ts_rows, mut ts_unparsed, mut panics) = (0, 0, 0);
        for (name, dir, typescript) in trees {
            let root = corpus.join(dir);
            if !root.is_dir() {
                println!("skipped {name}: no folder at {}", root.display());
                continue;
            }
            let sweep = sweep(&root);
            sweep.report(name);
            if name == "speakeasy-openapi-generation-tests" {
                // The fixtures hold one SDK per language; their counts differ, so show each.
                let Ok(entries) = std::fs::read_dir(&root) else { continue };
                let mut languages: Vec<_> = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
                languages.sort();
                for language in languages {
                    let name = language.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    sweep_summary(&name, &self::sweep(&language));
                }
            }
            panics += sweep.panics.len();
            if typescript {
                ts_rows += sweep.rows;
                ts_unparsed += sweep.unparsed_rows();
            }
        }
        assert_eq!(panics, 0, "parsing panicked");
        if ts_rows > 0 {
            let parsed = ts_rows - ts_unparsed;
            assert!(parsed * 100 >= ts_rows * 99, "only {parsed} of {ts_rows} TypeScript type cells parse");
        }
    }

    fn sweep_summary(name: &str, sweep: &Sweep) {
        println!(
            "    {name}: {} docs ({} objects, {} enums, {} unions, {} other); {} rows, {} unparsed; {} doc errors",
            sweep.docs,
            sweep.objects,
            sweep.enums,
            sweep.unions,
            sweep.other,
            sweep.rows,
            sweep.unparsed_rows(),
            sweep.doc_errors.len()
        );
    }
}
