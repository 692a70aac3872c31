//! The JSON-Schema-Test-Suite as the harness sees it: which files make up a draft's required or
//! optional/format part, the groups and cases in them, and the schema files schemagen reads.
//!
//! The suite is data we do not control, so every shape is checked while reading and a file that
//! does not fit is an error naming the file, never a panic.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

/// One draft directory of the suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Draft {
    D2020_12,
    D2019_09,
    D7,
    D4,
}

impl Draft {
    /// In the order they are run and listed in `thresholds.toml`: newest first.
    pub const ALL: [Draft; 4] = [Draft::D2020_12, Draft::D2019_09, Draft::D7, Draft::D4];

    /// The directory under `tests/`, also the key of the draft in `thresholds.toml`.
    pub fn dir_name(self) -> &'static str {
        match self {
            Draft::D2020_12 => "draft2020-12",
            Draft::D2019_09 => "draft2019-09",
            Draft::D7 => "draft7",
            Draft::D4 => "draft4",
        }
    }

    /// The `$schema` a schema of this directory means when it names none. The suite says to
    /// assume the directory's draft for draft 7 and earlier; 2019-09 and 2020-12 groups declare
    /// it, or fall back to 2020-12 like any undeclared schema does in schemagen.
    fn implied_schema(self) -> Option<&'static str> {
        match self {
            Draft::D7 => Some("http://json-schema.org/draft-07/schema#"),
            Draft::D4 => Some("http://json-schema.org/draft-04/schema#"),
            Draft::D2020_12 | Draft::D2019_09 => None,
        }
    }
}

/// Which files of a draft are run: the required ones, the optional format-assertion ones, or the
/// optional ones about ECMA-262 regular expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Required,
    OptionalFormat,
    /// `optional/ecmascript-regex.json` and `optional/non-bmp-regex.json`.
    OptionalRegex,
}

impl Part {
    /// The key of the figure in `thresholds.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Part::Required => "required",
            Part::OptionalFormat => "optional-format",
            Part::OptionalRegex => "optional-regex",
        }
    }

    /// How the part is named in the printed report.
    pub fn title(self) -> &'static str {
        match self {
            Part::Required => "required",
            Part::OptionalFormat => "optional/format",
            Part::OptionalRegex => "optional/regex",
        }
    }

    /// The command-line flag that selects the part.
    pub fn flag(self) -> &'static str {
        match self {
            Part::Required => "",
            Part::OptionalFormat => " --optional-format",
            Part::OptionalRegex => " --optional-regex",
        }
    }
}

/// A draft and a part: one run of the harness, with its own scratch directory, models crate
/// and runner, so switching between parts does not rebuild the other's crates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suite {
    pub draft: Draft,
    pub part: Part,
}

impl Suite {
    /// `draft2020-12` or `draft2020-12-optional-format`: the scratch directory under
    /// `target/conformance/`, the suffix of the crate names and the prefix of the failures list.
    pub fn slug(self) -> String {
        match self.part {
            Part::Required => self.draft.dir_name().to_string(),
            Part::OptionalFormat => format!("{}-optional-format", self.draft.dir_name()),
            Part::OptionalRegex => format!("{}-optional-regex", self.draft.dir_name()),
        }
    }
}

/// One test group: a schema and the documents it must accept or reject.
#[derive(Debug)]
pub struct Group {
    /// The file relative to the draft directory: `type.json`, `optional/format/date.json`.
    pub file: String,
    /// The file name without `.json`, which names the group's module and schema directory.
    pub stem: String,
    /// Position of the group in its file.
    pub index: usize,
    pub description: String,
    pub schema: Value,
    pub cases: Vec<Case>,
}

#[derive(Debug)]
pub struct Case {
    pub description: String,
    pub data: Value,
    pub valid: bool,
}

#[derive(Deserialize)]
struct RawGroup {
    description: String,
    schema: Value,
    tests: Vec<RawCase>,
}

#[derive(Deserialize)]
struct RawCase {
    description: String,
    data: Value,
    valid: bool,
}

/// Reads the part's files of one draft whose name contains `filter`, in file-name order so that
/// every run numbers cases alike.
pub fn read(suite_dir: &Path, suite: Suite, filter: Option<&str>) -> Result<Vec<Group>, String> {
    let draft_dir = suite_dir.join("tests").join(suite.draft.dir_name());
    let (dir, prefix) = match suite.part {
        Part::Required => (draft_dir.clone(), ""),
        Part::OptionalFormat => (draft_dir.join("optional").join("format"), "optional/format/"),
        Part::OptionalRegex => (draft_dir.join("optional"), "optional/"),
    };
    let regex_files = ["ecmascript-regex.json", "non-bmp-regex.json"];
    let entries = fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    let mut groups = Vec::new();
    for path in paths {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        if suite.part == Part::OptionalRegex && !regex_files.contains(&name) {
            continue;
        }
        let file = format!("{prefix}{name}");
        if filter.is_some_and(|f| !file.contains(f)) {
            continue;
        }
        let stem = name.trim_end_matches(".json").to_string();
        let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let raw: Vec<RawGroup> = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not an array of test groups: {e}", path.display()))?;
        for (index, group) in raw.into_iter().enumerate() {
            groups.push(Group {
                file: file.clone(),
                stem: stem.clone(),
                index,
                description: group.description,
                schema: with_implied_schema(group.schema, suite.draft),
                cases: group
                    .tests
                    .into_iter()
                    .map(|c| Case { description: c.description, data: c.data, valid: c.valid })
                    .collect(),
            });
        }
    }
    Ok(groups)
}

/// Adds the directory's `$schema` to an object schema that names none, first so the written
/// file reads naturally. Boolean schemas have nowhere to put it and mean the same in every draft.
fn with_implied_schema(schema: Value, draft: Draft) -> Value {
    match (schema, draft.implied_schema()) {
        (Value::Object(object), Some(implied)) if !object.contains_key("$schema") => {
            let mut with = serde_json::Map::new();
            with.insert("$schema".into(), Value::String(implied.into()));
            with.extend(object);
            Value::Object(with)
        }
        (schema, _) => schema,
    }
}

/// Where a group's schema is written: `<dir>/<file-stem>/<group-index>.json`.
pub fn schema_path(schemas_dir: &Path, group: &Group) -> PathBuf {
    schemas_dir.join(&group.stem).join(format!("{}.json", group.index))
}

/// Replaces `schemas_dir` with one file per group, so no schema of an earlier, differently
/// filtered run is left behind to confuse someone reading the directory.
pub fn write_schemas(schemas_dir: &Path, groups: &[Group]) -> Result<(), String> {
    if schemas_dir.exists() {
        fs::remove_dir_all(schemas_dir).map_err(|e| format!("cannot clear {}: {e}", schemas_dir.display()))?;
    }
    for group in groups {
        let path = schema_path(schemas_dir, group);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let text = serde_json::to_string_pretty(&group.schema)
            .map_err(|e| format!("cannot encode the schema of {} group {}: {e}", group.file, group.index))?;
        fs::write(&path, text + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
