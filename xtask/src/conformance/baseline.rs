//! The committed baseline in `conformance/`: the minimum pass counts in `thresholds.toml`, and
//! the lists of cases that still fail, one markdown file per draft and part.
//!
//! Both only move when someone runs `--update`, so a drop in conformance fails the run instead
//! of quietly becoming the new normal.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::suite::{Draft, Part, Suite};

/// Minimum passing cases of one draft.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Minimums {
    #[serde(default)]
    required: usize,
    #[serde(default)]
    optional_format: usize,
    #[serde(default)]
    optional_regex: usize,
}

/// `thresholds.toml`: a table per draft directory name.
#[derive(Debug, Default)]
pub struct Thresholds {
    drafts: BTreeMap<String, Minimums>,
}

impl Thresholds {
    /// Reads the file; one that does not exist yet means every minimum is zero.
    pub fn load(path: &Path) -> Result<Thresholds, String> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Thresholds::default()),
            Err(err) => return Err(format!("cannot read {}: {err}", path.display())),
        };
        let drafts: BTreeMap<String, Minimums> =
            toml::from_str(&text).map_err(|e| format!("{} is not a valid thresholds file: {e}", path.display()))?;
        // A misspelt draft would otherwise be a threshold nobody checks.
        if let Some(unknown) = drafts.keys().find(|k| !Draft::ALL.iter().any(|d| d.dir_name() == k.as_str())) {
            let known: Vec<&str> = Draft::ALL.iter().map(|d| d.dir_name()).collect();
            return Err(format!(
                "{}: unknown draft `[{unknown}]`; expected one of {}",
                path.display(),
                known.join(", ")
            ));
        }
        Ok(Thresholds { drafts })
    }

    pub fn get(&self, suite: Suite) -> usize {
        let minimums = self.drafts.get(suite.draft.dir_name()).copied().unwrap_or_default();
        match suite.part {
            Part::Required => minimums.required,
            Part::OptionalFormat => minimums.optional_format,
            Part::OptionalRegex => minimums.optional_regex,
        }
    }

    pub fn set(&mut self, suite: Suite, passed: usize) {
        let minimums = self.drafts.entry(suite.draft.dir_name().to_string()).or_default();
        match suite.part {
            Part::Required => minimums.required = passed,
            Part::OptionalFormat => minimums.optional_format = passed,
            Part::OptionalRegex => minimums.optional_regex = passed,
        }
    }

    /// The file's text, every draft listed, newest first.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# Minimum number of passing JSON-Schema-Test-Suite cases per draft, checked by\n\
             # `cargo xtask conformance`: a run that passes fewer fails. Only\n\
             # `cargo xtask conformance --update` (and `--update --optional-format` or\n\
             # `--update --optional-regex`) changes them, setting them to the figures of that run;\n\
             # do not edit them by hand.\n",
        );
        for draft in Draft::ALL {
            let minimums = self.drafts.get(draft.dir_name()).copied().unwrap_or_default();
            let _ = write!(
                out,
                "\n[{}]\nrequired = {}\noptional-format = {}\noptional-regex = {}\n",
                draft.dir_name(),
                minimums.required,
                minimums.optional_format,
                minimums.optional_regex
            );
        }
        out
    }
}

/// `conformance/<slug>-failures.md`.
pub fn failures_path(conformance_dir: &Path, suite: Suite) -> PathBuf {
    conformance_dir.join(format!("{}-failures.md", suite.slug()))
}

/// One line of a failures list. Descriptions are flattened to one line so that each case is
/// exactly one line and lists diff well.
pub fn case_line(file: &str, group: &str, case: &str) -> String {
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("- {file} / {} / {}", flat(group), flat(case))
}

/// The case lines of a committed list, or `None` when there is no list yet.
pub fn read_failures(path: &Path) -> Option<HashSet<String>> {
    let text = fs::read_to_string(path).ok()?;
    Some(text.lines().filter(|l| l.starts_with("- ")).map(str::to_string).collect())
}

/// A failures list: a heading that says what it is, then a section per file. `failing` holds
/// each failing case's file, line and reason, in suite order; the reason is written under the
/// case, indented, so the case lines stay what `read_failures` reads.
pub fn render_failures(suite: Suite, failing: &[(String, String, String)]) -> String {
    let mut out = format!(
        "# Still failing: {}, {} tests\n\n\
         The cases of the JSON-Schema-Test-Suite that schemagen's generated validators do not yet get\n\
         right, written by `cargo xtask conformance --draft {}{} --update`. This list only shrinks:\n\
         `conformance/thresholds.toml` stops the pass count from falling, so fix a case and update the\n\
         list rather than adding to it. Under each case, the reason it fails. {} cases.\n",
        suite.draft.dir_name(),
        suite.part.title(),
        suite.draft.dir_name().trim_start_matches("draft"),
        suite.part.flag(),
        failing.len(),
    );
    let mut current: Option<&str> = None;
    for (file, line, reason) in failing {
        if current != Some(file.as_str()) {
            let _ = write!(out, "\n## {file}\n\n");
            current = Some(file);
        }
        out.push_str(line);
        out.push('\n');
        let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
        let _ = writeln!(out, "  {reason}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_round_trip_and_reject_unknown_drafts() {
        let dir = std::env::temp_dir().join(format!("xtask-baseline-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("thresholds.toml");
        let mut thresholds = Thresholds::load(&path).unwrap();
        let suite = Suite { draft: Draft::D7, part: Part::OptionalFormat };
        assert_eq!(thresholds.get(suite), 0);
        thresholds.set(suite, 42);
        fs::write(&path, thresholds.render()).unwrap();
        let again = Thresholds::load(&path).unwrap();
        assert_eq!(again.get(suite), 42);
        assert_eq!(again.get(Suite { draft: Draft::D7, part: Part::Required }), 0);
        fs::write(&path, "[draft6]\nrequired = 1\n").unwrap();
        let err = Thresholds::load(&path).unwrap_err();
        let _ = fs::remove_dir_all(&dir);
        assert!(err.contains("unknown draft `[draft6]`"), "{err}");
    }

    #[test]
    fn failure_lists_group_by_file_and_read_back() {
        let suite = Suite { draft: Draft::D2020_12, part: Part::Required };
        let line = case_line("type.json", "integer\ntype", "a  float");
        assert_eq!(line, "- type.json / integer type / a float");
        let text = render_failures(
            suite,
            &[
                ("type.json".into(), line.clone(), "accepted an invalid document".into()),
                ("ref.json".into(), "- ref.json / a / b".into(), "no model: E012".into()),
            ],
        );
        assert!(
            text.contains(
                "## type.json\n\n- type.json / integer type / a float\n  accepted an invalid document\n\n## ref.json\n"
            ),
            "{text}"
        );
        let dir = std::env::temp_dir().join(format!("xtask-failures-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = failures_path(&dir, suite);
        fs::write(&path, &text).unwrap();
        let read = read_failures(&path).unwrap();
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(read.len(), 2);
        assert!(read.contains(&line));
    }
}
