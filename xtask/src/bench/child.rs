//! One generator run, in a process of its own so that its peak memory is its own:
//! `xtask bench-child schemagen|typify OUT INPUT...`. It writes the crate to `OUT` and prints
//! one JSON line of measurements on stdout. schemagen is timed as `schemagen generate` runs:
//! reading, generating and writing, each file written to the staging directory as soon as it is
//! emitted (the streaming path), then swapped into place. typify is timed without writing: it
//! returns its code as one string, which is then written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// What one run measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measurement {
    /// Wall time of reading the inputs and generating the code (schemagen: and writing it), in
    /// milliseconds.
    pub wall_ms: f64,
    /// CPU time (user + system) of the whole process, in milliseconds.
    pub cpu_ms: f64,
    /// Peak resident memory of the process (`VmHWM`), in KiB.
    pub peak_kib: u64,
    /// schemagen only: the peak when reading (parsing and lowering to the IR) was done and
    /// emitting began, in KiB; the rest of the peak is emitting's.
    #[serde(default)]
    pub peak_read_kib: Option<u64>,
    /// Lines of Rust written (schemagen: counted in each `.rs` file as it is written).
    pub lines: usize,
    /// Models (schemagen) or types (typify) generated.
    pub types: usize,
    /// Warnings (schemagen only).
    pub warnings: usize,
}

pub fn main(args: &[&str]) -> ExitCode {
    let [generator, out, inputs @ ..] = args else {
        eprintln!("usage: xtask bench-child schemagen|typify OUT INPUT...");
        return ExitCode::FAILURE;
    };
    let inputs: Vec<PathBuf> = inputs.iter().map(PathBuf::from).collect();
    let out = Path::new(out);
    let result = match *generator {
        "schemagen" => schemagen(out, &inputs),
        "typify" => typify(out, &inputs),
        other => Err(format!("unknown generator `{other}`")),
    };
    match result {
        Ok(measurement) => {
            println!("{}", serde_json::to_string(&measurement).expect("measurements serialize"));
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// One module per input, as `schemagen generate` does; an OpenAPI document is its own bundle.
fn schemagen(out: &Path, inputs: &[PathBuf]) -> Result<Measurement, String> {
    use schemagen::config::{Config, LinkPolicy, ModuleConfig, Output, Prefer, RuntimeDependency, WireNaming};
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| format!("cannot clear {}: {e}", out.display()))?;
    }
    let start = Instant::now();
    let modules = inputs
        .iter()
        .map(|input| ModuleConfig {
            name: schemagen::names::module_name(&input.file_stem().unwrap_or_default().to_string_lossy()),
            doc: None,
            inputs: vec![input.clone()],
            bundle: None,
            wire_naming: WireNaming::default(),
            unresolved_links: LinkPolicy::default(),
            prefer: Prefer::default(),
        })
        .collect();
    let config = Config {
        output: Output {
            crate_name: crate_name(out),
            description: None,
            dir: out.to_path_buf(),
            runtime: RuntimeDependency::bundled(),
            workspace_member: false,
        },
        modules,
        display_root: std::env::current_dir().map_err(|e| e.to_string())?,
        secrets: Default::default(),
        resources: Vec::new(),
        format_assertion: true,
        types: Default::default(),
    };
    let mut sink = CountLines { writer: schemagen::write::Writer::new(out), lines: 0 };
    let mut peak_read_kib = None;
    let generation = schemagen::generate_to(&config, schemagen::Options::default(), &mut sink, &mut |progress| {
        if let schemagen::Progress::Emitting = progress {
            peak_read_kib = Some(process_usage().1);
        }
    });
    if !generation.succeeded() {
        let mut message = format!("schemagen: {} error(s)\n", generation.diagnostics.error_count());
        for diagnostic in generation.diagnostics.iter().filter(|d| d.is_error()).take(5) {
            message.push_str(&generation.db.render(diagnostic));
        }
        return Err(message);
    }
    let CountLines { writer, lines } = sink;
    writer.finish().map_err(|d| generation.db.render(&d))?;
    let wall_ms = start.elapsed().as_secs_f64() * 1e3;
    let (cpu_ms, peak_kib) = process_usage();
    let warnings = generation.diagnostics.iter().filter(|d| !d.is_error()).count();
    let types = generation.krate.models.iter().filter(|m| m.merged_into.is_none()).count();
    Ok(Measurement { wall_ms, cpu_ms, peak_kib, peak_read_kib, lines, types, warnings })
}

/// The writer of a run, counting the lines of each Rust file it is handed.
struct CountLines {
    writer: schemagen::write::Writer,
    lines: usize,
}

impl schemagen::emit::Sink for CountLines {
    fn file(&mut self, file: schemagen::emit::File) -> Result<(), schemagen::diag::Diagnostic> {
        if file.path.ends_with(".rs") {
            self.lines += file.contents.lines().count();
        }
        self.writer.file(file)
    }
}

/// typify takes JSON Schema, not OpenAPI: the `components/schemas` of each document become its
/// reference types, which is how progenitor drives it. Markdown docs are not its input.
fn typify(out: &Path, inputs: &[PathBuf]) -> Result<Measurement, String> {
    let start = Instant::now();
    let mut settings = typify::TypeSpaceSettings::default();
    settings.with_struct_builder(false);
    let mut space = typify::TypeSpace::new(&settings);
    for input in inputs {
        let text = std::fs::read_to_string(input).map_err(|e| format!("{}: {e}", input.display()))?;
        let mut document: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", input.display()))?;
        let schemas = match document.pointer_mut("/components/schemas").map(serde_json::Value::take) {
            Some(serde_json::Value::Object(schemas)) => schemas,
            _ => return Err(format!("{}: no components/schemas for typify", input.display())),
        };
        let schemas = schemas
            .into_iter()
            .map(|(name, mut schema)| {
                openapi30_to_schemars(&mut schema);
                serde_json::from_value::<typify_schemars::schema::Schema>(schema)
                    .map(|schema| (name.clone(), schema))
                    .map_err(|e| format!("typify: schema `{name}` is not a schemars 0.8 schema: {e}"))
            })
            .collect::<Result<Vec<_>, String>>()?;
        space.add_ref_types(schemas).map_err(|e| format!("typify: {e}"))?;
    }
    let tokens = space.to_stream();
    let file: typify_syn::File =
        typify_syn::parse2(tokens).map_err(|e| format!("typify output does not parse: {e}"))?;
    let code = typify_prettyplease::unparse(&file);
    let wall_ms = start.elapsed().as_secs_f64() * 1e3;
    let (cpu_ms, peak_kib) = process_usage();
    let types = space
        .iter_types()
        .filter(|t| {
            matches!(
                t.details(),
                typify::TypeDetails::Struct(_) | typify::TypeDetails::Enum(_) | typify::TypeDetails::Newtype(_)
            )
        })
        .count();
    write_typify_crate(out, &code).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(Measurement { wall_ms, cpu_ms, peak_kib, peak_read_kib: None, lines: code.lines().count(), types, warnings: 0 })
}

/// What progenitor's OpenAPI reader does before typify sees a schema, in brief: OpenAPI 3.0's
/// boolean `exclusiveMinimum`/`exclusiveMaximum` become draft 6 numbers, and `nullable: true`
/// adds `null` to the `type`. schemars 0.8 refuses the boolean forms.
fn openapi30_to_schemars(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
                if let Some(Value::Bool(flag)) = map.get(exclusive).cloned() {
                    map.shift_remove(exclusive);
                    if flag && let Some(bound_value) = map.shift_remove(bound) {
                        map.insert(exclusive.to_string(), bound_value);
                    }
                }
            }
            if map.get("nullable") == Some(&Value::Bool(true))
                && let Some(Value::String(ty)) = map.get("type").cloned()
            {
                map.shift_remove("nullable");
                map.insert("type".into(), serde_json::json!([ty, "null"]));
            }
            map.values_mut().for_each(openapi30_to_schemars);
        }
        Value::Array(items) => items.iter_mut().for_each(openapi30_to_schemars),
        _ => {}
    }
}

fn write_typify_crate(out: &Path, code: &str) -> std::io::Result<()> {
    if out.exists() {
        std::fs::remove_dir_all(out)?;
    }
    std::fs::create_dir_all(out.join("src"))?;
    let manifest = format!(
        r#"[package]
name = "{}"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
chrono = {{ version = "0.4", default-features = false, features = ["std", "serde"] }}
regress = "0.12"
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
uuid = {{ version = "1", features = ["serde"] }}

[workspace]
"#,
        crate_name(out)
    );
    std::fs::write(out.join("Cargo.toml"), manifest)?;
    std::fs::write(out.join("src/lib.rs"), format!("#![allow(warnings, clippy::all)]\n{code}"))
}

/// The crate name of an output directory `…/<case>/<generator>`: `bench-<case>-<generator>`.
fn crate_name(out: &Path) -> String {
    let part =
        |p: Option<&Path>| p.and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    format!("bench-{}-{}", part(out.parent()), part(Some(out)))
}

/// CPU time and peak resident memory of this process so far, from `/proc/self` (Linux);
/// zeros elsewhere.
fn process_usage() -> (f64, u64) {
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0);
    // Fields 14 and 15 of /proc/self/stat (after the parenthesised command name) are utime and
    // stime in clock ticks, which are 1/100 s on Linux.
    let cpu = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            let fields: Vec<&str> = rest.split(' ').collect();
            let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            Some(ticks as f64 * 10.0)
        })
        .unwrap_or(0.0);
    (cpu, peak)
}
