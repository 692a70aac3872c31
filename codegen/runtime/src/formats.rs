//! The `format` checks that need more than a few lines: URIs and IRIs (RFC 3986 and 3987) and
//! URI templates (RFC 6570) through `iri-string`, host names with IDNA A-labels and U-labels
//! (RFC 1123, RFC 5890–5893) through `idna` plus the RFC 5892 exceptions UTS #46 does not apply,
//! JSON Pointers (RFC 6901), Relative JSON Pointers, and durations (RFC 3339 appendix A).

use idna::uts46::{AsciiDenyList, Hyphens, Uts46};
use iri_string::spec::{IriSpec, UriSpec};

pub(crate) fn uri(s: &str) -> bool {
    iri_string::validate::iri::<UriSpec>(s).is_ok()
}

pub(crate) fn uri_reference(s: &str) -> bool {
    iri_string::validate::iri_reference::<UriSpec>(s).is_ok()
}

pub(crate) fn iri(s: &str) -> bool {
    iri_string::validate::iri::<IriSpec>(s).is_ok()
}

pub(crate) fn iri_reference(s: &str) -> bool {
    iri_string::validate::iri_reference::<IriSpec>(s).is_ok()
}

/// RFC 6570 (level 4, with errata 6937's single quote): literals and `{…}` expressions.
pub(crate) fn uri_template(s: &str) -> bool {
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '{' {
            let Some(end) = rest.find('}') else { return false };
            if !expression(&rest[1..end]) {
                return false;
            }
            rest = &rest[end + 1..];
        } else if c == '%' {
            if !pct_encoded(rest) {
                return false;
            }
            rest = &rest[3..];
        } else {
            if !template_literal(c) {
                return false;
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    true
}

fn pct_encoded(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && b[0] == b'%' && b[1].is_ascii_hexdigit() && b[2].is_ascii_hexdigit()
}

fn template_literal(c: char) -> bool {
    match c {
        '\u{21}' | '\u{23}'..='\u{24}' | '\u{26}'..='\u{3B}' | '\u{3D}' | '\u{3F}'..='\u{5B}' | '\u{5D}' | '\u{5F}' => {
            true
        }
        'a'..='z' | '~' => true,
        _ => !c.is_ascii() && (ucschar(c) || iprivate(c)),
    }
}

fn ucschar(c: char) -> bool {
    let c = c as u32;
    matches!(c, 0xA0..=0xD7FF | 0xF900..=0xFDCF | 0xFDF0..=0xFFEF)
        || ((0x10000..=0xEFFFD).contains(&c) && (c & 0xFFFF) <= 0xFFFD)
}

fn iprivate(c: char) -> bool {
    matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
}

/// The inside of `{…}`: an optional operator, then comma-separated `varname[:max-length|*]`.
fn expression(inner: &str) -> bool {
    let list = inner.strip_prefix(['+', '#', '.', '/', ';', '?', '&', '=', ',', '!', '@', '|']).unwrap_or(inner);
    !list.is_empty() && list.split(',').all(varspec)
}

fn varspec(spec: &str) -> bool {
    let (name, modifier) = match spec.find([':', '*']) {
        Some(i) => (&spec[..i], &spec[i..]),
        None => (spec, ""),
    };
    let modifier_ok = match modifier.strip_prefix(':') {
        _ if modifier.is_empty() || modifier == "*" => true,
        Some(max) => (1..=4).contains(&max.len()) && !max.starts_with('0') && max.bytes().all(|b| b.is_ascii_digit()),
        None => false,
    };
    let name_ok = !name.is_empty()
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && name.split('.').all(|part| {
            let mut rest = part;
            while let Some(c) = rest.chars().next() {
                if c == '%' {
                    if !pct_encoded(rest) {
                        return false;
                    }
                    rest = &rest[3..];
                } else if c.is_ascii_alphanumeric() || c == '_' {
                    rest = &rest[1..];
                } else {
                    return false;
                }
            }
            true
        });
    name_ok && modifier_ok
}

/// RFC 6901: empty, or `/`-separated tokens in which `~` is only ever `~0` or `~1`.
pub(crate) fn json_pointer(s: &str) -> bool {
    (s.is_empty() || s.starts_with('/')) && escapes_ok(s)
}

fn escapes_ok(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| b != b'~' || matches!(bytes.get(i + 1), Some(b'0' | b'1')))
}

/// A non-negative integer without leading zeros, then `#` or a JSON Pointer.
pub(crate) fn relative_json_pointer(s: &str) -> bool {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || (digits > 1 && s.starts_with('0')) {
        return false;
    }
    let rest = &s[digits..];
    rest == "#" || json_pointer(rest)
}

/// RFC 3339 appendix A: `P` then weeks alone, or date units (years, months, days) and/or `T`
/// and time units (hours, minutes, seconds), each unit at most once, in order, with no gaps.
pub(crate) fn duration(s: &str) -> bool {
    let Some(body) = s.strip_prefix('P') else { return false };
    if body.is_empty() {
        return false;
    }
    let (date, time) = match body.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (body, None),
    };
    let Some(date_units) = units(date) else { return false };
    if date_units == "W" {
        return time.is_none();
    }
    if !consecutive(&date_units, "YMD") {
        return false;
    }
    match time {
        None => !date_units.is_empty(),
        Some(time) => units(time).is_some_and(|t| !t.is_empty() && consecutive(&t, "HMS")),
    }
}

/// The unit letters of `1*DIGIT unit` elements, or `None` when the text is not such a sequence.
fn units(s: &str) -> Option<String> {
    let mut letters = String::new();
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let unit = rest[digits..].chars().next()?;
        if digits == 0 || !unit.is_ascii_uppercase() {
            return None;
        }
        letters.push(unit);
        rest = &rest[digits + 1..];
    }
    Some(letters)
}

/// Whether `units` is a run of consecutive letters of `order` (empty counts).
fn consecutive(units: &str, order: &str) -> bool {
    units.is_empty() || order.contains(units)
}

/// An ECMA-262 regular expression as the specification writes it: valid with the `u` flag, so
/// without the web-compatibility grammar of its Annex B, in which `\a` is the letter `a` and a
/// stray `{` or `]` is a literal. (A `pattern` keyword is still read with Annex B where the `u`
/// flag refuses it, for the schemas that rely on it; see `Pattern::backtracking`.)
pub(crate) fn regex(s: &str) -> bool {
    regress::Regex::with_flags(s, "u").is_ok()
}

/// RFC 1123 host names; labels starting `xn--` must be valid IDNA A-labels. With `idn`, labels
/// may also be U-labels (RFC 5890).
pub(crate) fn hostname(s: &str, idn: bool) -> bool {
    // RFC 3490 section 3.1: ideographic, fullwidth and halfwidth ideographic full stops
    // separate labels too.
    let normalized;
    let s = if idn && s.contains(['\u{3002}', '\u{FF0E}', '\u{FF61}']) {
        normalized = s.replace(['\u{3002}', '\u{FF0E}', '\u{FF61}'], ".");
        normalized.as_str()
    } else {
        s
    };
    if s.is_empty() || s.len() > 253 && !idn {
        return false;
    }
    let labels_ok = s.split('.').all(|label| {
        if label.is_ascii() {
            ascii_label(label)
        } else {
            idn && u_label(label) && a_label_len(label).is_some_and(|n| n <= 63)
        }
    });
    labels_ok
        && (!idn
            || Uts46::new()
                .to_ascii(s.as_bytes(), AsciiDenyList::STD3, Hyphens::Check, idna::uts46::DnsLength::Verify)
                .is_ok())
}

fn ascii_label(label: &str) -> bool {
    let ldh = !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !ldh {
        return false;
    }
    match label.get(..4) {
        Some(prefix) if prefix.eq_ignore_ascii_case("xn--") => {
            idna::punycode::decode_to_string(&label[4..]).is_some_and(|u| !u.is_ascii() && u_label(&u))
        }
        _ => true,
    }
}

fn a_label_len(label: &str) -> Option<usize> {
    idna::punycode::encode_str(label).map(|encoded| encoded.len() + 4)
}

/// A U-label as IDNA2008 has it: unchanged by UTS #46 mapping (so already lower case and NFC),
/// valid with hyphen, joiner and bidi checks, and passing RFC 5892's exceptions and contextual
/// rules that UTS #46 does not apply.
fn u_label(label: &str) -> bool {
    if label.is_empty() || label.contains('.') || label.chars().any(char::is_control) {
        return false;
    }
    let (mapped, result) = Uts46::new().to_unicode(label.as_bytes(), AsciiDenyList::STD3, Hyphens::Check);
    if result.is_err() || mapped != label {
        return false;
    }
    let chars: Vec<char> = label.chars().collect();
    chars.iter().enumerate().all(|(i, &c)| idna2008_valid(c) && contexto_ok(&chars, i, c))
}

/// Whether RFC 5892 (section 3) lets `c` into a U-label, as PVALID or under a contextual rule:
/// the steps UTS #46 does not take. A code point that is not an exception (section 2.6), a
/// letter, digit or hyphen of ASCII, or a joiner must be a letter, mark or decimal digit
/// (`LetterDigits`: `¡`, which `xn--7a` decodes to, is punctuation), and must not be in
/// `IgnorableProperties`, `IgnorableBlocks` or `OldHangulJamo`. Unassigned code points and
/// those NFKC case folding changes (`Unstable`) are already refused by UTS #46's mapping.
fn idna2008_valid(c: char) -> bool {
    use icu_properties::props::{
        DefaultIgnorableCodePoint, GeneralCategory as Gc, HangulSyllableType as Hst, NoncharacterCodePoint, WhiteSpace,
    };
    use icu_properties::{CodePointMapData, CodePointSetData};

    match c {
        // Exceptions that are PVALID, and those that are CONTEXTO (`contexto_ok` checks them).
        '\u{00DF}' | '\u{03C2}' | '\u{06FD}' | '\u{06FE}' | '\u{0F0B}' | '\u{3007}' => return true,
        '\u{00B7}'
        | '\u{0375}'
        | '\u{05F3}'
        | '\u{05F4}'
        | '\u{30FB}'
        | '\u{0660}'..='\u{0669}'
        | '\u{06F0}'..='\u{06F9}' => {
            return true;
        }
        // LDH, and the joiners (CONTEXTJ, checked by UTS #46).
        'a'..='z' | '0'..='9' | '-' | '\u{200C}' | '\u{200D}' => return true,
        // IgnorableBlocks: Combining Diacritical Marks for Symbols, Musical Symbols, Ancient
        // Greek Musical Notation.
        '\u{20D0}'..='\u{20FF}' | '\u{1D100}'..='\u{1D1FF}' | '\u{1D200}'..='\u{1D24F}' => return false,
        _ => {}
    }
    let ignorable = CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
        || CodePointSetData::new::<WhiteSpace>().contains(c)
        || CodePointSetData::new::<NoncharacterCodePoint>().contains(c);
    let old_hangul_jamo =
        matches!(CodePointMapData::<Hst>::new().get(c), Hst::LeadingJamo | Hst::VowelJamo | Hst::TrailingJamo);
    !ignorable
        && !old_hangul_jamo
        && matches!(
            CodePointMapData::<Gc>::new().get(c),
            Gc::LowercaseLetter
                | Gc::UppercaseLetter
                | Gc::OtherLetter
                | Gc::DecimalNumber
                | Gc::ModifierLetter
                | Gc::NonspacingMark
                | Gc::SpacingMark
        )
}

fn contexto_ok(chars: &[char], i: usize, c: char) -> bool {
    let before = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
    let after = chars.get(i + 1).copied();
    match c {
        // DISALLOWED although UTS #46 lets them through (RFC 5892 section 2.6).
        '\u{0640}' | '\u{07FA}' | '\u{302E}' | '\u{302F}' | '\u{3031}'..='\u{3035}' | '\u{303B}' => false,
        // MIDDLE DOT only between two `l`s (Catalan).
        '\u{00B7}' => before == Some('l') && after == Some('l'),
        // GREEK LOWER NUMERAL SIGN (KERAIA) before a Greek character.
        '\u{0375}' => after.is_some_and(is_greek),
        // HEBREW GERESH and GERSHAYIM after a Hebrew character.
        '\u{05F3}' | '\u{05F4}' => before.is_some_and(is_hebrew),
        // KATAKANA MIDDLE DOT in a label with Hiragana, Katakana or Han.
        '\u{30FB}' => chars.iter().any(|&o| o != '\u{30FB}' && is_kana_or_han(o)),
        // ARABIC-INDIC and EXTENDED ARABIC-INDIC digits do not mix.
        '\u{0660}'..='\u{0669}' => !chars.iter().any(|o| ('\u{06F0}'..='\u{06F9}').contains(o)),
        '\u{06F0}'..='\u{06F9}' => !chars.iter().any(|o| ('\u{0660}'..='\u{0669}').contains(o)),
        _ => true,
    }
}

fn is_greek(c: char) -> bool {
    matches!(c, '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}')
}

fn is_hebrew(c: char) -> bool {
    matches!(c, '\u{0590}'..='\u{05FF}' | '\u{FB1D}'..='\u{FB4F}')
}

fn is_kana_or_han(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{309F}' // Hiragana
        | '\u{30A0}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}' | '\u{FF66}'..='\u{FF9F}' // Katakana
        | '\u{2E80}'..='\u{2FDF}' | '\u{3005}' | '\u{3007}' | '\u{3021}'..='\u{3029}' | '\u{3038}'..='\u{303B}'
        | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}' // Han
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A multi-byte character at any position of any format's value is an answer, not a panic
    /// (slicing a `&str` inside a character panics).
    #[test]
    fn no_format_panics_on_non_ascii() {
        let formats = [
            "date-time",
            "date",
            "time",
            "duration",
            "email",
            "idn-email",
            "hostname",
            "idn-hostname",
            "ipv4",
            "ipv6",
            "uri",
            "uri-reference",
            "iri",
            "iri-reference",
            "uri-template",
            "uuid",
            "json-pointer",
            "relative-json-pointer",
            "regex",
        ];
        let samples = [
            "1963-06-19T08:30:06.283185Z",
            "1963-06-19",
            "08:30:06+01:00",
            "P4DT12H30M5S",
            "joe.bloggs@example.com",
            "www.example.com",
            "192.168.0.1",
            "::1",
            "http://example.com/a?b#c",
            "{+v:3}",
            "/a/b~0",
            "0/a",
            "2eb8aa08-aa98-11ea-b4aa-73b441d16380",
        ];
        for sample in samples {
            for at in 0..=sample.len() {
                for inserted in ["\u{9E8}", "\u{E9}", "\u{1F600}"] {
                    let text = format!("{}{inserted}{}", &sample[..at], &sample[at..]);
                    for format in formats {
                        let _ = crate::validate::rules::format(format, &text);
                    }
                }
            }
        }
        assert!(!crate::validate::rules::format("time", "1\u{9E8}:00:00Z"));
        assert!(!crate::validate::rules::format("date-time", "1963-06-11T0\u{9EA}:00:00Z"));
    }

    #[test]
    fn durations_follow_rfc_3339() {
        for ok in ["P4DT12H30M5S", "P4Y", "PT0S", "P2W", "P1Y2M", "PT1M2S", "P01D"] {
            assert!(duration(ok), "{ok}");
        }
        for bad in
            ["PT1D", "P", "P1YT", "PT", "P2D1Y", "P1D2H", "P1Y2D", "PT1H2S", "P1WT1H", "P0Y1W", "PT0.5S", "-P1D", "P1"]
        {
            assert!(!duration(bad), "{bad}");
        }
    }

    #[test]
    fn uri_templates() {
        for ok in ["", "/users/{username}", "{+path:6}/here", "{v:1000}", "a\u{1F600}b", "'quoted'", "{a.b,c*}"] {
            assert!(uri_template(ok), "{ok}");
        }
        for bad in ["{v:0}", "{v:10000}", "{v:01}", "{a..b}", "{", "}", "{}", "a b", "%2"] {
            assert!(!uri_template(bad), "{bad}");
        }
    }

    #[test]
    fn pointers() {
        assert!(json_pointer("") && json_pointer("/a~0b/~1") && !json_pointer("/a~2") && !json_pointer("a"));
        assert!(relative_json_pointer("0#") && relative_json_pointer("2/0/baz") && relative_json_pointer("0//"));
        assert!(!relative_json_pointer("01/a") && !relative_json_pointer("+1/a") && !relative_json_pointer("0##"));
    }

    #[test]
    fn host_names() {
        assert!(hostname("www.example.com", false) && hostname("a--b.com", false) && hostname("xn--4dbc5h", false));
        assert!(!hostname("example.", false) && !hostname("host_name", false) && !hostname("xn--X", false));
        assert!(!hostname("\u{212A}elvin.example.com", false), "KELVIN SIGN is not ASCII");
        assert!(hostname("실례.테스트", true) && !hostname("\u{302E}실례.테스트", true));
        assert!(hostname("l\u{00B7}l", true) && !hostname("a\u{00B7}l", true));
        // RFC 5892's derived property: punctuation, symbols and old Hangul jamo are DISALLOWED,
        // although UTS #46 maps them to themselves.
        assert!(!hostname("xn--7a", false) && !hostname("xn--7a", true) && !hostname("a¡b", true));
        assert!(!hostname("a♥b", true) && !hostname("\u{1100}\u{1161}", true));
        assert!(
            hostname("ß", true)
                && hostname("ς", true)
                && hostname("δοκιμή", true)
                && hostname("xn--ihqwcrb4cv8a8dqg056pqjye", true)
        );
    }

    /// `format: regex` is ECMA-262 with the `u` flag: Annex B's identity escapes and literal
    /// braces are not regular expressions the specification defines.
    #[test]
    fn regexes_are_read_in_unicode_mode() {
        for valid in [r"^\p{Letter}+$", r"(?<n>a)\k<n>", r"(?<=a+)b", "[^]", r"\cA", r"\u{1F600}", r"[\w-]?"] {
            assert!(regex(valid), "{valid}");
        }
        for invalid in [r"\a", "a{", "]", r"\p{Foo}", r"[\w-a]", "(?P<n>x)", "(?i)abc"] {
            assert!(!regex(invalid), "{invalid}");
        }
    }
}
