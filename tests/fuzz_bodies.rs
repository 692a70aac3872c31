//! The bodies of the fuzz targets in `fuzz/`, shared with `tests/fuzz_smoke.rs`, which runs
//! them on a fixed set of generated inputs in every CI run. Each body must return normally for
//! every input: a panic, a hang or a stack overflow is a bug.

use std::path::{Path, PathBuf};

use schemagen::Options;
use schemagen_runtime::Validate;
use serde::de::DeserializeOwned;

/// A scratch directory for one fuzzing process; inputs are written to files in it because the
/// readers read files.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch { dir: tempfile::tempdir().expect("a temporary directory") }
    }
}

impl Scratch {
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("writing a fuzz input");
        path
    }

    fn generate(&self, input: PathBuf) {
        let out = self.dir.path().join("out");
        let config = crate::config(&[input], None, &out);
        let generation = schemagen::generate(&config, Options { keep_going: true });
        // Rendering every diagnostic exercises the position lookups too.
        for diagnostic in generation.diagnostics.iter() {
            let _ = generation.db.render(diagnostic);
        }
    }

    /// The JSON Schema reader, on a JSON document (even first byte) or a YAML one (odd).
    pub fn json_schema(&self, bytes: &[u8]) {
        let Some((&first, rest)) = bytes.split_first() else { return };
        let name = if first % 2 == 0 { "input.json" } else { "input.yaml" };
        let input = self.write(name, rest);
        self.generate(input);
    }

    /// The markdown reader: the doc parser alone, then a whole run on the doc.
    pub fn markdown(&self, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        let _ = schemagen::markdown::parse::parse_doc_lenient(&text);
        let input = self.write("input.md", bytes);
        self.generate(input);
    }
}

/// A generated validator on arbitrary bytes: `from_str` must answer, and whatever it accepts
/// must pass `validate()` and encode to a document it accepts again.
pub fn validator<T: DeserializeOwned + Validate + serde::Serialize>(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let Ok(value) = schemagen_runtime::validate::from_str::<T>(text) else { return };
    if let Err(errors) = value.validate() {
        panic!("from_str accepted a document that validate() rejects: {errors}\n{text}");
    }
    let encoded = serde_json::to_string(&value).expect("a decoded model encodes");
    if let Err(err) = schemagen_runtime::validate::from_str::<T>(&encoded) {
        panic!("the encoding of an accepted document is rejected: {err}\n{text}\n{encoded}");
    }
}

/// Where the fuzz corpus and the crashes kept as regression fixtures live.
pub fn fixtures(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz").join(target)
}
