//! Build-time generation from a consumer's `build.rs`, in the manner of `prost-build`.
//!
//! ```no_run
//! // In build.rs's `main`:
//! if let Err(error) = schemagen::build::Builder::new().config("schemas/schemagen.toml").generate() {
//!     eprintln!("{error}");
//!     std::process::exit(1);
//! }
//! ```
//!
//! ```ignore
//! // src/lib.rs
//! pub mod models {
//!     include!(concat!(env!("OUT_DIR"), "/schemagen.rs"));
//! }
//! ```
//!
//! The crate then depends on `schemagen-runtime`, which the generated code names by path.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::{
    Config, DateType, Derive, JsonSchemaDerive, ModuleConfig, Output, RuntimeDependency, Secrets, Types,
};
use crate::diag::Diagnostics;
use crate::emit;
use crate::source::SourceDb;

/// Configures one build-time generation. Modules come from a config file, from
/// [`Builder::module`], or both.
#[derive(Debug, Default)]
pub struct Builder {
    config: Option<PathBuf>,
    modules: Vec<ModuleConfig>,
    bundle: Option<PathBuf>,
    secrets: Secrets,
    out_dir: Option<PathBuf>,
    file_name: Option<String>,
    json_schema: Option<JsonSchemaDerive>,
    date_time: Option<DateType>,
    date: Option<DateType>,
    derives: Vec<Derive>,
}

/// Generation failed; `Display` (and `Debug`, so `main() -> Result` prints it well) shows every
/// diagnostic with its source snippet.
pub struct Error {
    rendered: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rendered)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rendered)
    }
}

impl std::error::Error for Error {}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads modules and `[secrets]` from a `schemagen.toml`; its `[output]` is ignored, since
    /// the output goes to `OUT_DIR`.
    pub fn config(mut self, path: impl Into<PathBuf>) -> Self {
        self.config = Some(path.into());
        self
    }

    /// Adds a module `name` generated from `inputs` (files or directories).
    pub fn module(mut self, name: &str, inputs: impl IntoIterator<Item = impl Into<PathBuf>>) -> Self {
        self.modules.push(ModuleConfig {
            name: name.to_string(),
            doc: None,
            inputs: inputs.into_iter().map(Into::into).collect(),
            bundle: None,
            wire_naming: Default::default(),
            unresolved_links: Default::default(),
            prefer: Default::default(),
        });
        self
    }

    /// The bundle that dangling `#/components/schemas/…` refs of the modules added in code
    /// resolve against.
    pub fn bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.bundle = Some(path.into());
        self
    }

    /// Fields (`Model.wireName`) to generate as secrets whatever detection says.
    pub fn force_secret(mut self, field: &str) -> Self {
        self.secrets.force.push(field.to_string());
        self
    }

    /// Fields (`Model.wireName`) never to generate as secrets.
    pub fn exempt_secret(mut self, field: &str) -> Self {
        self.secrets.exempt.push(field.to_string());
        self
    }

    /// Whether models derive `schemars::JsonSchema`: `Off` by default; `Always` needs
    /// `schemagen-runtime`'s `schemars` feature; `Feature` derives it when the including crate's
    /// own `schemars` feature is on (declare one that turns on `schemagen-runtime/schemars`).
    pub fn json_schema(mut self, derive: JsonSchemaDerive) -> Self {
        self.json_schema = Some(derive);
        self
    }

    /// The type of `format: date-time` (and of `format: date`, unless [`Builder::date`] says
    /// otherwise); overrides the config's `[types]`. `Time` and `Jiff` need the
    /// `schemagen-runtime` feature of the same name.
    pub fn date_time(mut self, date_time: DateType) -> Self {
        self.date_time = Some(date_time);
        self
    }

    /// The type of `format: date`; overrides the config's `[types]`.
    pub fn date(mut self, date: DateType) -> Self {
        self.date = Some(date);
        self
    }

    /// Adds a derive to every model that can have it (the others get a W020 warning), besides
    /// the config's `[types] derives`.
    pub fn derive(mut self, derive: Derive) -> Self {
        self.derives.push(derive);
        self
    }

    /// Where to write; defaults to `$OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The file written in the output directory; defaults to `schemagen.rs`.
    pub fn file_name(mut self, name: &str) -> Self {
        self.file_name = Some(name.to_string());
        self
    }

    /// Generates, writes the file (only when its contents changed), prints
    /// `cargo:rerun-if-changed` for every file read and `cargo:warning` for every warning, and
    /// returns the path written.
    pub fn generate(self) -> Result<PathBuf, Error> {
        let (path, rerun, warnings) = self.generate_quietly()?;
        for file in rerun {
            println!("cargo:rerun-if-changed={}", file.display());
        }
        for warning in warnings {
            println!("cargo:warning={}", warning.replace('\n', " "));
        }
        Ok(path)
    }

    /// [`Builder::generate`] without printing: the path written, the files read, and the
    /// warnings in one-line form.
    pub fn generate_quietly(self) -> Result<(PathBuf, Vec<PathBuf>, Vec<String>), Error> {
        let out_dir = match self.out_dir.clone().or_else(|| std::env::var_os("OUT_DIR").map(PathBuf::from)) {
            Some(dir) => dir,
            None => {
                return Err(Error {
                    rendered: "error: OUT_DIR is not set; call `out_dir(…)` outside a build script\n".into(),
                });
            }
        };
        let mut rerun = Vec::new();
        let mut config = Config {
            output: Output {
                crate_name: String::new(),
                description: None,
                dir: out_dir.clone(),
                runtime: RuntimeDependency::bundled(),
                workspace_member: true,
            },
            modules: Vec::new(),
            display_root: std::env::current_dir().unwrap_or_default(),
            secrets: self.secrets,
            resources: Vec::new(),
            format_assertion: true,
            types: Types { json_schema: JsonSchemaDerive::Off, ..Types::default() },
        };
        if let Some(path) = &self.config {
            rerun.push(path.clone());
            let mut db = SourceDb::default();
            match Config::load(path, &mut db) {
                Ok(loaded) => {
                    config.modules = loaded.modules;
                    config.secrets.force.extend(loaded.secrets.force);
                    config.secrets.exempt.extend(loaded.secrets.exempt);
                    config.types = loaded.types;
                }
                Err(errors) => {
                    let mut diagnostics = Diagnostics::default();
                    errors.into_iter().for_each(|d| diagnostics.push(d));
                    db.resolve(&mut diagnostics);
                    return Err(Error { rendered: diagnostics.iter().map(|d| db.render(d)).collect() });
                }
            }
        }
        // The config's `[types]`, then this builder's. `json-schema` is the builder's alone: a
        // derive behind a feature would need a feature of the including crate.
        config.types.json_schema = self.json_schema.unwrap_or(JsonSchemaDerive::Off);
        if let Some(date_time) = self.date_time {
            config.types.date_time = date_time;
            config.types.date = self.date.unwrap_or(date_time);
        }
        if let Some(date) = self.date {
            config.types.date = date;
        }
        config.types.derives.extend(self.derives);
        for mut module in self.modules {
            module.bundle = module.bundle.or_else(|| self.bundle.clone());
            config.modules.push(module);
        }
        // Only the IR: the one file is emitted below, straight to disk.
        let generation = crate::analyze(&config, &mut |_| {});
        // Built-in meta-schemas are named by their URIs, not paths: nothing on disk to watch.
        rerun.extend(generation.db.paths().filter(|p| !p.to_string_lossy().contains("://")).map(Path::to_path_buf));
        if !generation.succeeded() {
            return Err(Error { rendered: generation.diagnostics.iter().map(|d| generation.db.render(d)).collect() });
        }
        let warnings = generation.diagnostics.iter().map(ToString::to_string).collect();
        let path = out_dir.join(self.file_name.as_deref().unwrap_or("schemagen.rs"));
        write_single_file(&generation, &config, &path)
            .map_err(|err| Error { rendered: format!("error: cannot write {}: {err}\n", path.display()) })?;
        Ok((path, rerun, warnings))
    }
}

/// Emits the crate as one file into a temporary file beside `path`, a piece at a time, and
/// renames it into place unless `path` already holds the same text (so cargo sees no change);
/// a killed build never leaves half a file.
fn write_single_file(generation: &crate::Generation, config: &Config, path: &Path) -> std::io::Result<()> {
    use std::io::{Seek, Write};
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    {
        let mut out = std::io::BufWriter::new(file.as_file_mut());
        emit::emit_single_file(&generation.krate, &config.types, &generation.skipped, &mut out)?;
        out.flush()?;
    }
    file.as_file_mut().rewind()?;
    if !same_contents(file.as_file_mut(), path)? {
        file.persist(path).map_err(|e| e.error)?;
    }
    Ok(())
}

/// Whether `new` (read from its start) holds the bytes of the file at `path`, read a block at a
/// time; false when `path` cannot be read.
fn same_contents(new: &mut std::fs::File, path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let Ok(old) = std::fs::File::open(path) else { return Ok(false) };
    if old.metadata()?.len() != new.metadata()?.len() {
        return Ok(false);
    }
    let (mut old, mut new) = (std::io::BufReader::new(old), std::io::BufReader::new(new));
    let (mut a, mut b) = (vec![0; 64 * 1024], vec![0; 64 * 1024]);
    loop {
        let read = new.read(&mut b)?;
        if read == 0 {
            // Same length, every byte of `new` matched.
            return Ok(true);
        }
        if old.read_exact(&mut a[..read]).is_err() || a[..read] != b[..read] {
            return Ok(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::Builder;

    fn build(input: &Path, out: &Path) -> String {
        let (path, rerun, _) = Builder::new().module("things", [input]).out_dir(out).generate_quietly().unwrap();
        assert_eq!(path, out.join("schemagen.rs"));
        assert_eq!(rerun, [input.to_path_buf()]);
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    #[cfg(unix)]
    fn the_file_is_written_whole_and_only_rewritten_when_it_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let input = tmp.path().join("thing.json");
        let schema = |description: &str| {
            format!(
                r#"{{"title": "Thing", "description": "{description}", "type": "object",
                    "properties": {{"name": {{"type": "string", "minLength": 1}}}}}}"#
            )
        };
        std::fs::write(&input, schema("First.")).unwrap();
        let out = tmp.path().join("out");
        let first = build(&input, &out);
        assert!(first.contains("/// First.\n") && first.contains("pub mod things {"), "{first}");
        assert!(first.contains("pub mod __checks {") && first.ends_with("}\n"), "{first}");
        let inode = |path: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(path).unwrap());
        let before = inode(&out.join("schemagen.rs"));
        assert_eq!(build(&input, &out), first);
        assert_eq!(inode(&out.join("schemagen.rs")), before, "an unchanged file is not replaced");
        std::fs::write(&input, schema("Second.")).unwrap();
        assert_eq!(build(&input, &out), first.replace("/// First.\n", "/// Second.\n"));
        let names: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["schemagen.rs"], "no temporary file is left beside it");
    }
}
