//! Parses the Type cell of a Speakeasy model doc into a [`TypeExpr`], because every SDK language
//! writes its types differently and the later link-resolving step should only see one shape.
//!
//! The input is the cell's raw markdown: links, `*italics*`, backslash escapes and HTML entities
//! are part of the grammar here, since the italics carry no meaning but a link's target is the
//! only reliable name of the model it points to. This is a parser for a small type language,
//! not for markdown; [`super::parse`] hands it one cell at a time.
//!
//! Architecture invariant: nothing here panics on any input, and nothing does I/O.

use std::fmt;

/// A primitive as the docs spell it in any SDK language, before any Rust type is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Primitive {
    String,
    /// `int`, `long`, `Integer`, `int64`: the docs do not say the width reliably.
    Integer,
    /// `bigint`, `BigInteger`: arbitrary precision, often sent as a string.
    BigInteger,
    /// `number`, `float`, `double`.
    Number,
    /// `Decimal`, `decimal`, `BigDecimal`: arbitrary precision decimals.
    Decimal,
    Boolean,
    /// `any`, `Object`, `mixed`: any JSON value.
    Any,
    /// A calendar date (`2020-01-01`).
    Date,
    /// A timestamp (`2020-01-01T00:00:00Z`).
    DateTime,
}

/// One Type cell, with the wrappers exactly as the doc wrote them.
///
/// The wrappers record what the doc says, not what the wire does: `Optional` and `Nullable` come
/// from the language's own spelling (`Optional[...]`, `?T`, `T.nilable(...)`, a Go pointer), and
/// whether a field may be absent is better read from the Required column.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeExpr {
    Primitive(Primitive),
    Array(Box<TypeExpr>),
    /// A map with string keys; the docs have no other kind.
    Map(Box<TypeExpr>),
    /// `Optional[...]`, `Optional<...>`, or a Go pointer.
    Optional(Box<TypeExpr>),
    /// `Nullable[...]`, `JsonNullable<...>`, PHP `?T`, Ruby `T.nilable(...)`.
    Nullable(Box<TypeExpr>),
    /// A link to another doc: `text` is the type name as written (`operations.AuthScheme`,
    /// `Union[shared.A, str]`), `target` the link destination, relative to the doc.
    Link {
        text: String,
        target: String,
    },
    /// A model name with no link, e.g. the italic `*operations.ValueDefaultLegacy*` that the
    /// TypeScript docs use for unions, or a name in a `## Supported Types` code block.
    Named(String),
}

impl fmt::Display for TypeExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeExpr::Primitive(p) => write!(f, "{p:?}"),
            TypeExpr::Array(t) => write!(f, "Array<{t}>"),
            TypeExpr::Map(t) => write!(f, "Map<{t}>"),
            TypeExpr::Optional(t) => write!(f, "Optional<{t}>"),
            TypeExpr::Nullable(t) => write!(f, "Nullable<{t}>"),
            TypeExpr::Link { text, target } => write!(f, "[{text}]({target})"),
            TypeExpr::Named(name) => write!(f, "{name}"),
        }
    }
}

/// Parses a Type cell's raw markdown; the error is a one-line message meant for a diagnostic.
pub fn parse_type(cell: &str) -> Result<TypeExpr, String> {
    let text = cell.trim();
    if text.is_empty() {
        return Err("the cell is empty".to_owned());
    }
    let tokens = tokenize(text)?;
    if nesting(&tokens) > MAX_NESTING {
        return Err(TOO_DEEP.to_owned());
    }
    let mut parser = Parser { tokens, pos: 0, src: text, link_target: None };
    parser.parse_all()
}

/// How deeply a Type cell may nest types. The parser, the reader and the emitter recurse once per
/// level; real SDK docs nest a few levels (`Record<string, *Array<*string*>*>`).
pub const MAX_NESTING: usize = 32;

/// The error of a Type cell that nests deeper than [`MAX_NESTING`].
pub const TOO_DEEP: &str = "the type nests more than 32 levels deep";

/// An upper bound on how deeply `tokens` nest: the deepest bracket, plus every token that can
/// wrap a type on its own (`*` for a Go pointer, `?` for nullable, `]` closing a `[]` suffix).
fn nesting(tokens: &[Token]) -> usize {
    let (mut depth, mut deepest, mut wrappers) = (0usize, 0usize, 0usize);
    for token in tokens {
        match token.tok {
            Tok::Punct('<' | '(' | '[' | '{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            Tok::Punct('>' | ')' | '}') => depth = depth.saturating_sub(1),
            Tok::Punct(']') => {
                depth = depth.saturating_sub(1);
                wrappers += 1;
            }
            Tok::Star | Tok::Punct('?') => wrappers += 1,
            _ => {}
        }
    }
    deepest + wrappers
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// A possibly qualified name: `operations.Foo`, `T::Array`, `\OpenAPI\Models\Enum`.
    Ident(String),
    /// `*`: an emphasis delimiter or a Go pointer; the parser decides by counting.
    Star,
    Punct(char),
    Link {
        text: String,
        target: String,
    },
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

/// Punctuation that means something in the type grammar; anything else is an error.
const PUNCT: &str = "[]<>(){},?:|";

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        let start = i;
        let next = text[i + c.len_utf8()..].chars().next();
        match c {
            // Code spans and strikethrough wrap whole cells in some SDKs and never change the type.
            ' ' | '\t' | '\n' | '\r' | '`' | '~' => i += c.len_utf8(),
            '*' => {
                tokens.push(Token { tok: Tok::Star, start, end: i + 1 });
                i += 1;
            }
            '&' => {
                let (ch, len) =
                    entity(&text[i..]).ok_or_else(|| format!("unknown entity at `{}`", excerpt(&text[i..])))?;
                tokens.push(Token { tok: punct_or_star(ch), start, end: i + len });
                i += len;
            }
            // A backslash before punctuation is a markdown escape (`\<`); before a letter it is a
            // PHP namespace separator (`\DateTime`), which belongs to the name.
            '\\' if next.is_some_and(|n| n.is_ascii_punctuation()) => {
                let ch = next.unwrap_or('\\');
                tokens.push(Token { tok: punct_or_star(ch), start, end: i + 2 });
                i += 2;
            }
            '[' => match link_at(text, i) {
                Some((link_text, target, len)) => {
                    tokens.push(Token { tok: Tok::Link { text: link_text, target }, start, end: i + len });
                    i += len;
                }
                None => {
                    tokens.push(Token { tok: Tok::Punct('['), start, end: i + 1 });
                    i += 1;
                }
            },
            c if PUNCT.contains(c) => {
                tokens.push(Token { tok: Tok::Punct(c), start, end: i + 1 });
                i += 1;
            }
            c if is_ident_char(c) || (c == '\\' && next.is_some_and(is_ident_char)) => {
                let len = ident_len(&bytes[i..]);
                tokens.push(Token { tok: Tok::Ident(text[i..i + len].to_owned()), start, end: i + len });
                i += len;
            }
            other => return Err(format!("unexpected `{other}` in `{}`", excerpt(text))),
        }
    }
    Ok(tokens)
}

fn punct_or_star(c: char) -> Tok {
    if c == '*' { Tok::Star } else { Tok::Punct(c) }
}

/// The character an HTML entity stands for and the entity's length.
fn entity(s: &str) -> Option<(char, usize)> {
    const NAMED: [(&str, char); 6] =
        [("&lt;", '<'), ("&gt;", '>'), ("&#124;", '|'), ("&#42;", '*'), ("&#91;", '['), ("&#93;", ']')];
    NAMED.iter().find(|(name, _)| s.starts_with(name)).map(|(name, c)| (*c, name.len()))
}

/// Length in bytes of a qualified name: segments joined by `.`, `::` or `\`.
fn ident_len(b: &[u8]) -> usize {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
    let mut i = 0;
    loop {
        if b.get(i) == Some(&b'\\') && b.get(i + 1).is_some_and(|&c| ident(c)) {
            i += 1;
        }
        while b.get(i).is_some_and(|&c| ident(c)) {
            i += 1;
        }
        let joined = match (b.get(i), b.get(i + 1), b.get(i + 2)) {
            (Some(b'.'), Some(&c), _) if ident(c) => 1,
            (Some(b':'), Some(b':'), Some(&c)) if ident(c) => 2,
            (Some(b'\\'), Some(&c), _) if ident(c) => 0,
            _ => return i,
        };
        i += joined;
    }
}

/// A markdown inline link at byte `i`: its text, its destination and its length.
///
/// Brackets nest, so `[Optional[shared.Foo]](foo.md)` is one link, while the `[` of
/// `List[*str*]` or `[]string` is not followed by `](` and stays punctuation.
fn link_at(text: &str, i: usize) -> Option<(String, String, usize)> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut j = i;
    let close = loop {
        match b.get(j)? {
            b'\\' => j += 1,
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    break j;
                }
            }
            _ => {}
        }
        j += 1;
    };
    if b.get(close + 1) != Some(&b'(') {
        return None;
    }
    let mut depth = 0usize;
    let mut k = close + 1;
    let end = loop {
        match b.get(k)? {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    break k;
                }
            }
            _ => {}
        }
        k += 1;
    };
    let link_text = text.get(i + 1..close)?.to_owned();
    let dest = text.get(close + 2..end)?.trim();
    // A destination may carry a title (`foo.md "Foo"`) or angle brackets (`<foo bar.md>`).
    let dest = dest.split_once(' ').map_or(dest, |(d, _)| d);
    let dest = dest.strip_prefix('<').and_then(|d| d.strip_suffix('>')).unwrap_or(dest);
    Some((link_text, dest.to_owned(), end + 1 - i))
}

fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    src: &'a str,
    /// Set while parsing a link's text: named types inside become links to this target.
    link_target: Option<&'a str>,
}

impl Parser<'_> {
    fn parse_all(&mut self) -> Result<TypeExpr, String> {
        let ty = self.parse_type()?;
        match self.tokens.get(self.pos) {
            None => Ok(ty),
            Some(t) => Err(format!("unexpected `{}` after a complete type", excerpt(&self.src[t.start..]))),
        }
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn peek_at(&self, ahead: usize) -> Option<&Tok> {
        self.tokens.get(self.pos + ahead).map(|t| &t.tok)
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(&Tok::Punct(c)) { Ok(()) } else { Err(self.unexpected(&format!("`{c}`"))) }
    }

    fn unexpected(&self, wanted: &str) -> String {
        match self.tokens.get(self.pos) {
            Some(t) => format!("expected {wanted} at `{}`", excerpt(&self.src[t.start..])),
            None => format!("expected {wanted} at the end of `{}`", excerpt(self.src)),
        }
    }

    /// A type with its emphasis: `*string*`, `*string*[]`, Go's `**string*` (a pointer in
    /// italics). Stars that open but never close are Go pointers.
    fn parse_type(&mut self) -> Result<TypeExpr, String> {
        let mut opened = 0;
        while self.eat(&Tok::Star) {
            opened += 1;
        }
        let mut ty = self.parse_prefixed()?;
        ty = self.array_suffixes(ty);
        let mut closed = 0;
        while closed < opened && self.eat(&Tok::Star) {
            closed += 1;
        }
        ty = self.array_suffixes(ty);
        for _ in closed..opened {
            ty = TypeExpr::Optional(Box::new(ty));
        }
        Ok(ty)
    }

    /// TypeScript's `T[]`.
    fn array_suffixes(&mut self, mut ty: TypeExpr) -> TypeExpr {
        while self.peek() == Some(&Tok::Punct('[')) && self.peek_at(1) == Some(&Tok::Punct(']')) {
            self.pos += 2;
            ty = TypeExpr::Array(Box::new(ty));
        }
        ty
    }

    fn parse_prefixed(&mut self) -> Result<TypeExpr, String> {
        let Some(token) = self.tokens.get(self.pos).cloned() else {
            return Err(self.unexpected("a type"));
        };
        match token.tok {
            // PHP's nullable type `?string`.
            Tok::Punct('?') => {
                self.pos += 1;
                Ok(TypeExpr::Nullable(Box::new(self.parse_type()?)))
            }
            // Go's slice `[]string`.
            Tok::Punct('[') if self.peek_at(1) == Some(&Tok::Punct(']')) => {
                self.pos += 2;
                Ok(TypeExpr::Array(Box::new(self.parse_type()?)))
            }
            Tok::Punct('(') => {
                self.pos += 1;
                let ty = self.parse_type()?;
                self.expect(')')?;
                Ok(ty)
            }
            // TypeScript's index signature `{ [k: string]: T }`.
            Tok::Punct('{') => {
                self.pos += 1;
                self.expect('[')?;
                if matches!(self.peek(), Some(Tok::Ident(_))) {
                    self.pos += 1;
                }
                self.expect(':')?;
                let key = self.parse_type()?;
                self.expect(']')?;
                self.expect(':')?;
                let value = self.parse_type()?;
                self.expect('}')?;
                string_key(&key)?;
                Ok(TypeExpr::Map(Box::new(value)))
            }
            Tok::Link { text, target } => {
                self.pos += 1;
                parse_link(&text, &target)
            }
            Tok::Ident(name) => {
                self.pos += 1;
                self.parse_named(&name, token.start)
            }
            _ => Err(self.unexpected("a type")),
        }
    }

    /// A name, possibly applied to arguments: `List[...]`, `Record<...>`, `T.nilable(...)`.
    fn parse_named(&mut self, name: &str, start: usize) -> Result<TypeExpr, String> {
        // Go's `map[string]T` puts the key in brackets and the value after them.
        if name == "map" && self.eat(&Tok::Punct('[')) {
            let key = self.parse_type()?;
            self.expect(']')?;
            string_key(&key)?;
            return Ok(TypeExpr::Map(Box::new(self.parse_type()?)));
        }
        if name == "interface" && self.peek() == Some(&Tok::Punct('{')) && self.peek_at(1) == Some(&Tok::Punct('}')) {
            self.pos += 2;
            return Ok(TypeExpr::Primitive(Primitive::Any));
        }
        // `<` and `(` after a name always open its arguments; `[` does too, unless it is the
        // start of TypeScript's `T[]`.
        let open = match self.peek() {
            Some(Tok::Punct(c @ ('<' | '('))) => *c,
            Some(Tok::Punct('[')) if self.peek_at(1) != Some(&Tok::Punct(']')) => '[',
            _ => return self.leaf(name),
        };
        self.pos += 1;
        let close = match open {
            '<' => '>',
            '(' => ')',
            _ => ']',
        };
        let mut args = vec![self.parse_type()?];
        while self.eat(&Tok::Punct(',')) {
            args.push(self.parse_type()?);
        }
        self.expect(close)?;
        let end = self.tokens.get(self.pos.wrapping_sub(1)).map_or(self.src.len(), |t| t.end);
        self.generic(name, args, self.src.get(start..end).unwrap_or(name))
    }

    fn generic(&self, name: &str, mut args: Vec<TypeExpr>, source: &str) -> Result<TypeExpr, String> {
        let arity = args.len();
        let one = |args: &mut Vec<TypeExpr>| -> Result<Box<TypeExpr>, String> {
            match (args.pop(), args.is_empty()) {
                (Some(arg), true) => Ok(Box::new(arg)),
                _ => Err(format!("`{name}` takes one type argument, found {arity} in `{source}`")),
            }
        };
        let map = |args: &mut Vec<TypeExpr>| -> Result<TypeExpr, String> {
            match (args.pop(), args.pop(), args.is_empty()) {
                (Some(value), Some(key), true) => {
                    string_key(&key)?;
                    Ok(TypeExpr::Map(Box::new(value)))
                }
                _ => Err(format!("`{name}` takes a key and a value type, found {arity} in `{source}`")),
            }
        };
        match name {
            "List" | "Array" | "T::Array" | "Set" | "T::Set" | "Sequence" | "IList" | "IEnumerable" => {
                Ok(TypeExpr::Array(one(&mut args)?))
            }
            "Dict" | "Map" | "Dictionary" | "Record" | "T::Hash" | "HashMap" | "IDictionary" => map(&mut args),
            // PHP's `array<T>` is a list and `array<string, T>` a map.
            "array" if arity == 2 => map(&mut args),
            "array" => Ok(TypeExpr::Array(one(&mut args)?)),
            "Optional" => Ok(TypeExpr::Optional(one(&mut args)?)),
            "Nullable" | "JsonNullable" | "T.nilable" => Ok(TypeExpr::Nullable(one(&mut args)?)),
            "OptionalNullable" => Ok(TypeExpr::Optional(Box::new(TypeExpr::Nullable(one(&mut args)?)))),
            // A Python union only appears as a link's text; the link leads to the union's doc.
            "Union" => match self.link_target {
                Some(target) => Ok(TypeExpr::Link { text: source.to_owned(), target: target.to_owned() }),
                None => Err(format!("a union without a link to its doc: `{source}`")),
            },
            _ => Err(format!("unknown generic type `{name}` in `{source}`")),
        }
    }

    /// A bare name: a primitive, a date type, or a model (a link when inside a link's text).
    fn leaf(&self, name: &str) -> Result<TypeExpr, String> {
        if let Some(p) = date_primitive(name, self.link_target) {
            return Ok(TypeExpr::Primitive(p));
        }
        if let Some(p) = primitive(name) {
            return Ok(TypeExpr::Primitive(p));
        }
        match self.link_target {
            // Only the date types link to a language's reference pages; another name linked to
            // an external page is a type this parser does not know.
            Some(target) if target.contains("://") => {
                return Err(format!("`{name}` links to the external page `{target}`, not to a model doc"));
            }
            Some(target) => return Ok(TypeExpr::Link { text: name.to_owned(), target: target.to_owned() }),
            None => {}
        }
        // Unknown lower-case words are more likely a primitive this table lacks than a model, so
        // they are errors rather than names that would dangle later.
        let qualified = name.contains(['.', ':', '\\']);
        if qualified || name.starts_with(|c: char| c.is_ascii_uppercase()) {
            Ok(TypeExpr::Named(name.to_owned()))
        } else {
            Err(format!("unknown type name `{name}`"))
        }
    }
}

/// Parses a link's text as a type whose named parts point at the link's target.
fn parse_link(text: &str, target: &str) -> Result<TypeExpr, String> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Err(format!("a link with no text to `{target}`"));
    }
    let mut parser = Parser { tokens, pos: 0, src: text, link_target: Some(target) };
    parser.parse_all()
}

fn string_key(key: &TypeExpr) -> Result<(), String> {
    match key {
        TypeExpr::Primitive(Primitive::String) => Ok(()),
        TypeExpr::Primitive(p) => {
            Err(format!("map keys must be strings, not {}", format!("{p:?}").to_ascii_lowercase()))
        }
        other => Err(format!("map keys must be strings, not `{other}`")),
    }
}

fn primitive(name: &str) -> Option<Primitive> {
    Some(match name {
        "string" | "str" | "String" | "T::String" | "Symbol" => Primitive::String,
        "int" | "integer" | "Integer" | "long" | "Long" | "Int" | "int32" | "int64" | "Int32" | "Int64" | "short"
        | "Short" | "uint" | "uint32" | "uint64" => Primitive::Integer,
        "bigint" | "BigInteger" | "big.Int" => Primitive::BigInteger,
        "number" | "float" | "Float" | "double" | "Double" | "float32" | "float64" | "Number" => Primitive::Number,
        "Decimal" | "decimal" | "BigDecimal" | "decimal.Big" => Primitive::Decimal,
        "boolean" | "bool" | "Boolean" | "T::Boolean" => Primitive::Boolean,
        "any" | "Any" | "object" | "Object" | "mixed" | "unknown" | "T.untyped" => Primitive::Any,
        _ => return None,
    })
}

/// Date and time names, which in the docs are links to the language's reference, not to a model.
///
/// The label alone is ambiguous across languages, so the link's host decides where it must. The
/// Python and Ruby generators label the two types the wrong way round: in the corpus every
/// Python `[date](...)` cell has a timestamp example (Panora's `created_at`, the fixtures'
/// `date_time`) and `[datetime](...)` a calendar date, and Ruby's `[Date]`/`[DateTime]` are
/// swapped the same way, so the mapping follows the examples rather than the labels.
fn date_primitive(name: &str, link: Option<&str>) -> Option<Primitive> {
    let host = |h: &str| link.is_some_and(|l| l.contains(h));
    Some(match name {
        "RFCDate" | "types.Date" | "LocalDate" => Primitive::Date,
        "OffsetDateTime" | "time.Time" | "\\DateTime" | "DateTimeOffset" => Primitive::DateTime,
        "Date" if host("ruby-doc.org") || host("developer.mozilla.org") => Primitive::DateTime,
        "DateTime" if host("ruby-doc.org") => Primitive::Date,
        "DateTime" if link.is_none() || host("microsoft.com") => Primitive::DateTime,
        "date" if host("docs.python.org") => Primitive::DateTime,
        "datetime" if host("docs.python.org") => Primitive::Date,
        // Unlinked, in code (a `## Supported Types` annotation), the names mean what they say.
        "date" if link.is_none() => Primitive::Date,
        "datetime" | "datetime.datetime" if link.is_none() => Primitive::DateTime,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::Primitive::*;
    use super::*;

    fn p(p: Primitive) -> TypeExpr {
        TypeExpr::Primitive(p)
    }
    fn arr(t: TypeExpr) -> TypeExpr {
        TypeExpr::Array(Box::new(t))
    }
    fn map(t: TypeExpr) -> TypeExpr {
        TypeExpr::Map(Box::new(t))
    }
    fn opt(t: TypeExpr) -> TypeExpr {
        TypeExpr::Optional(Box::new(t))
    }
    fn null(t: TypeExpr) -> TypeExpr {
        TypeExpr::Nullable(Box::new(t))
    }
    fn link(text: &str, target: &str) -> TypeExpr {
        TypeExpr::Link { text: text.to_owned(), target: target.to_owned() }
    }
    fn named(name: &str) -> TypeExpr {
        TypeExpr::Named(name.to_owned())
    }

    #[track_caller]
    fn check(cell: &str, expected: TypeExpr) {
        assert_eq!(parse_type(cell), Ok(expected), "cell: {cell}");
    }

    #[test]
    fn typescript() {
        check("*string*", p(String));
        check("*number*", p(Number));
        check("*boolean*", p(Boolean));
        check("*any*", p(Any));
        check("*bigint*", p(BigInteger));
        check("*string*[]", arr(p(String)));
        check("*number*[]", arr(p(Number)));
        check("Record<string, *any*>", map(p(Any)));
        check("Record<string, Record<string, *string*>>", map(map(p(String))));
        check(
            "Record<string, [operations.ModuleInfo](../../models/operations/moduleinfo.md)>",
            map(link("operations.ModuleInfo", "../../models/operations/moduleinfo.md")),
        );
        check(
            "[operations.AuthScheme](../../models/operations/authscheme.md)",
            link("operations.AuthScheme", "../../models/operations/authscheme.md"),
        );
        check(
            "[components.LineItem](../../models/components/lineitem.md)[]",
            arr(link("components.LineItem", "../../models/components/lineitem.md")),
        );
        check("*operations.IntegrationField*[]", arr(named("operations.IntegrationField")));
        check("Record<string, *operations.ValueDefaultLegacy*>", map(named("operations.ValueDefaultLegacy")));
        check(
            "[Date](https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Date)",
            p(DateTime),
        );
        check("[RFCDate](../../types/rfcdate.md)", p(Date));
        check("Record&lt;string, *string*&gt;", map(p(String)));
        check("Record\\<string, *string*\\>", map(p(String)));
        check("{ [k: string]: operations.ProviderInfo }", map(named("operations.ProviderInfo")));
        check("operations.Builder[]", arr(named("operations.Builder")));
        check("Array<*string*>", arr(p(String)));
    }

    #[test]
    fn python() {
        check("*str*", p(String));
        check("`*str*`", p(String));
        check("*int*", p(Integer));
        check("*float*", p(Number));
        check("*Decimal*", p(Decimal));
        check("*Any*", p(Any));
        check("*Optional[bool]*", opt(p(Boolean)));
        check("*Nullable[str]*", null(p(String)));
        check("*OptionalNullable[float]*", opt(null(p(Number))));
        check("List[*str*]", arr(p(String)));
        check("Dict[str, *Any*]", map(p(Any)));
        check("List[[models.LineItem](../models/lineitem.md)]", arr(link("models.LineItem", "../models/lineitem.md")));
        check(
            "[OptionalNullable[models.RemoteData]](../models/remotedata.md)",
            opt(null(link("models.RemoteData", "../models/remotedata.md"))),
        );
        check("[Nullable[models.Status]](../models/status.md)", null(link("models.Status", "../models/status.md")));
        check(
            "[Optional[Union[str, int]]](../../models/shared/u.md)",
            opt(link("Union[str, int]", "../../models/shared/u.md")),
        );
        check(
            "[Union[shared.SimpleObject, str]](../../models/shared/s.md)",
            link("Union[shared.SimpleObject, str]", "../../models/shared/s.md"),
        );
        check("[date](https://docs.python.org/3/library/datetime.html#date-objects)", p(DateTime));
        check("[datetime](https://docs.python.org/3/library/datetime.html#datetime-objects)", p(Date));
        check("Dict[str, [datetime](https://docs.python.org/3/library/datetime.html#datetime-objects)]", map(p(Date)));
        check("[BackoffStrategy](#backoffstrategy)", link("BackoffStrategy", "#backoffstrategy"));
        check("models.UnifiedAtsAttachmentOutput", named("models.UnifiedAtsAttachmentOutput"));
        assert!(parse_type("Union[str, int]").is_err());
    }

    #[test]
    fn java_and_csharp() {
        check("*String*", p(String));
        check("*Long*", p(Integer));
        check("*Double*", p(Number));
        check("*Object*", p(Any));
        check("*object*", p(Any));
        check("*BigInteger*", p(BigInteger));
        check("*decimal*", p(Decimal));
        check("BigDecimal", p(Decimal));
        check("List<*String*>", arr(p(String)));
        check("Map<String, *Long*>", map(p(Integer)));
        check(
            "Dictionary<String, [SimpleObject](../../Models/Shared/SimpleObject.md)>",
            map(link("SimpleObject", "../../Models/Shared/SimpleObject.md")),
        );
        check("Optional<*String*>", opt(p(String)));
        check("JsonNullable<*String*>", null(p(String)));
        check("[OffsetDateTime](https://docs.oracle.com/javase/8/docs/api/java/time/OffsetDateTime.html)", p(DateTime));
        check("[LocalDate](https://nodatime.org/3.1.x/api/NodaTime.LocalDate.html)", p(Date));
        check("[DateTime](https://learn.microsoft.com/en-us/dotnet/api/system.datetime?view=net-5.0)", p(DateTime));
        check(
            "[org.openapis.openapi.models.shared.Enum](../../models/shared/Enum.md)",
            link("org.openapis.openapi.models.shared.Enum", "../../models/shared/Enum.md"),
        );
    }

    #[test]
    fn php_and_ruby() {
        check("*?string*", null(p(String)));
        check("*mixed*", p(Any));
        check("array<*string*>", arr(p(String)));
        check("array<string, *int*>", map(p(Integer)));
        check("[\\DateTime](https://www.php.net/manual/en/class.datetime.php)", p(DateTime));
        check(
            "[?\\OpenAPI\\OpenAPI\\Models\\Shared\\EnumStr](../../Models/Shared/EnumStr.md)",
            null(link("\\OpenAPI\\OpenAPI\\Models\\Shared\\EnumStr", "../../Models/Shared/EnumStr.md")),
        );
        check("*T.nilable(String)*", null(p(String)));
        check("*T::Boolean*", p(Boolean));
        check("T::Array<*String*>", arr(p(String)));
        check("T::Hash[Symbol, *Integer*]", map(p(Integer)));
        check(
            "T::Array[[Shared::Slides](../../models/shared/slides.md)]",
            arr(link("Shared::Slides", "../../models/shared/slides.md")),
        );
        check(
            "[T.nilable(Shared::EnumStr)](../../models/shared/enumstr.md)",
            null(link("Shared::EnumStr", "../../models/shared/enumstr.md")),
        );
        check("[Date](https://ruby-doc.org/stdlib-2.6.1/libdoc/date/rdoc/Date.html)", p(DateTime));
        check("[DateTime](https://ruby-doc.org/stdlib-2.6.1/libdoc/date/rdoc/DateTime.html)", p(Date));
    }

    #[test]
    fn go() {
        check("**string*", opt(p(String)));
        check("[]*string*", arr(p(String)));
        check("[]string", arr(p(String)));
        check("map[string]*int64*", map(p(Integer)));
        check("map[string]interface{}", map(p(Any)));
        check("[*shared.Foo](../../models/shared/foo.md)", opt(link("shared.Foo", "../../models/shared/foo.md")));
        check("[][shared.Foo](../../models/shared/foo.md)", arr(link("shared.Foo", "../../models/shared/foo.md")));
        check("[time.Time](https://pkg.go.dev/time#Time)", p(DateTime));
        check("[types.Date](../../types/date.md)", p(Date));
    }

    #[test]
    fn every_substring_reads_without_panicking() {
        let samples = [
            "[Optional[Union[shared.TypedObject1, shared.TypedObject2]]](../../models/shared/nullableoneoftwo.md)",
            "Record<string, [operations.ModuleInfo](../../models/operations/moduleinfo.md)>",
            "[?\\OpenAPI\\OpenAPI\\Models\\Shared\\EnumStr](../../Models/Shared/EnumStr.md)",
            "T::Hash[Symbol, [Shared::SimpleObject](../../models/shared/simpleobject.md)]",
            "*T.nilable(T::Boolean)*",
            "{ [k: string]: operations.ProviderInfo }[]",
            "map[string]**int64*",
            "Record&lt;string, *string*&gt; \\< `x` ~~é~~",
        ];
        for sample in samples {
            let bounds: Vec<usize> = (0..=sample.len()).filter(|&i| sample.is_char_boundary(i)).collect();
            for (n, &start) in bounds.iter().enumerate() {
                for &end in &bounds[n..] {
                    let _ = parse_type(&sample[start..end]);
                }
            }
        }
    }

    #[test]
    fn errors_are_messages_not_panics() {
        for bad in [
            "",
            "*",
            "**",
            "[",
            "]",
            "[](",
            "[x](",
            "List[",
            "List[,]",
            "Record<int, *string*>",
            "Record<string>",
            "*widget*",
            "Frobnicate<*string*>",
            "\"a\" | \"b\"",
            "&bogus;",
            "{ [k: string] }",
            "*string* extra",
            "\\",
            "€",
        ] {
            assert!(parse_type(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
