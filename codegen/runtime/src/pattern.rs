//! JSON Schema `pattern`s as generated validators match them.
//!
//! The generator translates every ECMA-262 pattern it can into the `regex` crate's syntax
//! (`schemagen::pattern`), exactly, and those are matched in time linear in the text: no
//! document can make such a validator backtrack. Patterns with backreferences, lookaround and
//! the few other things the `regex` crate cannot express stay ECMA-262 and are matched by
//! regress, which backtracks; the generator warns about each (W040).

/// A compiled `pattern`. Generated crates keep one per pattern in a `LazyLock`, so each is
/// compiled once, on first use.
#[derive(Debug)]
pub struct Pattern(Engine);

#[derive(Debug)]
enum Engine {
    /// `find` asks for the match's position as well: `(?-u:\B)` can make `is_match` miss a
    /// match that `find` reports (regex 1.13), so patterns with it use `find`.
    Linear {
        regex: regex::Regex,
        find: bool,
    },
    Backtracking(regress::Regex),
    /// The generator compiled every pattern, so this only happens with another `regex` or
    /// regress version than the generator's; such a pattern matches nothing.
    Invalid,
}

impl Pattern {
    /// A pattern in the `regex` crate's syntax, translated from ECMA-262 by the generator:
    /// matching takes time linear in the text.
    pub fn linear(translated: &str) -> Pattern {
        Pattern(match regex::Regex::new(translated) {
            Ok(regex) => Engine::Linear { regex, find: translated.contains(r"(?-u:\B)") },
            Err(_) => Engine::Invalid,
        })
    }

    /// An ECMA-262 pattern the `regex` crate cannot express, matched by a backtracking engine:
    /// a hostile text can take it exponential time. Read as the generator reads it
    /// (`schemagen::pattern::ecma_regex`): with the `u` flag when it is valid there, so
    /// `\p{Letter}` is a Unicode property, else without flags.
    pub fn backtracking(ecma: &str) -> Pattern {
        let regex = regress::Regex::with_flags(ecma, "u").or_else(|_| regress::Regex::new(ecma));
        Pattern(regex.map_or(Engine::Invalid, Engine::Backtracking))
    }

    /// Whether the pattern matches anywhere in `text` (JSON Schema patterns are not anchored).
    #[inline]
    pub fn is_match(&self, text: &str) -> bool {
        match &self.0 {
            Engine::Linear { regex, find: false } => regex.is_match(text),
            Engine::Linear { regex, find: true } => regex.find(text).is_some(),
            Engine::Backtracking(regex) => regex.find(text).is_some(),
            Engine::Invalid => false,
        }
    }

    /// Whether matching takes time linear in the text.
    pub fn is_linear(&self) -> bool {
        matches!(self.0, Engine::Linear { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// regex 1.13's `is_match` misses this match of a pattern with `(?-u:\B)`; `find` sees it.
    #[test]
    fn a_non_boundary_does_not_hide_a_match() {
        let pattern = Pattern::linear(r"p\x{2028}|(?-u:\B)");
        assert!(pattern.is_match("p\u{2028}_"));
        assert!(!Pattern::linear(r"b|(?-u:\B)").is_match("p\u{2028}_"));
    }

    /// `\p{…}` is a Unicode property where the pattern is valid with the `u` flag, and the
    /// letter `p` where it is not (`\p{L}{` keeps its Annex B literal brace).
    #[test]
    fn backtracking_patterns_read_properties_in_u_mode() {
        let letters = Pattern::backtracking(r"^(\p{L})\1$");
        assert!(letters.is_match("ππ") && !letters.is_match("11"));
        let annex_b = Pattern::backtracking(r"^\p{L}{$");
        assert!(annex_b.is_match("p{L}{") && !annex_b.is_match("π{"));
    }

    #[test]
    fn a_pattern_that_does_not_compile_matches_nothing() {
        assert!(!Pattern::linear("(").is_match(""));
        assert!(!Pattern::backtracking("(").is_match(""));
    }

    /// The catastrophic pattern, translated, on a text that makes a backtracking engine try
    /// every way of splitting 100,000 `a`s: a linear engine answers at once.
    #[test]
    fn nested_quantifiers_do_not_backtrack() {
        let pattern = Pattern::linear("^(?:a+)+$");
        assert!(pattern.is_linear());
        let text = format!("{}b", "a".repeat(100_000));
        assert!(!pattern.is_match(&text));
        assert!(pattern.is_match(&text[..100_000]));
    }
}
