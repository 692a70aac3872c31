//! JSON Schema `pattern`s (ECMA-262 regular expressions) translated into the syntax of the
//! `regex` crate, whose matching takes time linear in the text, so that no document can make a
//! generated validator backtrack for ever (`^(a+)+$` on `aaaa…b`).
//!
//! The translation is exact: the translated pattern matches a string exactly when regress, the
//! ECMA-262 engine that checked the pattern, finds a match in it. Which grammar a pattern is read
//! in (`ecma_regex`, the rule generated validators follow too):
//!
//! - with ECMA-262's `u` flag, when the pattern is valid there: `\p{…}` and `\P{…}` are Unicode
//!   properties (`\p{Letter}`, `\p{L}`, `\p{digit}`, `\p{Script=Greek}`, `\p{scx=Grek}`,
//!   `\p{ASCII}`), as the JSON Schema test suite expects ("patterns always use unicode
//!   semantics"). For a pattern valid in both grammars, this is the only difference that
//!   matching code points can see: `u` changes case folding, which only `(?i:…)` uses, and
//!   whether `.` and classes match UTF-16 code units or code points, and regress matches a Rust
//!   string's code points either way;
//! - otherwise without flags (ECMA-262 with the web-compatibility grammar of its Annex B: `\p`
//!   is the letter `p`, a `{` that starts no quantifier is a literal, `\8` is `8`, `\-` and
//!   `[\w-]` are allowed), which many schemas written for other engines rely on.
//!
//! Matching is by code point. What differs between the two syntaxes is spelled out:
//!
//! - `\d`, `\w`, `\s` and their negations are ECMA's sets (ASCII digits, ASCII word characters,
//!   ECMA white space and line terminators), written as explicit classes; the `regex` crate's
//!   are Unicode-aware;
//! - `\p{…}` and `\P{…}` are written out as the classes of code points regress gives them, so
//!   the two agree on every code point even where their Unicode versions differ (the `regex`
//!   crate is built without Unicode tables);
//! - `.` is any code point but `\n`, `\r`, U+2028 and U+2029 (`(?s:…)` makes it any);
//! - `\b` and `\B` are ASCII word boundaries, `(?-u:\b)`;
//! - `^` and `$` are the start and end of the text, never of a line, as in the `regex` crate
//!   without the `m` flag;
//! - capturing and named groups become non-capturing groups (only whether the text matches is
//!   asked);
//! - the `regex` crate's meta characters are escaped, and every character outside printable
//!   ASCII is written as `\x{…}`;
//! - a class leaves out the UTF-16 surrogates it names (`[\uD800-\uDFFF]`): no Rust string
//!   holds one.
//!
//! What the `regex` crate cannot express is refused, with the reason: backreferences (`\1`,
//! `\k<name>`), lookahead and lookbehind, case-insensitive (`(?i:…)`) or multiline (`(?m:…)`)
//! groups, whose ECMA case folding and line terminators differ from the `regex` crate's, and a
//! lone surrogate outside a class (`\uD800`), which regress matches nowhere. So is a pattern the `regex` crate will not compile within its default size limit
//! (`(?:[a-z]{1000}){1000}`). Those patterns stay with the backtracking engine.

/// Why a pattern cannot be matched in linear time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Untranslatable {
    /// `\1` … or `\k<name>`: matching the text a group captured is not a regular language.
    Backreference,
    /// `(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)`.
    Lookaround,
    /// `(?i:…)`: ECMA's case folding (upper-casing without the `u` flag, simple case folding with
    /// it) is not written out, and the `regex` crate is built without Unicode case tables.
    CaseInsensitive,
    /// `(?m:…)`: ECMA's `^` and `$` then also stop at `\r`, U+2028 and U+2029.
    Multiline,
    /// `\uD800` outside a class: a lone UTF-16 surrogate, which no Rust string holds, and which
    /// regress then matches nowhere, not even where the rest of the pattern allows it to be
    /// absent (`\uD800*`).
    Surrogate,
    /// Nested more deeply than the translator follows.
    TooDeep,
    /// The `regex` crate refused the translation (usually: it is too large once compiled).
    TooLarge,
    /// Not a pattern regress compiles.
    Invalid,
}

impl Untranslatable {
    /// What the pattern uses, for a diagnostic: "uses a backreference".
    pub fn describe(self) -> &'static str {
        match self {
            Untranslatable::Backreference => "uses a backreference (`\\1`, `\\k<name>`)",
            Untranslatable::Lookaround => "uses a lookahead or lookbehind (`(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)`)",
            Untranslatable::CaseInsensitive => "uses a case-insensitive group (`(?i:…)`)",
            Untranslatable::Multiline => "uses a multiline group (`(?m:…)`)",
            Untranslatable::Surrogate => "names a lone UTF-16 surrogate (`\\uD800`)",
            Untranslatable::TooDeep => "nests groups too deeply",
            Untranslatable::TooLarge => "is too large for the linear-time engine once compiled",
            Untranslatable::Invalid => "is not a valid ECMA-262 regular expression",
        }
    }

    /// How to make the pattern linear-time, for the diagnostic's hint.
    pub fn hint(self) -> &'static str {
        match self {
            Untranslatable::Backreference => {
                "if documents may come from untrusted sources, write the pattern without the backreference (list the alternatives it stands for), or check the value in your own code"
            }
            Untranslatable::Lookaround => {
                "write it without lookaround: each lookahead at the start, as in `^(?=.*[0-9])(?=.*[a-z]).{8,}$`, can be an `allOf` member of its own (`{\"pattern\": \"[0-9]\"}`, `{\"pattern\": \"[a-z]\"}`)"
            }
            Untranslatable::CaseInsensitive => "spell both cases out instead, as in `[aA]`",
            Untranslatable::Multiline => "write the line breaks out instead, as in `(?:^|\\n)` and `(?:\\n|$)`",
            Untranslatable::Surrogate => "name the character itself, or write a surrogate pair as one `\\u{…}` escape",
            Untranslatable::TooDeep => "nest fewer groups",
            Untranslatable::TooLarge => {
                "use smaller repetition counts: `{1000}` repeats what it follows a thousand times in the compiled pattern"
            }
            Untranslatable::Invalid => "fix the pattern's syntax",
        }
    }
}

/// The `regex`-crate pattern that matches exactly the strings `ecma` finds a match in, checked to
/// compile; or why there is none.
pub fn translate(ecma: &str) -> Result<String, Untranslatable> {
    let Ok((_, unicode)) = ecma_regex(ecma) else {
        return Err(Untranslatable::Invalid);
    };
    let chars: Vec<char> = ecma.chars().collect();
    let (groups, named) = count_groups(&chars);
    let mut parser = Parser { chars, at: 0, groups, named, unicode, dot_all: false, depth: 0 };
    let translated = parser.disjunction()?;
    if parser.at != parser.chars.len() {
        return Err(Untranslatable::Invalid);
    }
    regex::Regex::new(&translated).map_err(|_| Untranslatable::TooLarge)?;
    Ok(translated)
}

/// `ecma` compiled by regress as generated validators read it: with the `u` flag when it is valid
/// there, else without flags (see the module's documentation); and whether `u` was used.
/// `schemagen_runtime::Pattern::backtracking` follows the same rule.
pub fn ecma_regex(ecma: &str) -> Result<(regress::Regex, bool), regress::Error> {
    match regress::Regex::with_flags(ecma, "u") {
        Ok(regex) => Ok((regex, true)),
        Err(_) => regress::Regex::new(ecma).map(|regex| (regex, false)),
    }
}

/// For a pattern read without the `u` flag (it is not valid with it): its first `\p{…}` or
/// `\P{…}`, which there matches the letter `p` and the braces as text, not a Unicode property;
/// with the reason the `u` flag refused the pattern (usually a property name ECMA-262 does not
/// know). `None` for a pattern read with the `u` flag, an invalid one, or one without such an
/// escape.
pub fn literal_property_escape(ecma: &str) -> Option<(String, String)> {
    let refused = regress::Regex::with_flags(ecma, "u").err()?;
    regress::Regex::new(ecma).ok()?;
    let chars: Vec<char> = ecma.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' {
            if matches!(chars.get(i + 1), Some('p' | 'P')) && chars.get(i + 2) == Some(&'{') {
                let end = chars[i..].iter().position(|&c| c == '}').map_or(chars.len(), |at| i + at + 1);
                return Some((chars[i..end].iter().collect(), refused.to_string()));
            }
            i += 1;
        }
        i += 1;
    }
    None
}

/// The code points of a Unicode property escape, `\p{…}` with `name` between the braces, as
/// sorted inclusive ranges (surrogates included where a range spans them); `None` when regress
/// knows no such property. regress is asked rather than a Unicode table of our own, so a
/// translated pattern agrees with the ECMA-262 engine on every code point: `[\p{…}]+` is run
/// over every code point in order, and each match is one range. Each property is worked out
/// once per process.
fn property(name: &str) -> Option<Vec<(u32, u32)>> {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};

    static EVERY_CODE_POINT: LazyLock<String> = LazyLock::new(|| (0..=MAX).filter_map(char::from_u32).collect());
    type Ranges = Option<Vec<(u32, u32)>>;
    static KNOWN: LazyLock<Mutex<HashMap<String, Ranges>>> = LazyLock::new(Default::default);

    if let Some(known) = KNOWN.lock().ok()?.get(name) {
        return known.clone();
    }
    let ranges = regress::Regex::with_flags(&format!("[\\p{{{name}}}]+"), "u").ok().map(|regex| {
        let text = EVERY_CODE_POINT.as_str();
        regex
            .find_iter(text)
            .filter_map(|m| {
                let first = text[m.start()..].chars().next()?;
                let last = text[..m.end()].chars().next_back()?;
                Some((first as u32, last as u32))
            })
            .collect()
    });
    KNOWN.lock().ok()?.insert(name.to_owned(), ranges.clone());
    ranges
}

/// How many capturing groups the pattern has, and whether any is named: the first pass regress
/// makes, which decides whether `\2` is a backreference or an octal escape, and whether `\k` is a
/// named backreference or the letter `k`.
fn count_groups(chars: &[char]) -> (usize, bool) {
    let (mut groups, mut named) = (0, false);
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' => {
                i += 1;
                while i < chars.len() && chars[i] != ']' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            '(' => match (chars.get(i + 1), chars.get(i + 2), chars.get(i + 3)) {
                (Some('?'), Some('<'), Some(c)) if *c != '=' && *c != '!' => {
                    groups += 1;
                    named = true;
                }
                (Some('?'), ..) => {}
                _ => groups += 1,
            },
            _ => {}
        }
        i += 1;
    }
    (groups, named)
}

/// Sets of code points as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Clone, Debug, Default)]
struct Set(Vec<(u32, u32)>);

const MAX: u32 = 0x10_FFFF;
const DIGITS: &[(u32, u32)] = &[(0x30, 0x39)];
const WORD: &[(u32, u32)] = &[(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)];
/// ECMA-262 WhiteSpace and LineTerminator, which `\s` matches.
const SPACE: &[(u32, u32)] = &[
    (0x09, 0x0D),
    (0x20, 0x20),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
];
const LINE_TERMINATORS: &[(u32, u32)] = &[(0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029)];

impl Set {
    fn of(ranges: &[(u32, u32)]) -> Set {
        let mut set = Set::default();
        ranges.iter().for_each(|&(a, b)| set.add(a, b));
        set
    }

    fn add(&mut self, first: u32, last: u32) {
        self.0.push((first, last));
        self.0.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(self.0.len());
        for &(a, b) in &self.0 {
            match merged.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        self.0 = merged;
    }

    fn add_set(&mut self, other: &Set) {
        other.0.iter().for_each(|&(a, b)| self.add(a, b));
    }

    fn inverted(&self) -> Set {
        let mut out = Vec::new();
        let mut next = 0u32;
        for &(a, b) in &self.0 {
            if a > next {
                out.push((next, a - 1));
            }
            next = b.saturating_add(1);
        }
        if next <= MAX && self.0.last().is_none_or(|&(_, b)| b < MAX) {
            out.push((next, MAX));
        }
        Set(out)
    }

    /// Without the UTF-16 surrogates, which no Rust string holds.
    fn without_surrogates(&self) -> Set {
        let mut out = Vec::new();
        for &(a, b) in &self.0 {
            if a < 0xD800 {
                out.push((a, b.min(0xD7FF)));
            }
            if b > 0xDFFF {
                out.push((a.max(0xE000), b));
            }
        }
        Set(out)
    }

    /// The set as a `regex` class; `negated` matches every code point outside it.
    fn class(&self, negated: bool) -> String {
        let set = self.without_surrogates();
        if set.0.is_empty() {
            return if negated { "(?s:.)".into() } else { NOTHING.into() };
        }
        let mut out = String::from(if negated { "[^" } else { "[" });
        for &(a, b) in &set.0 {
            push_char(&mut out, a);
            if b > a {
                if b > a + 1 {
                    out.push('-');
                }
                push_char(&mut out, b);
            }
        }
        out.push(']');
        out
    }
}

/// A class that matches no code point.
const NOTHING: &str = r"[^\x{0}-\x{10FFFF}]";

/// Appends one code point as `regex` syntax: printable ASCII as it is, with a backslash before
/// the `regex` crate's meta characters, and everything else as a `\x{…}` escape, so that it means
/// the same inside and outside a class.
fn push_char(out: &mut String, c: u32) {
    match char::from_u32(c) {
        Some(c) if r"\.+*?()|[]{}^$#&-~".contains(c) => {
            out.push('\\');
            out.push(c);
        }
        Some(c) if c.is_ascii_graphic() => out.push(c),
        _ => out.push_str(&format!("\\x{{{c:X}}}")),
    }
}

/// A literal code point outside a class.
fn literal(c: u32) -> Result<String, Untranslatable> {
    if (0xD800..=0xDFFF).contains(&c) {
        return Err(Untranslatable::Surrogate);
    }
    let mut out = String::new();
    push_char(&mut out, c);
    Ok(out)
}

/// What a term parsed: an atom that a quantifier may follow, or an assertion.
enum Piece {
    Atom(String),
    /// `\b`, `\B`: quantifiable in ECMA without `u`, wrapped in a group to quantify here.
    Boundary(String),
    /// `^`, `$`: not quantifiable.
    Anchor(String),
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    /// Capturing groups in the whole pattern.
    groups: usize,
    /// Whether any group is named.
    named: bool,
    /// Read with the `u` flag: `\p{…}` is a Unicode property.
    unicode: bool,
    /// Inside `(?s:…)`.
    dot_all: bool,
    depth: usize,
}

/// Deeper group nesting than this is refused; regress and the `regex` crate have limits of the
/// same order.
const MAX_DEPTH: usize = 200;

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.at + offset).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        let n = s.chars().count();
        if self.chars[self.at.min(self.chars.len())..].iter().take(n).copied().eq(s.chars()) {
            self.at += n;
            true
        } else {
            false
        }
    }

    fn disjunction(&mut self) -> Result<String, Untranslatable> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Untranslatable::TooDeep);
        }
        let mut out = self.term()?;
        while self.eat('|') {
            out.push('|');
            out.push_str(&self.term()?);
        }
        self.depth -= 1;
        Ok(out)
    }

    fn term(&mut self) -> Result<String, Untranslatable> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            let piece = match c {
                ')' | '|' => break,
                '^' => {
                    self.at += 1;
                    Piece::Anchor("^".into())
                }
                '$' => {
                    self.at += 1;
                    Piece::Anchor("$".into())
                }
                '\\' => {
                    self.at += 1;
                    match self.peek().ok_or(Untranslatable::Invalid)? {
                        'b' => {
                            self.at += 1;
                            Piece::Boundary(r"(?-u:\b)".into())
                        }
                        'B' => {
                            self.at += 1;
                            Piece::Boundary(r"(?-u:\B)".into())
                        }
                        'c' => {
                            self.at += 1;
                            match self.peek() {
                                Some(l) if l.is_ascii_alphabetic() => {
                                    self.at += 1;
                                    Piece::Atom(literal(l as u32 % 32)?)
                                }
                                // `\c` not before a letter is a backslash and a `c`; a
                                // quantifier applies to the `c` only.
                                _ => {
                                    out.push_str(r"\\");
                                    Piece::Atom("c".into())
                                }
                            }
                        }
                        _ => Piece::Atom(self.atom_escape()?),
                    }
                }
                '.' => {
                    self.at += 1;
                    Piece::Atom(if self.dot_all { "(?s:.)".into() } else { Set::of(LINE_TERMINATORS).class(true) })
                }
                '(' => Piece::Atom(self.group()?),
                '[' => Piece::Atom(self.bracket()?),
                '*' | '+' | '?' => return Err(Untranslatable::Invalid),
                '{' if self.braced_quantifier().is_some() => return Err(Untranslatable::Invalid),
                _ => {
                    self.at += 1;
                    Piece::Atom(literal(c as u32)?)
                }
            };
            let quantifier = self.quantifier();
            match (piece, quantifier) {
                (Piece::Atom(atom), Some(q)) => {
                    out.push_str(&atom);
                    out.push_str(&q);
                }
                (Piece::Boundary(atom), Some(q)) => {
                    out.push_str("(?:");
                    out.push_str(&atom);
                    out.push(')');
                    out.push_str(&q);
                }
                (Piece::Anchor(_), Some(_)) => return Err(Untranslatable::Invalid),
                (Piece::Atom(atom) | Piece::Boundary(atom) | Piece::Anchor(atom), None) => out.push_str(&atom),
            }
        }
        Ok(out)
    }

    /// `(…)`, `(?:…)`, `(?<name>…)`, `(?s-i:…)`; lookarounds are refused.
    fn group(&mut self) -> Result<String, Untranslatable> {
        if self.eat_str("(?=") || self.eat_str("(?!") || self.eat_str("(?<=") || self.eat_str("(?<!") {
            return Err(Untranslatable::Lookaround);
        }
        let saved = self.dot_all;
        if self.eat_str("(?:") {
        } else if self.eat_str("(?<") {
            // A named group: regress checked the name.
            while self.peek().is_some_and(|c| c != '>') {
                self.at += 1;
            }
            if !self.eat('>') {
                return Err(Untranslatable::Invalid);
            }
        } else if self.eat_str("(?") {
            // Modifiers: `i`, `m`, `s`, a `-`, and more of them, then `:`.
            let mut on = true;
            loop {
                match self.peek().ok_or(Untranslatable::Invalid)? {
                    '-' => on = false,
                    's' => self.dot_all = on,
                    'i' if on => return Err(Untranslatable::CaseInsensitive),
                    'm' if on => return Err(Untranslatable::Multiline),
                    // Turning off what is already off changes nothing.
                    'i' | 'm' => {}
                    ':' => break,
                    _ => return Err(Untranslatable::Invalid),
                }
                self.at += 1;
            }
            self.at += 1;
        } else {
            self.at += 1;
        }
        let inner = self.disjunction()?;
        self.dot_all = saved;
        if !self.eat(')') {
            return Err(Untranslatable::Invalid);
        }
        Ok(format!("(?:{inner})"))
    }

    /// `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each maybe followed by `?`.
    fn quantifier(&mut self) -> Option<String> {
        let mut q = match self.peek()? {
            '*' | '+' | '?' => {
                self.at += 1;
                self.chars[self.at - 1].to_string()
            }
            '{' => {
                let (min, max) = self.braced_quantifier()?;
                match max {
                    Some(Some(max)) if max == min => format!("{{{min}}}"),
                    Some(Some(max)) => format!("{{{min},{max}}}"),
                    Some(None) => format!("{{{min},}}"),
                    None => format!("{{{min}}}"),
                }
            }
            _ => return None,
        };
        if self.eat('?') {
            q.push('?');
        }
        Some(q)
    }

    /// A `{n}`, `{n,}` or `{n,m}` at the cursor, consumed; nothing consumed when there is none.
    /// The maximum is `None` for `{n}`, `Some(None)` for `{n,}`. Counts saturate, as regress's.
    fn braced_quantifier(&mut self) -> Option<(usize, Option<Option<usize>>)> {
        let start = self.at;
        let result = (|| {
            if !self.eat('{') {
                return None;
            }
            let min = self.decimal()?;
            let max = if self.eat(',') { Some(self.decimal()) } else { None };
            self.eat('}').then_some((min, max))
        })();
        if result.is_none() {
            self.at = start;
        }
        result
    }

    fn decimal(&mut self) -> Option<usize> {
        let start = self.at;
        let mut value: usize = 0;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            value = value.saturating_mul(10).saturating_add(d as usize);
            self.at += 1;
        }
        (self.at > start).then_some(value)
    }

    /// After a `\` outside a class: a class escape, a backreference (refused), or a character.
    fn atom_escape(&mut self) -> Result<String, Untranslatable> {
        let c = self.peek().ok_or(Untranslatable::Invalid)?;
        let class = |ranges: &[(u32, u32)], negated: bool| Set::of(ranges).class(negated);
        let out = match c {
            'd' | 'D' => class(DIGITS, c == 'D'),
            'w' | 'W' => class(WORD, c == 'W'),
            's' | 'S' => class(SPACE, c == 'S'),
            'p' | 'P' if self.unicode => {
                self.at += 1;
                return Ok(self.property_escape()?.class(c == 'P'));
            }
            '1'..='9' => {
                let start = self.at;
                let number = self.decimal().unwrap_or(0);
                if number <= self.groups {
                    return Err(Untranslatable::Backreference);
                }
                self.at = start;
                return literal(self.character_escape()?);
            }
            'k' if self.named => return Err(Untranslatable::Backreference),
            _ => return literal(self.character_escape()?),
        };
        self.at += 1;
        Ok(out)
    }

    /// A CharacterEscape after its `\`, as regress reads it without the `u` flag.
    fn character_escape(&mut self) -> Result<u32, Untranslatable> {
        let c = self.peek().ok_or(Untranslatable::Invalid)?;
        self.at += 1;
        Ok(match c {
            'f' => 0x0C,
            'n' => 0x0A,
            'r' => 0x0D,
            't' => 0x09,
            'v' => 0x0B,
            'c' => match self.peek() {
                Some(l) if l.is_ascii_alphabetic() => {
                    self.at += 1;
                    l as u32 % 32
                }
                _ => return Err(Untranslatable::Invalid),
            },
            '0' if !self.peek().is_some_and(|d| d.is_ascii_digit()) => 0,
            'x' => {
                let digits: Option<Vec<u32>> = (0..2).map(|i| self.peek_at(i).and_then(|c| c.to_digit(16))).collect();
                match digits {
                    Some(d) => {
                        self.at += 2;
                        d[0] * 16 + d[1]
                    }
                    None => 'x' as u32,
                }
            }
            'u' => self.unicode_escape().unwrap_or('u' as u32),
            '0'..='7' => {
                let digit = |c: Option<char>| c.and_then(|c| c.to_digit(8));
                let first = c as u32 - '0' as u32;
                match (c, self.peek()) {
                    ('0', Some('8' | '9')) => 0,
                    (_, next) if digit(next).is_none() => first,
                    ('4'..='7', next) => {
                        self.at += 1;
                        first * 8 + digit(next).unwrap_or(0)
                    }
                    (_, next) => {
                        self.at += 1;
                        let second = digit(next).unwrap_or(0);
                        match digit(self.peek()) {
                            Some(third) => {
                                self.at += 1;
                                first * 64 + second * 8 + third
                            }
                            None => first * 8 + second,
                        }
                    }
                }
            }
            // An identity escape: the character itself.
            other => other as u32,
        })
    }

    /// After `\u`: `XXXX` (a surrogate pair written as two such escapes is one code point) or
    /// `{X…}`; nothing consumed when neither follows.
    fn unicode_escape(&mut self) -> Option<u32> {
        let start = self.at;
        let hex4 = |p: &mut Parser| -> Option<u32> {
            let digits: Option<Vec<u32>> = (0..4).map(|i| p.peek_at(i).and_then(|c| c.to_digit(16))).collect();
            let digits = digits?;
            p.at += 4;
            Some(digits.iter().fold(0, |v, d| v * 16 + d))
        };
        if self.eat('{') {
            let mut value: u32 = 0;
            let mut any = false;
            loop {
                match self.peek() {
                    Some('}') => {
                        self.at += 1;
                        break;
                    }
                    Some(c) if c.is_ascii_hexdigit() => {
                        value = value.saturating_mul(16).saturating_add(c.to_digit(16).unwrap_or(0));
                        any = true;
                        self.at += 1;
                    }
                    _ => {
                        self.at = start;
                        return None;
                    }
                }
            }
            if !any || value > MAX {
                self.at = start;
                return None;
            }
            return Some(value);
        }
        let Some(high) = hex4(self) else {
            self.at = start;
            return None;
        };
        if (0xD800..=0xDBFF).contains(&high) {
            let after_high = self.at;
            if self.eat_str("\\u") {
                if let Some(low) = hex4(self).filter(|low| (0xDC00..=0xDFFF).contains(low)) {
                    return Some(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00));
                }
                self.at = after_high;
            }
        }
        Some(high)
    }

    /// `{name}` or `{name=value}` after a `\p` or `\P` read in `u` mode: the property's code
    /// points.
    fn property_escape(&mut self) -> Result<Set, Untranslatable> {
        if !self.eat('{') {
            return Err(Untranslatable::Invalid);
        }
        let start = self.at;
        while self.peek().is_some_and(|c| c != '}') {
            self.at += 1;
        }
        let name: String = self.chars[start..self.at].iter().collect();
        if !self.eat('}') {
            return Err(Untranslatable::Invalid);
        }
        property(&name).map(|ranges| Set::of(&ranges)).ok_or(Untranslatable::Invalid)
    }

    /// `[…]` or `[^…]`.
    fn bracket(&mut self) -> Result<String, Untranslatable> {
        self.at += 1;
        let negated = self.eat('^');
        let mut set = Set::default();
        loop {
            match self.peek() {
                None => return Err(Untranslatable::Invalid),
                Some(']') => {
                    self.at += 1;
                    return Ok(set.class(negated));
                }
                _ => {}
            }
            let Some(first) = self.class_atom()? else { continue };
            if !self.eat('-') {
                first.add_to(&mut set);
                continue;
            }
            let Some(second) = self.class_atom()? else {
                first.add_to(&mut set);
                set.add('-' as u32, '-' as u32);
                continue;
            };
            match (&first, &second) {
                (ClassAtom::Char(a), ClassAtom::Char(b)) if a <= b => set.add(*a, *b),
                (ClassAtom::Char(_), ClassAtom::Char(_)) => return Err(Untranslatable::Invalid),
                _ => {
                    first.add_to(&mut set);
                    set.add('-' as u32, '-' as u32);
                    second.add_to(&mut set);
                }
            }
        }
    }

    /// One atom of a class; `None` at its `]` or the end.
    fn class_atom(&mut self) -> Result<Option<ClassAtom>, Untranslatable> {
        let Some(c) = self.peek() else { return Ok(None) };
        match c {
            ']' => Ok(None),
            '\\' => {
                self.at += 1;
                let e = self.peek().ok_or(Untranslatable::Invalid)?;
                let set = |ranges: &[(u32, u32)], negated: bool| {
                    let set = Set::of(ranges);
                    ClassAtom::Set(if negated { set.inverted() } else { set })
                };
                let atom = match e {
                    'b' => ClassAtom::Char(0x08),
                    'd' | 'D' => set(DIGITS, e == 'D'),
                    'w' | 'W' => set(WORD, e == 'W'),
                    's' | 'S' => set(SPACE, e == 'S'),
                    'p' | 'P' if self.unicode => {
                        self.at += 1;
                        let set = self.property_escape()?;
                        return Ok(Some(ClassAtom::Set(if e == 'P' { set.inverted() } else { set })));
                    }
                    'c' => {
                        return Ok(Some(match self.peek_at(1) {
                            Some(l) if l.is_ascii_alphanumeric() || l == '_' => {
                                self.at += 2;
                                ClassAtom::Char(if l.is_ascii_alphabetic() { l as u32 % 32 } else { l as u32 & 0x1F })
                            }
                            // The backslash alone; the `c` is read as the next atom.
                            _ => ClassAtom::Char('\\' as u32),
                        }));
                    }
                    _ => return Ok(Some(ClassAtom::Char(self.character_escape()?))),
                };
                self.at += 1;
                Ok(Some(atom))
            }
            _ => {
                self.at += 1;
                Ok(Some(ClassAtom::Char(c as u32)))
            }
        }
    }
}

enum ClassAtom {
    Char(u32),
    Set(Set),
}

impl ClassAtom {
    fn add_to(&self, set: &mut Set) {
        match self {
            ClassAtom::Char(c) => set.add(*c, *c),
            ClassAtom::Set(other) => set.add_set(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translations_spell_out_ecma_semantics() {
        for (ecma, translated) in [
            ("^(a+)+$", "^(?:a+)+$"),
            (
                r"^\d{3}-\w+\s?$",
                r"^[0-9]{3}\-[0-9A-Z_a-z]+[\x{9}-\x{D}\x{20}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]?$",
            ),
            (".", r"[^\x{A}\x{D}\x{2028}\x{2029}]"),
            ("(?s:.)", "(?:(?s:.))"),
            (r"\bword\B", r"(?-u:\b)word(?-u:\B)"),
            (r"[^\D_]", r"[^\x{0}-/:-\x{D7FF}\x{E000}-\x{10FFFF}]"),
            (r"(?<year>\d{4})", "(?:[0-9]{4})"),
            (r"\p{Foo}", r"p\{Foo\}"),
            (r"\p", "p"),
            (r"\p{ASCII}\P{ASCII}", r"[\x{0}-\x{7F}][^\x{0}-\x{7F}]"),
            (r"[\p{ASCII_Hex_Digit}_][^\P{AHex}]", r"[0-9A-F_a-f][^\x{0}-/:-@G-`g-\x{D7FF}\x{E000}-\x{10FFFF}]"),
            (r"\p{gc=Cs}", NOTHING),
            (r"a{,2}", r"a\{,2\}"),
            (r"\8\1", r"8\x{1}"),
            (r"\u00e9\u{1F600}\uD83D\uDE00", r"\x{E9}\x{1F600}\x{1F600}"),
            (r"[\uD800-\uDFFF]", r"[^\x{0}-\x{10FFFF}]"),
            (r"\cJ[\c_]\c", r"\x{A}[\x{1F}]\\c"),
            ("", ""),
        ] {
            assert_eq!(translate(ecma).as_deref(), Ok(translated), "{ecma}");
        }
    }

    #[test]
    fn property_escapes_read_as_text_are_found() {
        let found = |ecma| literal_property_escape(ecma).map(|(escape, _)| escape);
        assert_eq!(found(r"^\p{Letters}+$").as_deref(), Some(r"\p{Letters}"));
        assert_eq!(found(r"^\p{L}[\w-.]\P{Nd}").as_deref(), Some(r"\p{L}"));
        assert_eq!(found(r"a{\\p{L}\P{x").as_deref(), Some(r"\P{x"));
        for unflagged in [r"^\p{L}+$", r"\\p{L}", r"a{\p", r"[\w-.]", r"(\p{L}"] {
            assert_eq!(found(unflagged), None, "{unflagged}");
        }
    }

    #[test]
    fn what_the_regex_crate_cannot_express_is_refused() {
        for (ecma, reason) in [
            (r"(a)\1", Untranslatable::Backreference),
            (r"(?<x>a)\k<x>", Untranslatable::Backreference),
            (r"^(?=.*\d).{8,}$", Untranslatable::Lookaround),
            (r"(?!a)", Untranslatable::Lookaround),
            (r"(?<=a)b", Untranslatable::Lookaround),
            (r"(?<!a)b", Untranslatable::Lookaround),
            ("(?i:a)", Untranslatable::CaseInsensitive),
            ("(?m:^a)", Untranslatable::Multiline),
            (r"\uD800", Untranslatable::Surrogate),
            ("(?:[a-z]{1000}){1000}", Untranslatable::TooLarge),
            ("(", Untranslatable::Invalid),
        ] {
            assert_eq!(translate(ecma), Err(reason), "{ecma}");
        }
    }

    /// Every seventh code point, and the edges of the ranges, matched by each engine against
    /// property escapes read in `u` mode: the written-out classes hold what regress's do.
    #[test]
    fn property_escapes_match_what_regress_matches() {
        for pattern in [
            r"^\p{L}$",
            r"^\P{Letter}$",
            r"^[^\p{Lu}\d]$",
            r"^\p{Script=Greek}$",
            r"^\p{scx=Deva}$",
            r"^\p{digit}$",
            r"^[\p{Emoji}\P{Any}]$",
        ] {
            let translated = translate(pattern).unwrap();
            let (ecma, unicode) = ecma_regex(pattern).unwrap();
            assert!(unicode, "{pattern} is read in u mode");
            let linear = regex::Regex::new(&translated).unwrap();
            let edges = property(&pattern[pattern.find('{').unwrap() + 1..pattern.find('}').unwrap()]).unwrap();
            let sample =
                (0..=MAX).step_by(7).chain(edges.iter().flat_map(|&(a, b)| [a.saturating_sub(1), a, b, b + 1]));
            let mut text = String::new();
            for c in sample.filter_map(char::from_u32) {
                text.clear();
                text.push(c);
                assert_eq!(linear.is_match(&text), ecma.find(&text).is_some(), "{pattern} on U+{:04X}", c as u32);
            }
        }
    }

    /// Random patterns built from pieces of ECMA-262 syntax that differ between the engines,
    /// each translated and matched against random strings by both regress and the `regex`
    /// crate: they must agree on every string. A fixed seed keeps the run the same everywhere.
    #[test]
    fn translations_match_exactly_what_regress_matches() {
        const PIECES: &[&str] = &[
            "a",
            "b",
            "0",
            "_",
            " ",
            "-",
            ".",
            r"\d",
            r"\D",
            r"\w",
            r"\W",
            r"\s",
            r"\S",
            r"\b",
            r"\B",
            "[",
            "]",
            "[^",
            "(",
            ")",
            "(?:",
            "(?<n>",
            "(?s:",
            "(?-i:",
            "|",
            "*",
            "+",
            "?",
            "{",
            "}",
            "{2}",
            "{1,2}",
            "{0,}",
            ",",
            "^",
            "$",
            r"\",
            r"\1",
            r"\8",
            r"\0",
            r"\01",
            r"\12",
            r"\x41",
            r"\x4",
            r"\u00e9",
            r"\u{1F600}",
            r"\u{",
            r"\uD83D\uDE00",
            r"\cA",
            r"\c1",
            r"\c",
            r"\k",
            r"\p",
            r"\-",
            r"\n",
            r"\t",
            r"\v",
            r"\r",
            "é",
            "😀",
            "\u{2028}",
            "\u{a0}",
            "a-z",
            r"\d-z",
            r"\]",
            r"\.",
            "/",
            "<",
            ">",
            r"[\uD800-\uDFFF]",
            r"[^\uD800]",
            "(?=",
            "(?i:",
            r"\cz",
            r"[\c_]",
            r"[\c]",
            r"\x7f",
            r"\377",
            r"[\b]",
            r"[\B]",
            "[a-]",
            r"[\w-]",
            // Property escapes; mostly small ones, since the `regex` crate takes milliseconds
            // to compile a class of hundreds of ranges in a debug build.
            r"\p{Letter}",
            r"\P{L}",
            r"\p{digit}",
            r"\P{Nd}",
            r"\p{Script=Greek}",
            r"\p{sc=Beng}",
            r"\p{scx=Grek}",
            r"\p{ASCII}",
            r"\p{White_Space}",
            r"\p{Any}",
            r"[\p{Nd}a]",
            r"[^\p{Greek}_]",
            r"[\P{ASCII}]",
            r"\p{Foo}",
            r"\p{",
            r"{L}",
        ];
        const TEXT: &[&str] = &[
            "a",
            "b",
            "0",
            "9",
            "_",
            " ",
            "-",
            "\n",
            "\r",
            "\u{2028}",
            "\u{a0}",
            "\u{feff}",
            "é",
            "😀",
            "A",
            "\u{1}",
            "\u{8}",
            "{",
            "}",
            "]",
            "p",
            "k",
            "\\",
            "c",
            ".",
            "\t",
            "\u{b}",
            "\u{1d}",
            "π",
            "Σ",
            "৪",
            "L",
            "Ǆ",
            "\u{10FFFF}",
        ];
        let mut below = crate::tests::xorshift(0x9E37_79B9_7F4A_7C15);
        let mut compared = 0;
        for _ in 0..6_000 {
            let pattern: String = (0..1 + below(6)).map(|_| PIECES[below(PIECES.len())]).collect();
            let Ok(translated) = translate(&pattern) else { continue };
            let (ecma, _) = ecma_regex(&pattern).unwrap();
            let linear = regex::Regex::new(&translated).unwrap();
            for _ in 0..24 {
                let text: String = (0..below(8)).map(|_| TEXT[below(TEXT.len())]).collect();
                assert_eq!(
                    linear.find(&text).is_some(),
                    ecma.find(&text).is_some(),
                    "`{pattern}` as `{translated}` on {text:?}"
                );
            }
            compared += 1;
        }
        assert!(compared > 2_000, "only {compared} random patterns translated");
    }
}
