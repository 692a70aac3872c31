//! The `--report FILE.json` summary that editors and CI scripts read. Its shape is documented in
//! `docs/report.md`; fields are only ever added.

use serde::Serialize;

use crate::Generation;
use crate::diag::Diagnostic;
use crate::ir::{ModelKind, Origin};

#[derive(Serialize)]
pub struct Report<'a> {
    /// Version of this format.
    pub version: u32,
    pub crate_name: &'a str,
    pub succeeded: bool,
    pub inputs: Vec<Input>,
    pub models: Vec<Model>,
    pub skipped: Vec<Skipped<'a>>,
    /// Fields generated as credentials (`module::Model.wireName`), with the reason.
    pub secrets: Vec<SecretField>,
    pub diagnostics: Vec<&'a Diagnostic>,
}

#[derive(Serialize)]
pub struct SecretField {
    pub field: String,
    pub reason: String,
}

#[derive(Serialize)]
pub struct Input {
    pub file: String,
    /// The Rust path of the model the file's root schema became.
    pub root_model: Option<String>,
}

#[derive(Serialize)]
pub struct Model {
    pub path: String,
    pub kind: &'static str,
    pub source: Source,
}

#[derive(Serialize)]
pub struct Source {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

#[derive(Serialize)]
pub struct Skipped<'a> {
    pub path: String,
    pub source: Source,
    pub diagnostics: Vec<&'a Diagnostic>,
}

impl<'a> Report<'a> {
    pub fn new(generation: &'a Generation, crate_name: &'a str, inputs: &[String]) -> Self {
        let krate = &generation.krate;
        let sources = sources(generation);
        let path = |index: usize| krate.model_path(crate::ir::ModelId(index));
        let mut models = Vec::new();
        let mut skipped = Vec::new();
        for (index, model) in krate.models.iter().enumerate() {
            if model.merged_into.is_some() {
                continue;
            }
            let source = sources[index].clone_source();
            if generation.skipped[index] {
                let diagnostics = generation.diagnostics.iter().filter(|d| d.model == Some(index)).collect();
                skipped.push(Skipped { path: path(index), source, diagnostics });
            } else {
                let kind = match model.kind {
                    ModelKind::Struct(_) => "struct",
                    ModelKind::Enum(_) => "enum",
                    ModelKind::Union(_) => "union",
                    ModelKind::Alias { .. } => "alias",
                    ModelKind::Newtype { .. } => "newtype",
                };
                models.push(Model { path: path(index), kind, source });
            }
        }
        let inputs = inputs
            .iter()
            .map(|file| Input {
                file: file.to_string(),
                root_model: krate
                    .roots
                    .iter()
                    .find(|r| &r.file == file && !generation.skipped[r.model.0])
                    .map(|r| krate.model_path(r.model)),
            })
            .collect();
        Report {
            version: 1,
            crate_name,
            succeeded: generation.succeeded(),
            inputs,
            models,
            skipped,
            secrets: generation
                .secret_fields()
                .into_iter()
                .map(|(field, reason)| SecretField { field, reason })
                .collect(),
            diagnostics: generation.diagnostics.iter().collect(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serializes")
    }
}

impl Source {
    fn clone_source(&self) -> Source {
        Source { file: self.file.clone(), pointer: self.pointer.clone(), line: self.line, column: self.column }
    }
}

/// Every model's origin with its line and column, parsing each file at most once.
fn sources(generation: &Generation) -> Vec<Source> {
    let models = &generation.krate.models;
    let mut by_file: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (index, model) in models.iter().enumerate() {
        by_file.entry(&model.origin.file).or_default().push(index);
    }
    let mut out: Vec<Option<Source>> = (0..models.len()).map(|_| None).collect();
    for (file, indices) in by_file {
        let pointers: Vec<&str> = indices.iter().map(|&i| models[i].origin.pointer.as_deref().unwrap_or("")).collect();
        let positions = generation.db.positions(file, &pointers);
        for (&index, position) in indices.iter().zip(positions) {
            let Origin { file, pointer, line } = &models[index].origin;
            out[index] = Some(Source {
                file: file.to_string(),
                pointer: pointer.as_deref().map(String::from),
                line: position.map(|p| p.0).or(*line),
                column: position.map(|p| p.1),
            });
        }
    }
    out.into_iter().map(|s| s.expect("every model has a file")).collect()
}
