//! schemagen turns JSON Schema and OpenAPI documents into typed Rust models.
//!
//! The pipeline reads like the design: read inputs → lower to IR ([`ir`]) → check → emit Rust
//! ([`emit`]) → write atomically ([`write`]), with an error gate before anything is written.
//!
//! Each file is handed to a [`emit::Sink`] as soon as it is emitted: [`write::Writer`] stages it
//! on disk, so a run never holds the whole crate's text.
//!
//! ```no_run
//! let mut db = schemagen::source::SourceDb::default();
//! let config = schemagen::config::Config::load("schemas/schemagen.toml".as_ref(), &mut db).unwrap();
//! let mut writer = schemagen::write::Writer::new(&config.output.dir);
//! let generation = schemagen::generate_to(&config, schemagen::Options::default(), &mut writer, &mut |_| {});
//! for diagnostic in generation.diagnostics.iter() {
//!     eprintln!("{}", generation.db.render(diagnostic));
//! }
//! if generation.succeeded() {
//!     writer.finish().unwrap();
//! }
//! ```
//!
//! [`generate`] keeps the files in memory instead ([`Generation::files`]), for tests and tools
//! that want their text.

// A `Diagnostic` is the error type of the reader's fallible steps; it is large, but only built
// on the cold path, and boxing it would make every call site noisier for no measurable gain.
#![allow(clippy::result_large_err)]

pub mod build;
pub mod cli;
pub mod codegen;
pub mod config;
pub mod dedupe;
pub mod diag;
pub mod emit;
pub mod explain;
pub mod ir;
pub mod jsonschema;
pub mod layout;
pub mod markdown;
pub mod merge;
pub mod names;
pub mod pattern;
pub mod report;
pub mod secrets;
pub mod source;
pub mod tree;
pub mod write;

/// Runs `f` with enough stack, growing it on the heap when little is left. The readers recurse
/// once per `$ref` followed, `allOf` member, nested schema and linked markdown doc, and a
/// hostile input can chain any number of them; documents themselves are limited to
/// [`source::MAX_DEPTH`] levels.
pub(crate) fn deep<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, f)
}

use config::Config;
use diag::{Code, Diagnostic, Diagnostics, Location};
use source::SourceDb;

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Emit the models that have no errors instead of nothing; the run still fails.
    pub keep_going: bool,
}

/// The result of one run: the IR, the files (when kept in memory), and every diagnostic.
#[derive(Debug)]
pub struct Generation {
    pub krate: ir::Crate,
    /// The files, from [`generate`], which keeps them in memory. Empty from [`generate_to`] and
    /// [`analyze`], and when errors stopped generation.
    pub files: Vec<emit::File>,
    /// Whether the files were emitted: false when errors stopped generation (without
    /// `keep_going`) and from [`analyze`]. A sink's error can still have cut emitting short.
    pub emitted: bool,
    /// Errors before warnings, each with its line and column filled in.
    pub diagnostics: Diagnostics,
    /// Models left out by `--keep-going`, indexed like [`ir::Crate::models`].
    pub skipped: Vec<bool>,
    /// Every file read, for rendering diagnostics.
    pub db: SourceDb,
}

impl Generation {
    /// No errors: the files are complete and may be written.
    pub fn succeeded(&self) -> bool {
        !self.diagnostics.has_errors()
    }

    /// Every field generated as a secret, as `module::Model.wireName` with the reason.
    pub fn secret_fields(&self) -> Vec<(String, String)> {
        let krate = &self.krate;
        let mut out = Vec::new();
        for (index, model) in krate.models.iter().enumerate() {
            let ir::ModelKind::Struct(s) = &model.kind else { continue };
            if self.skipped[index] || model.merged_into.is_some() {
                continue;
            }
            for field in &s.fields {
                if let Some(reason) = field.secret() {
                    let path = format!("{}::{}.{}", krate.modules[model.module].name, model.name, field.wire_name);
                    out.push((path, reason.to_string()));
                }
            }
        }
        out
    }
}

/// How far a run is, for a progress display ([`generate_with_progress`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress<'a> {
    /// `done` of the `total` input files (after expanding directories) are read; `file` is
    /// the one just read.
    Read { done: usize, total: usize, file: &'a std::path::Path },
    /// Every input is read; the code is being generated.
    Emitting,
}

/// Sets up the process's allocator for a generator run; for binaries (the `schemagen` CLI,
/// `cargo xtask`), called once at start-up. The library never calls it: a library must not
/// change the allocator of the process it is linked into.
///
/// On glibc it fixes malloc's mmap threshold at its default, 128 KiB. glibc otherwise raises
/// the threshold to the size of each large block that is freed, up to 32 MiB; a run frees
/// several (an input's text once parsed, hash tables as they grow), so every large buffer after
/// them (a file's text, a table) comes from the heap and leaves a hole there when freed, which
/// no later allocation of another thread can use. Fixed, large buffers are mapped and unmapped
/// whole. On the 2,000-object synthetic spec this lowers the peak by about 2 MB (emitting adds
/// nothing to the peak of reading), at no measurable cost in time. Elsewhere it does nothing.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets a malloc parameter; it is called before any thread is started.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Runs the whole pipeline except writing, keeping the files in memory
/// ([`Generation::files`]). Writers use [`generate_to`], which holds one file at a time.
pub fn generate(config: &Config, options: Options) -> Generation {
    generate_with_progress(config, options, &mut |_| {})
}

/// [`generate`], reporting its progress to `progress`. The library never draws anything: the
/// CLI turns these calls into a progress bar.
pub fn generate_with_progress(config: &Config, options: Options, progress: &mut dyn FnMut(Progress<'_>)) -> Generation {
    let mut files = Vec::new();
    let mut generation = generate_to(config, options, &mut files, progress);
    generation.files = files;
    generation
}

/// Runs the whole pipeline, handing each file to `sink` as soon as it is emitted (and holding
/// none of them): a [`write::Writer`] to write the crate, a [`write::Checker`] to compare it
/// with what is on disk. Nothing is emitted when there are errors, unless `keep_going`; emitting
/// stops at the sink's first error, which the sink reports (as [`write::Writer::finish`] does).
pub fn generate_to(
    config: &Config,
    options: Options,
    sink: &mut dyn emit::Sink,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Generation {
    let mut generation = analyze(config, progress);
    if !generation.diagnostics.has_errors() || options.keep_going {
        progress(Progress::Emitting);
        // A sink's error stops emitting here; the sink keeps it for its caller.
        let _ = emit::emit_crate(&generation.krate, &config.output, &config.types, &generation.skipped, sink);
        generation.emitted = true;
    }
    generation
}

/// Reads, lowers and checks, and emits nothing: the IR and the diagnostics, for `explain` and
/// for a `build.rs`, which emits one file of its own ([`emit::emit_single_file`]).
pub fn analyze(config: &Config, progress: &mut dyn FnMut(Progress<'_>)) -> Generation {
    let mut db = SourceDb::default();
    let mut diagnostics = Diagnostics::default();
    let mut krate = jsonschema::read_with_progress(config, &mut db, &mut diagnostics, progress);
    dates_as_strings(&mut krate, &config.types);
    let skipped = skipped_models(&krate, &mut diagnostics);
    dedupe::dedupe(&mut krate, &skipped);
    layout::bound_nesting(&mut krate);
    emit::derives::plan(&krate, &config.types, &skipped).1.into_iter().for_each(|d| diagnostics.push(d));
    db.resolve(&mut diagnostics);
    diagnostics.sort();
    Generation { krate, files: Vec::new(), emitted: false, diagnostics, skipped, db }
}

/// `[types] date-time = "string"` (or `date`): those fields are plain strings, checked by the
/// validators like any string with a `format`. Done on the IR so that every later step, the
/// typed validators included, sees a `String`.
fn dates_as_strings(krate: &mut ir::Crate, types: &config::Types) {
    use config::DateType;
    use ir::Type;
    if types.date_time != DateType::String && types.date != DateType::String {
        return;
    }
    fn visit(ty: &mut Type, types: &config::Types) {
        match ty {
            Type::DateTime if types.date_time == DateType::String => *ty = Type::String,
            Type::Date if types.date == DateType::String => *ty = Type::String,
            Type::Array(inner) | Type::Map(inner) | Type::Nullable(inner) => visit(inner, types),
            Type::Tuple(items) => items.iter_mut().for_each(|item| visit(item, types)),
            _ => {}
        }
    }
    for model in &mut krate.models {
        match &mut model.kind {
            ir::ModelKind::Struct(s) => {
                s.fields.iter_mut().for_each(|f| visit(&mut f.ty, types));
                if let ir::Additional::Keep(ty) = &mut s.additional {
                    visit(ty, types);
                }
            }
            ir::ModelKind::Union(u) => u.variants.iter_mut().for_each(|v| visit(&mut v.ty, types)),
            ir::ModelKind::Alias { target } | ir::ModelKind::Newtype { target, .. } => visit(target, types),
            ir::ModelKind::Enum(_) => {}
        }
    }
}

/// Models with errors, and the models that use them (which could not compile without them).
fn skipped_models(krate: &ir::Crate, diagnostics: &mut Diagnostics) -> Vec<bool> {
    let mut skipped = vec![false; krate.models.len()];
    for diagnostic in diagnostics.iter() {
        if let (true, Some(model)) = (diagnostic.is_error(), diagnostic.model) {
            skipped[model] = true;
        }
    }
    let mut cause: Vec<Option<usize>> = vec![None; krate.models.len()];
    let mut changed = true;
    while changed {
        changed = false;
        for (index, model) in krate.models.iter().enumerate() {
            if skipped[index] {
                continue;
            }
            let mut uses_skipped = None;
            let mut visit = |ty: &ir::Type| {
                ty.visit_models(&mut |id| {
                    if skipped[id.0] {
                        uses_skipped = Some(id.0)
                    }
                })
            };
            match &model.kind {
                ir::ModelKind::Struct(s) => {
                    s.fields.iter().for_each(|f| visit(&f.ty));
                    if let ir::Additional::Keep(ty) = &s.additional {
                        visit(ty);
                    }
                }
                ir::ModelKind::Union(u) => u.variants.iter().for_each(|v| visit(&v.ty)),
                ir::ModelKind::Alias { target } | ir::ModelKind::Newtype { target, .. } => visit(target),
                ir::ModelKind::Enum(_) => {}
            }
            if let Some(used) = uses_skipped {
                skipped[index] = true;
                cause[index] = Some(used);
                changed = true;
            }
        }
    }
    for (index, used) in cause.iter().enumerate() {
        if let Some(used) = used {
            let model = &krate.models[index];
            diagnostics.push(Diagnostic {
                model: Some(index),
                ..Diagnostic::error(
                    Code::E040,
                    format!(
                        "model `{}` cannot be generated because it uses `{}`, which has errors",
                        model.name, krate.models[*used].name
                    ),
                )
                .at(Location::at(&model.origin))
                .label(format!("`{}` is defined here", model.name))
                .hint(format!(
                    "fix the errors reported for `{}`; this one then goes away by itself",
                    krate.models[*used].name
                ))
            });
        }
    }
    skipped
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed xorshift generator for randomized tests, so a failure repeats: each call gives a
    /// number below its argument.
    pub(crate) fn xorshift(seed: u64) -> impl FnMut(usize) -> usize {
        let mut state = seed;
        move |below| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        }
    }

    /// A config that generates `inputs` as one module `things` into `out`.
    pub(crate) fn one_module(inputs: Vec<std::path::PathBuf>, out: &std::path::Path) -> Config {
        use config::{Output, RuntimeDependency};
        Config {
            output: Output {
                crate_name: "things".into(),
                description: None,
                dir: out.to_path_buf(),
                runtime: RuntimeDependency::bundled(),
                workspace_member: false,
            },
            modules: vec![config::ModuleConfig {
                name: "things".into(),
                doc: None,
                inputs,
                bundle: None,
                wire_naming: Default::default(),
                unresolved_links: Default::default(),
                prefer: Default::default(),
            }],
            display_root: out.to_path_buf(),
            secrets: Default::default(),
            resources: Vec::new(),
            format_assertion: true,
            types: Default::default(),
        }
    }

    /// 300 objects, more than one file takes: the module is split into parts, and the check
    /// functions each part reaches first go to files of their own.
    fn many_objects(dir: &std::path::Path) -> std::path::PathBuf {
        let defs: serde_json::Map<String, serde_json::Value> = (0..300)
            .map(|i| {
                let next = serde_json::json!({ "$ref": format!("#/$defs/Thing{:03}", (i + 1) % 300) });
                let schema = serde_json::json!({
                    "type": "object",
                    "description": format!("Thing number {i}."),
                    "properties": { "name": { "type": "string", "minLength": i % 7 }, "next": next },
                    "required": ["name"],
                });
                (format!("Thing{i:03}"), schema)
            })
            .collect();
        let path = dir.join("things.json");
        std::fs::write(&path, serde_json::json!({ "$defs": defs }).to_string()).unwrap();
        path
    }

    #[test]
    fn files_streamed_to_a_writer_are_the_files_generate_keeps_in_memory() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let config = one_module(vec![many_objects(tmp.path())], &out);
        let in_memory = generate(&config, Options::default());
        assert!(in_memory.succeeded() && in_memory.emitted);
        assert!(in_memory.files.iter().any(|f| f.path.starts_with("src/things/")), "the module is split");
        assert!(in_memory.files.iter().any(|f| f.path.starts_with("src/__checks/")), "so are the checks");
        let mut writer = write::Writer::new(&out);
        let streamed = generate_to(&config, Options::default(), &mut writer, &mut |_| {});
        assert!(streamed.emitted && streamed.files.is_empty(), "nothing is kept in memory");
        assert_eq!(writer.finish().unwrap(), write::Written::Updated);
        for file in &in_memory.files {
            assert_eq!(std::fs::read_to_string(out.join(&file.path)).unwrap(), file.contents, "{}", file.path);
        }
        assert!(write::check(&out, &in_memory.files).is_empty());
        // A check run streams too, and finds the crate it wrote up to date.
        let mut checker = write::Checker::new(&out);
        generate_to(&config, Options::default(), &mut checker, &mut |_| {});
        assert_eq!(checker.finish(), []);
    }

    #[test]
    fn emitting_stops_at_the_first_error_of_the_sink() {
        struct FailsAt(usize, Vec<String>);
        impl emit::Sink for FailsAt {
            fn file(&mut self, file: emit::File) -> Result<(), Diagnostic> {
                self.1.push(file.path);
                if self.1.len() == self.0 { Err(Diagnostic::error(Code::E031, "disk full")) } else { Ok(()) }
            }
        }
        let tmp = tempfile::tempdir().unwrap();
        let config = one_module(vec![many_objects(tmp.path())], &tmp.path().join("out"));
        let all = generate(&config, Options::default()).files.len();
        for fails_at in [1, 4, all] {
            let mut sink = FailsAt(fails_at, Vec::new());
            let generation = generate_to(&config, Options::default(), &mut sink, &mut |_| {});
            assert!(generation.emitted);
            assert_eq!(sink.1.len(), fails_at, "no file is emitted after the error: {:?}", sink.1);
        }
    }

    #[test]
    fn nothing_is_emitted_after_errors_unless_asked_to_keep_going() {
        let tmp = tempfile::tempdir().unwrap();
        let input = tmp.path().join("bad.json");
        std::fs::write(&input, r##"{"$defs": {"Good": {"type": "string"}, "Bad": {"$ref": "#/nowhere"}}}"##).unwrap();
        let config = one_module(vec![input], &tmp.path().join("out"));
        let mut files = Vec::new();
        let generation = generate_to(&config, Options::default(), &mut files, &mut |_| {});
        assert!(generation.diagnostics.has_errors() && !generation.emitted && files.is_empty());
        let generation = generate_to(&config, Options { keep_going: true }, &mut files, &mut |_| {});
        assert!(generation.emitted && files.iter().any(|f| f.path == "src/things.rs"));
        assert!(!analyze(&config, &mut |_| {}).emitted);
    }

    #[test]
    fn progress_is_reported_per_input_then_for_emitting() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut db = SourceDb::default();
        let config = Config::load(&root.join("schemas/schemagen.toml"), &mut db).unwrap();
        let mut seen = Vec::new();
        let generation = generate_with_progress(&config, Options::default(), &mut |p| {
            seen.push(match p {
                Progress::Read { done, total, file } => format!("{done}/{total} {}", config.display(file)),
                Progress::Emitting => "emitting".into(),
            })
        });
        assert!(generation.succeeded());
        let shown = |path: &str| config.display(&root.join(path));
        assert_eq!(
            seen,
            [
                format!("1/3 {}", shown("schemas/ampersand/connection-request.json")),
                format!("2/3 {}", shown("schemas/ampersand/docs/models/operations/connection.md")),
                format!("3/3 {}", shown("schemas/panora/docs/models/components/connection.md")),
                "emitting".to_string(),
            ]
        );
    }
}
