//! The generation config: which inputs become which Rust modules, and where the crate goes.
//!
//! It is read from a TOML file (`schemas/schemagen.toml` in this repository) or built in code by
//! the CLI and by `build.rs` users. Paths in the file are relative to the file itself.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{Code, Diagnostic, Location};
use crate::source::SourceDb;

/// Everything one generation run needs to know.
#[derive(Clone, Debug)]
pub struct Config {
    pub output: Output,
    pub modules: Vec<ModuleConfig>,
    /// Paths are shown relative to this directory in diagnostics, the IR and reports.
    pub display_root: PathBuf,
    pub secrets: Secrets,
    /// URL prefixes served from local directories: a `$ref` to `<prefix>x.json` reads
    /// `<dir>/x.json`. Nothing is ever fetched from the network.
    pub resources: Vec<(String, PathBuf)>,
    /// Whether `format` is asserted by the generated validators (JSON Schema 2019-09 and later
    /// make it an annotation unless asked). On by default: users expect a `date-time` checked.
    pub format_assertion: bool,
    /// How models are typed and what they derive (`[types]`).
    pub types: Types,
}

impl Config {
    /// The local file a URL maps to through [`Config::resources`].
    pub fn resource_path(&self, url: &str) -> Option<PathBuf> {
        self.resources.iter().find_map(|(prefix, dir)| url.strip_prefix(prefix.as_str()).map(|rest| dir.join(rest)))
    }
}

/// How models are typed and what they derive: the `[types]` table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Types {
    /// When models derive `schemars::JsonSchema`.
    pub json_schema: JsonSchemaDerive,
    /// The Rust type of `format: date-time`.
    pub date_time: DateType,
    /// The Rust type of `format: date`.
    pub date: DateType,
    /// Derives added to every model that can have them (models that cannot get W020).
    pub derives: Vec<Derive>,
}

/// Which crate's types hold dates and date-times.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum DateType {
    /// `chrono::DateTime<FixedOffset>` (keeps the offset) and `chrono::NaiveDate`.
    #[default]
    Chrono,
    /// `schemagen_runtime::rfc3339::{DateTime, Date}`: `time::OffsetDateTime` (keeps the offset)
    /// and `time::Date`, encoded as RFC 3339. Needs `schemagen-runtime`'s `time` feature.
    Time,
    /// `jiff::Timestamp` (an instant: re-encoded in UTC) and `jiff::civil::Date`. Needs
    /// `schemagen-runtime`'s `jiff` feature.
    Jiff,
    /// `String`, as sent; the validators check the format.
    String,
}

impl DateType {
    /// The `schemagen-runtime` feature the generated crate needs for this choice.
    pub fn runtime_feature(self) -> Option<&'static str> {
        match self {
            DateType::Time => Some("time"),
            DateType::Jiff => Some("jiff"),
            DateType::Chrono | DateType::String => None,
        }
    }
}

/// A derive that `[types] derives` can add to every model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum Derive {
    Eq,
    Hash,
    PartialOrd,
    Ord,
}

impl Derive {
    pub const ALL: [Derive; 4] = [Derive::Eq, Derive::Hash, Derive::PartialOrd, Derive::Ord];

    pub fn name(self) -> &'static str {
        match self {
            Derive::Eq => "Eq",
            Derive::Hash => "Hash",
            Derive::PartialOrd => "PartialOrd",
            Derive::Ord => "Ord",
        }
    }

    /// The derives this one needs on the same type (`Ord` needs `Eq` and `PartialOrd`).
    pub fn requires(self) -> &'static [Derive] {
        match self {
            Derive::Ord => &[Derive::Eq, Derive::PartialOrd],
            _ => &[],
        }
    }

    /// `derives` with what each one requires, in a fixed order, once each.
    pub fn closure(derives: &[Derive]) -> Vec<Derive> {
        let mut out: Vec<Derive> = derives.iter().flat_map(|d| d.requires().iter().chain([d])).copied().collect();
        out.sort();
        out.dedup();
        out
    }
}

impl std::str::FromStr for Derive {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Derive::ALL.into_iter().find(|d| d.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Derive::ALL.iter().map(|d| d.name()).collect();
            format!("`{s}` is not a derive schemagen adds; use one of {}", names.join(", "))
        })
    }
}

/// When generated models derive `schemars::JsonSchema`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum JsonSchemaDerive {
    /// Behind the generated crate's `schemars` cargo feature (the default for a crate).
    #[default]
    Feature,
    /// Always: the code is included into a crate that depends on `schemagen-runtime` with its
    /// `schemars` feature on (for `build.rs` output).
    Always,
    /// Never.
    Off,
}

/// Fields named `Model.wireName` (the Rust model name, the property's name on the wire) that
/// are, or are not, credentials whatever the detection says.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    #[serde(default)]
    pub force: Vec<String>,
    #[serde(default)]
    pub exempt: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Output {
    /// The Cargo package name of the generated crate.
    pub crate_name: String,
    pub description: Option<String>,
    /// Where the crate is written.
    pub dir: PathBuf,
    pub runtime: RuntimeDependency,
    /// Omit the `[workspace]` table, for a crate that is a member of an enclosing workspace.
    pub workspace_member: bool,
}

/// How the generated `Cargo.toml` depends on `schemagen-runtime`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuntimeDependency {
    /// A path dependency on a checkout of the runtime crate.
    Path(PathBuf),
    /// A registry dependency with this version requirement.
    Version(String),
}

impl RuntimeDependency {
    /// The runtime crate of the checkout this generator was built from.
    pub fn bundled() -> Self {
        RuntimeDependency::Path(Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime"))
    }
}

#[derive(Clone, Debug)]
pub struct ModuleConfig {
    /// The Rust module name (`crate::<name>`).
    pub name: String,
    pub doc: Option<String>,
    /// Schema files, OpenAPI documents, or directories of them.
    pub inputs: Vec<PathBuf>,
    /// A document that dangling `#/components/schemas/…` refs of standalone files resolve
    /// against, as if the files had been cut out of it.
    pub bundle: Option<PathBuf>,
    /// How the Field column of markdown model docs maps to names on the wire.
    pub wire_naming: WireNaming,
    /// What a link to a model doc that does not exist becomes.
    pub unresolved_links: LinkPolicy,
    /// Which source wins when a markdown doc and a schema describe the same model.
    pub prefer: Prefer,
}

/// When a markdown model doc and a JSON Schema or OpenAPI schema describe one model, they are
/// merged; where they disagree (a type, required-ness, enum values), this source's answer is kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Prefer {
    /// The schema: usually the API's own contract, newer than its SDK's docs.
    #[default]
    Schema,
    Markdown,
}

/// SDK docs show the SDK's names, which are not always the wire's: Panora's TypeScript docs say
/// `idConnection` where its API sends `id_connection`. The config says which it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WireNaming {
    /// The Field column is the wire name (Speakeasy's TypeScript docs of camelCase APIs).
    #[default]
    AsWritten,
    /// The wire name is the Field column in `snake_case`.
    #[serde(rename = "snake_case")]
    SnakeCase,
    /// The wire name is the Field column in `camelCase`.
    #[serde(rename = "camelCase")]
    CamelCase,
}

impl WireNaming {
    pub fn apply(self, name: &str) -> String {
        use heck::{ToLowerCamelCase, ToSnakeCase};
        match self {
            WireNaming::AsWritten => name.to_string(),
            WireNaming::SnakeCase => name.to_snake_case(),
            WireNaming::CamelCase => name.to_lower_camel_case(),
        }
    }
}

/// What an unresolvable link in a markdown model doc becomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkPolicy {
    /// An error (E051) naming the file, line and target.
    #[default]
    Error,
    /// An untyped JSON value, with a warning (W008).
    Any,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    output: RawOutput,
    #[serde(default, rename = "module")]
    modules: Vec<RawModule>,
    #[serde(default)]
    secrets: Secrets,
    #[serde(default, rename = "resource")]
    resources: Vec<RawResource>,
    #[serde(default)]
    types: RawTypes,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTypes {
    #[serde(default)]
    json_schema: JsonSchemaDerive,
    #[serde(default)]
    date_time: DateType,
    /// Defaults to `date-time`'s choice.
    date: Option<DateType>,
    #[serde(default)]
    derives: Vec<Derive>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawResource {
    uri_prefix: String,
    dir: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOutput {
    crate_name: String,
    description: Option<String>,
    dir: PathBuf,
    runtime_path: Option<PathBuf>,
    runtime_version: Option<String>,
    #[serde(default)]
    workspace_member: bool,
    format_assertion: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawModule {
    name: String,
    doc: Option<String>,
    inputs: Vec<toml::Spanned<PathBuf>>,
    bundle: Option<toml::Spanned<PathBuf>>,
    #[serde(default)]
    wire_naming: WireNaming,
    #[serde(default)]
    unresolved_links: LinkPolicy,
    #[serde(default)]
    prefer: Prefer,
}

impl Config {
    /// Reads a config file. Every problem in it is returned at once.
    pub fn load(path: &Path, db: &mut SourceDb) -> Result<Config, Vec<Diagnostic>> {
        let display_root = std::env::current_dir().unwrap_or_default();
        let name = display_name(&display_root, path);
        let text = db.read(path, name.clone()).and_then(|file| file.require_text()).map_err(|d| vec![d])?;
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let raw: RawConfig = read_raw(text).map_err(|mut errors| {
            errors.sort_by_key(|err| err.span().map(|span| span.start));
            errors
                .iter()
                .map(|err| {
                    // A user writes options; serde calls them fields.
                    let message = err.message().replacen("unknown field", "unknown option", 1).replacen(
                        "missing field",
                        "missing option",
                        1,
                    );
                    Diagnostic::error(Code::E004, format!("invalid config: {message}"))
                        .at(Location { span: err.span(), ..Location::file(&name) })
                        .label(message.split(", expected").next().unwrap_or_default().to_string())
                        .hint(config_hint(err.message()))
                })
                .collect::<Vec<_>>()
        })?;

        let mut errors = Vec::new();
        let mut check_exists = |spanned: &toml::Spanned<PathBuf>, what: &str| {
            let resolved = base.join(spanned.get_ref());
            if !resolved.exists() {
                errors.push(
                    Diagnostic::error(Code::E004, format!("{what} `{}` does not exist", spanned.get_ref().display()))
                        .at(Location { span: Some(spanned.span()), ..Location::file(&name) })
                        .label(format!("looked for {}", display_name(&display_root, &resolved)))
                        .hint("paths in the config are relative to the config file"),
                );
            }
            resolved
        };
        let modules = raw
            .modules
            .iter()
            .map(|m| ModuleConfig {
                name: m.name.clone(),
                doc: m.doc.clone(),
                inputs: m.inputs.iter().map(|i| check_exists(i, "input")).collect(),
                bundle: m.bundle.as_ref().map(|b| check_exists(b, "bundle")),
                wire_naming: m.wire_naming,
                unresolved_links: m.unresolved_links,
                prefer: m.prefer,
            })
            .collect();
        let runtime = match (raw.output.runtime_path, raw.output.runtime_version) {
            (Some(path), _) => RuntimeDependency::Path(base.join(path)),
            (None, Some(version)) => RuntimeDependency::Version(version),
            (None, None) => RuntimeDependency::bundled(),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Config {
            output: Output {
                crate_name: raw.output.crate_name,
                description: raw.output.description,
                dir: base.join(raw.output.dir),
                runtime,
                workspace_member: raw.output.workspace_member,
            },
            modules,
            display_root,
            secrets: raw.secrets,
            resources: raw.resources.into_iter().map(|r| (r.uri_prefix, base.join(r.dir))).collect(),
            format_assertion: raw.output.format_assertion.unwrap_or(true),
            types: Types {
                json_schema: raw.types.json_schema,
                date_time: raw.types.date_time,
                date: raw.types.date.unwrap_or(raw.types.date_time),
                derives: raw.types.derives,
            },
        })
    }

    /// The name a path is shown under: relative to [`Config::display_root`] when inside it.
    pub fn display(&self, path: &Path) -> String {
        display_name(&self.display_root, path)
    }
}

/// Reads the config's TOML into [`RawConfig`], with every unknown option at once: each one is
/// taken out of the parsed table and the table read again, so the reader's own list of options
/// decides what is unknown.
fn read_raw(text: &str) -> Result<RawConfig, Vec<toml::de::Error>> {
    let mut table = toml::de::DeTable::parse(text).map_err(|err| vec![err])?;
    let mut errors = Vec::new();
    loop {
        match RawConfig::deserialize(toml::de::Deserializer::from(table.clone())) {
            Ok(raw) if errors.is_empty() => return Ok(raw),
            Ok(_) => return Err(errors),
            Err(err) => {
                let unknown = err.message().starts_with("unknown field");
                let removed = unknown && err.span().is_some_and(|span| remove_key(table.get_mut(), &span));
                errors.push(err);
                if !removed {
                    return Err(errors);
                }
            }
        }
    }
}

/// Removes the key written at `span`, wherever it is in the table.
fn remove_key(table: &mut toml::de::DeTable<'_>, span: &std::ops::Range<usize>) -> bool {
    if let Some(key) = table.keys().find(|key| key.span() == *span).cloned() {
        return table.remove(&key).is_some();
    }
    table.iter_mut().any(|(_, value)| match value.get_mut() {
        toml::de::DeValue::Table(inner) => remove_key(inner, span),
        toml::de::DeValue::Array(items) => items.iter_mut().any(|item| match item.get_mut() {
            toml::de::DeValue::Table(inner) => remove_key(inner, span),
            _ => false,
        }),
        _ => false,
    })
}

/// How to fix a config the TOML reader rejected: the option or value meant, when the message
/// names an unknown one close to a known one.
fn config_hint(message: &str) -> String {
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let unknown = message.starts_with("unknown field") || message.starts_with("unknown variant");
    match quoted.split_first() {
        Some((wanted, known)) if unknown => match crate::names::closest(wanted, known.iter().copied()) {
            Some(meant) => format!("did you mean `{meant}`?"),
            None => format!("write one of {}", known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")),
        },
        Some((missing, _)) if message.starts_with("missing field") => {
            format!(
                "add `{missing} = …` to this table; `schemas/schemagen.toml` of the schemagen repository uses every option"
            )
        }
        _ => "fix the TOML at this spot; `schemas/schemagen.toml` of the schemagen repository uses every option".into(),
    }
}

/// `path` relative to `root` when that is shorter and does not climb out of `root`, with `/`
/// separators on every platform so output is the same everywhere.
pub fn display_name(root: &Path, path: &Path) -> String {
    let absolute = if path.is_absolute() { path.to_path_buf() } else { root.join(path) };
    let normalized = normalize(&absolute);
    let shown = match pathdiff::diff_paths(&normalized, normalize(root)) {
        Some(relative) if !relative.starts_with("..") => relative,
        _ => normalized,
    };
    shown.to_string_lossy().replace('\\', "/")
}

/// Removes `.` and `..` components without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
