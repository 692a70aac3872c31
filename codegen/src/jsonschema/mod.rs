//! The JSON Schema and OpenAPI reader: documents in, [`ir::Crate`] out.
//!
//! Drafts 4, 7, 2019-09 and 2020-12 and OpenAPI 3.0/3.1 `components/schemas` share one lowering.
//! A schema location (file + JSON Pointer) becomes at most one model, however many `$ref`s reach
//! it, so lowering is memoized by location; that same memo is what makes recursive schemas
//! terminate. Problems are pushed as diagnostics and lowering carries on with `Any`, so one run
//! reports everything.

// `Loc` caches the value it points at in a `OnceCell`, which its `Hash` and `Eq` ignore, so
// sets and maps keyed by `Loc` are sound.
#![allow(clippy::mutable_key_type)]

mod checks;
mod keywords;
mod meta;
mod refs;
mod scope;

// The reader's maps are keyed by schema locations it makes itself, looked up many times per
// schema: foldhash, not SipHash. None is iterated for output (see ARCHITECTURE, Determinism).
use foldhash::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::tree::Value;
use indexmap::{IndexMap, IndexSet};
use yoke::Yoke;

use crate::config::Config;
use crate::diag::{Code, Diagnostic, Diagnostics, Location};
use crate::ir::{self, Additional, DocText, Docs, ModelId, ModelKind, Origin, Type};
use crate::names::{self, Namespace};
use crate::source::{self, SourceDb, escape_token};

/// A schema's place: a file (by display name) and a JSON Pointer into it.
///
/// A `Loc` also remembers the value it points at once [`Reader::value`] has found it, and a
/// child of such a `Loc` finds its own value by one step from there rather than by walking
/// the pointer again from the document's root. That cache is not part of its identity.
#[derive(Clone)]
pub(crate) struct Loc {
    pub file: Rc<str>,
    pub pointer: String,
    node: std::cell::OnceCell<Node>,
}

impl PartialEq for Loc {
    fn eq(&self, other: &Loc) -> bool {
        self.file == other.file && self.pointer == other.pointer
    }
}

impl Eq for Loc {}

impl std::hash::Hash for Loc {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.file.hash(state);
        self.pointer.hash(state);
    }
}

impl std::fmt::Debug for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loc").field("file", &self.file).field("pointer", &self.pointer).finish()
    }
}

impl Loc {
    pub(crate) fn new(file: Rc<str>, pointer: String) -> Loc {
        Loc { file, pointer, node: std::cell::OnceCell::new() }
    }

    fn child(&self, tokens: &[&str]) -> Loc {
        let mut pointer = self.pointer.clone();
        for token in tokens {
            pointer.push('/');
            pointer.push_str(&escape_token(token));
        }
        let node = std::cell::OnceCell::new();
        if let Some(parent) = self.node.get() {
            let _ = node.set(parent.descend(tokens));
        }
        Loc { file: self.file.clone(), pointer, node }
    }

    fn location(&self) -> Location {
        Location { pointer: Some(self.pointer.clone()), ..Location::file(&*self.file) }
    }
}

/// A value inside a loaded document, borrowed from it rather than copied: the reader looks at
/// most schemas several times, and copying a schema copied everything nested in it. The
/// document's `Rc` is the value's owner ([`Yoke`]), so a `Node` can outlive the borrow of the
/// `Reader` that made it; its pointer is walked once, when the `Node` is made.
#[derive(Clone)]
pub(crate) struct Node(Yoke<&'static Value, Rc<Value>>);

static NULL: Value = Value::Null;

impl Node {
    /// The value at `pointer` in `doc`; `null` when absent.
    fn new(doc: Rc<Value>, pointer: &str) -> Node {
        Node(Yoke::attach_to_cart(doc, |root| root.pointer(pointer).unwrap_or(&NULL)))
    }

    /// The value `tokens` (unescaped) below this one, as [`Value::pointer`] would find it; `null` when
    /// absent.
    fn descend(&self, tokens: &[&str]) -> Node {
        Node(self.0.map_project_cloned(|value, _| {
            let mut value: &Value = value;
            for token in tokens {
                let next = match value {
                    Value::Object(map) => map.get(token),
                    Value::Array(items) => crate::tree::array_index(token).and_then(|i| items.get(i)),
                    _ => None,
                };
                value = next.unwrap_or(&NULL);
            }
            value
        }))
    }

    /// The member `key` of the value at `pointer` in `doc`, if there is one.
    fn member(doc: Rc<Value>, pointer: &str, key: &str) -> Option<Node> {
        Yoke::try_attach_to_cart(doc, |root| root.pointer(pointer).and_then(|v| v.get(key)).ok_or(())).ok().map(Node)
    }
}

impl std::ops::Deref for Node {
    type Target = Value;

    fn deref(&self) -> &Value {
        self.0.get()
    }
}

/// A [`Reader::first`] result as plain references, to match on.
/// The member of a multi-type union that holds any value the others do not: the values a
/// schema without `type` allows besides those its keywords describe.
const OTHER: &str = "other";

/// What the memo key of a multi-type union's object member adds to the union's pointer.
const OBJECT_PART: &str = " (object)";

fn kv(found: &Option<(Loc, Node)>) -> Option<(&Loc, &Value)> {
    found.as_ref().map(|(loc, node)| (loc, &**node))
}

/// What a schema is, ignoring `null`.
enum Class {
    Struct,
    Map,
    Enum(Vec<std::sync::Arc<str>>),
    Union(Vec<Loc>),
    /// `type: [a, b]` with more than one non-null type.
    MultiType(Vec<String>),
    Plain(Type),
}

/// How many recent origin pointers [`Reader::origin_pointer`] looks among for one to share.
const RECENT_POINTERS: usize = 64;

/// How many schemas one schema may combine through `allOf` and `$ref` (see `Reader::conjuncts`).
pub const MAX_CONJUNCTS: usize = 64;

/// Reads every module of `config` into one IR crate.
pub fn read(config: &Config, db: &mut SourceDb, diagnostics: &mut Diagnostics) -> ir::Crate {
    read_with_progress(config, db, diagnostics, &mut |_| {})
}

/// [`read`], calling `progress` after each input file is lowered.
pub fn read_with_progress(
    config: &Config,
    db: &mut SourceDb,
    diagnostics: &mut Diagnostics,
    progress: &mut dyn FnMut(crate::Progress<'_>),
) -> ir::Crate {
    let mut reader = Reader {
        config,
        db,
        diagnostics,
        docs: HashMap::default(),
        ids: HashMap::default(),
        urls: HashMap::default(),
        resources: Default::default(),
        krate: ir::Crate::default(),
        memo: HashMap::default(),
        module: 0,
        type_names: Vec::new(),
        stack: Vec::new(),
        checked: HashSet::default(),
        check_memo: Default::default(),
        interner: Default::default(),
        origin_files: HashSet::default(),
        recent_pointers: Default::default(),
        constraint_texts: Default::default(),
        scope: Default::default(),
        scope_files: HashMap::default(),
        validation_vocabulary: HashMap::default(),
        dialects: HashMap::default(),
        bundle: None,
        reserved: HashMap::default(),
        wire_naming: Default::default(),
        link_policy: Default::default(),
        wanted: Vec::new(),
        ahead: HashMap::default(),
    };
    let inputs: Vec<Vec<PathBuf>> =
        config.modules.iter().map(|m| expand_inputs(&m.inputs, reader.diagnostics, config)).collect();
    reader.ahead = read_ahead(config, &inputs, reader.db);
    // Load every input first, so a `$ref` by `$id` finds its document whatever the input order.
    for path in inputs.iter().flatten().filter(|p| !is_markdown(p)) {
        reader.load(path);
    }
    let total = inputs.iter().map(Vec::len).sum();
    let mut done = 0;
    let mut tick = |file: &Path| {
        done += 1;
        progress(crate::Progress::Read { done, total, file });
    };
    let mut module_names = Namespace::default();
    for (module, inputs) in config.modules.iter().zip(inputs) {
        let (name, _) = module_names.claim(&names::module_name(&module.name));
        reader.krate.modules.push(ir::Module { name, doc: module.doc.clone(), models: Vec::new() });
        reader.type_names.push(Namespace::default());
        reader.module = reader.krate.modules.len() - 1;
        reader.bundle = module.bundle.as_deref().and_then(|b| reader.load(b));
        reader.wire_naming = module.wire_naming;
        reader.link_policy = module.unresolved_links;
        // Schemas first: their definitions keep their names (and their inline models' names
        // derive from them) when a markdown doc of the same model is merged in afterwards.
        let (docs, schemas): (Vec<PathBuf>, Vec<PathBuf>) = inputs.into_iter().partition(|p| is_markdown(p));
        for input in schemas {
            reader.read_input(&input);
            tick(&input);
        }
        for input in docs {
            if let Some(model) = reader.read_markdown(&input) {
                let file = reader.config.display(&input);
                reader.krate.roots.push(ir::Root { file, model });
            }
            tick(&input);
        }
        crate::merge::merge_module(&mut reader.krate, reader.module, &reader.wanted, module.prefer, reader.diagnostics);
    }
    reader.release_lowering();
    reader.attach_type_checks();
    reader.order_checks();
    let mut krate = reader.krate;
    // A root schema that is a plain type (`{"type": "integer"}`) gets a type of its own, so it
    // can implement `Validate`; a type alias of a foreign type could not.
    for root in krate.roots.clone() {
        let model = &krate.models[root.model.0];
        let ModelKind::Alias { target } = &model.kind else { continue };
        let target = target.clone();
        let names_own_type = match &target {
            Type::Model(id) => !matches!(krate.models[id.0].kind, ModelKind::Alias { .. }),
            _ => false,
        };
        if !names_own_type {
            krate.models[root.model.0].kind = ModelKind::Newtype { target, boxed: false };
        }
    }
    break_alias_cycles(&mut krate, diagnostics);
    box_recursive_fields(&mut krate);
    required_cycles(&krate, diagnostics);
    krate
}

/// An input file parsed ahead of lowering, on another thread ([`read_ahead`]).
pub(crate) enum Parsed {
    Document(Result<(Value, Vec<Diagnostic>), Diagnostic>),
    Markdown(crate::markdown::parse::Doc, Vec<crate::markdown::parse::DocError>),
}

/// Reads and parses every input file on all cores before lowering, which is sequential (it
/// reads `$ref`s and links as it reaches them). Nothing is reported here: the files go to
/// `SourceDb` and the parse results to `Reader::ahead`, and each is taken, with its errors,
/// when lowering reaches the file, in the order it did without reading ahead; so the output
/// and the diagnostics do not depend on which thread read what. Files reached only through a
/// `$ref` or a link are read when reached, as before. The text of a file that parsed is
/// released at once, on its thread (`SourceFile::release`): lowering needs only the parse.
fn read_ahead(config: &Config, inputs: &[Vec<PathBuf>], db: &mut SourceDb) -> HashMap<String, Parsed> {
    use rayon::prelude::*;
    let mut seen = HashSet::default();
    let files: Vec<(&PathBuf, String)> = inputs
        .iter()
        .flatten()
        .filter_map(|path| {
            let name = config.display(path);
            seen.insert(name.clone()).then_some((path, name))
        })
        .collect();
    let done: Vec<_> = files
        .into_par_iter()
        .map(|(path, name)| {
            let text = match std::fs::read(path).map(String::from_utf8) {
                Ok(Ok(text)) => text,
                // Reported by `SourceDb::read`, from these bytes.
                Ok(Err(not_utf8)) => return Err((name, Ok(not_utf8.into_bytes()))),
                Err(err) => return Err((name, Err(err))),
            };
            let mut file = source::SourceFile::from_disk(path.clone(), name, text);
            let parsed = match file.text() {
                Some(text) if is_markdown(path) => {
                    let (doc, errors) = crate::markdown::parse::parse_doc_lenient(text);
                    Parsed::Markdown(doc, errors)
                }
                _ => Parsed::Document(source::parse_document(&file)),
            };
            // A file with a syntax error keeps its text: its diagnostic shows it.
            if !matches!(parsed, Parsed::Document(Err(_))) {
                file.release();
            }
            Ok((file, parsed))
        })
        .collect();
    let mut parsed = HashMap::default();
    for done in done {
        match done {
            Ok((file, result)) => {
                parsed.insert(file.name.clone(), result);
                db.read_ahead_file(file);
            }
            Err((name, contents)) => db.read_ahead(name, contents),
        }
    }
    parsed
}

/// E061 for structs that require, through required fields that cannot be `null`, a value of
/// their own type: no finite document has one, and no Rust value of the type can be built.
fn required_cycles(krate: &ir::Crate, diagnostics: &mut Diagnostics) {
    // The struct a type must contain by value, looking through aliases and newtypes.
    let must_contain = |ty: &Type| {
        let mut ty = ty;
        let mut seen = 0;
        while let Type::Model(id) = ty {
            match &krate.models[id.0].kind {
                ModelKind::Struct(_) => return Some(id.0),
                ModelKind::Alias { target } | ModelKind::Newtype { target, .. } if seen < krate.models.len() => {
                    ty = target;
                    seen += 1;
                }
                _ => return None,
            }
        }
        None
    };
    let required_fields = |model: usize| -> Vec<(usize, usize)> {
        let ModelKind::Struct(s) = &krate.models[model].kind else { return Vec::new() };
        let required = s.fields.iter().enumerate().filter(|(_, f)| f.required);
        required.filter_map(|(i, f)| must_contain(&f.ty).map(|to| (to, i))).collect()
    };
    let edges: Vec<Vec<usize>> =
        (0..krate.models.len()).map(|model| required_fields(model).into_iter().map(|(to, _)| to).collect()).collect();
    let component = strongly_connected(&edges);
    for (index, model) in krate.models.iter().enumerate() {
        let ModelKind::Struct(s) = &model.kind else { continue };
        for (to, field) in required_fields(index) {
            let field = &s.fields[field];
            if component[to] != component[index] {
                continue;
            }
            let message = if to == index {
                format!(
                    "every `{}` must contain another `{}` in `{}`, so no finite document matches it",
                    model.name, model.name, field.wire_name
                )
            } else {
                format!(
                    "every `{}` must contain a `{}` in `{}`, which leads back to `{}`, so no finite document matches it",
                    model.name, krate.models[to].name, field.wire_name, model.name
                )
            };
            let mut diagnostic = Diagnostic::error(Code::E061, message)
                .at(Location::at(&field.origin).key())
                .label(format!("`{}` is required and cannot be `null`", field.wire_name))
                .hint("let the chain end: make this field optional (leave it out of `required`) or allow `null`");
            diagnostic.model = Some(index);
            diagnostics.push(diagnostic);
        }
    }
}

/// Type aliases cannot refer to themselves. A cycle of aliases that only name each other
/// (`A: {$ref: B}`, `B: {$ref: A}`) defines nothing and is an error; one that goes through a
/// container (`Tree: {items: {$ref: Tree}}`) becomes newtype structs.
fn break_alias_cycles(krate: &mut ir::Crate, diagnostics: &mut Diagnostics) {
    let is_alias = |m: &ir::Model| matches!(m.kind, ModelKind::Alias { .. });
    let edges: Vec<Vec<usize>> = krate
        .models
        .iter()
        .map(|model| match &model.kind {
            ModelKind::Alias { target } => {
                let mut out = Vec::new();
                target.visit_models(&mut |id| {
                    if is_alias(&krate.models[id.0]) {
                        out.push(id.0)
                    }
                });
                out
            }
            _ => Vec::new(),
        })
        .collect();
    let component = strongly_connected(&edges);
    let mut size = HashMap::default();
    for c in &component {
        *size.entry(*c).or_insert(0) += 1;
    }
    let cyclic: Vec<usize> = (0..krate.models.len())
        .filter(|&i| is_alias(&krate.models[i]) && (size[&component[i]] > 1 || edges[i].contains(&i)))
        .collect();
    for &i in &cyclic {
        let ModelKind::Alias { target } = krate.models[i].kind.clone() else { continue };
        let only_names = cyclic.iter().filter(|&&j| component[j] == component[i]).all(|&j| {
            matches!(&krate.models[j].kind, ModelKind::Alias { target: Type::Model(_) })
                || matches!(&krate.models[j].kind, ModelKind::Alias { target: Type::Nullable(inner) } if matches!(**inner, Type::Model(_)))
        });
        let model = &mut krate.models[i];
        if only_names {
            let mut diagnostic = Diagnostic::error(
                Code::E013,
                format!(
                    "`{}` is a `$ref` to a `$ref` that leads back to it, and no schema on the way defines a shape",
                    model.name
                ),
            )
            .at(Location::at(&model.origin))
            .label("this definition is only a `$ref`")
            .hint("one schema in the cycle must have a `type` or `properties` of its own");
            diagnostic.model = Some(i);
            diagnostics.push(diagnostic);
            model.kind = ModelKind::Alias { target: Type::Any };
        } else {
            model.kind = ModelKind::Newtype { target, boxed: false };
        }
    }
}

/// Files named directly, plus the `.json`, `.yaml` and `.yml` files inside named directories
/// (recursively, in sorted order so the output does not depend on the file system).
pub fn expand_inputs(inputs: &[PathBuf], diagnostics: &mut Diagnostics, config: &Config) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found = Vec::new();
            collect_dir(input, &mut found, diagnostics, config);
            found.sort();
            out.extend(found);
        } else {
            out.push(input.clone());
        }
    }
    out
}

fn collect_dir(dir: &Path, out: &mut Vec<PathBuf>, diagnostics: &mut Diagnostics, config: &Config) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            let name = config.display(dir);
            diagnostics.push(
                Diagnostic::error(Code::E001, format!("cannot read directory `{name}`: {err}"))
                    .at(Location::file(name)),
            );
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_dir(&path, out, diagnostics, config);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("json" | "yaml" | "yml" | "md")) {
            out.push(path);
        }
    }
}

/// Markdown model docs go to the markdown reader; everything else is a JSON or YAML document.
pub fn is_markdown(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("md"))
}

/// The lowering state shared by the JSON Schema reader and the markdown reader
/// (`crate::markdown::lower`), so both fill one IR crate with one set of names.
pub(crate) struct Reader<'a> {
    pub(crate) config: &'a Config,
    pub(crate) db: &'a mut SourceDb,
    diagnostics: &'a mut Diagnostics,
    /// Parsed documents by display name; `None` for a file that failed to load.
    docs: HashMap<Rc<str>, Option<Rc<Value>>>,
    /// Documents by their root `$id`, or the URL a mapped resource was loaded for.
    ids: HashMap<String, Rc<str>>,
    /// The URL each mapped resource was loaded for, its base URI when it has no `$id`.
    urls: HashMap<Rc<str>, String>,
    /// Schema resources (`$id`s, embedded ones too) and anchors of the loaded documents, by
    /// absolute URI; filled by `index_resources` the first time a `$ref` is resolved.
    resources: refs::Resources,
    pub(crate) krate: ir::Crate,
    pub(crate) memo: HashMap<Loc, ModelId>,
    pub(crate) module: usize,
    pub(crate) type_names: Vec<Namespace>,
    /// The models being lowered, innermost last; problems are charged to the innermost.
    pub(crate) stack: Vec<ModelId>,
    /// The validation check of each schema location, made once per dynamic scope it is
    /// reached in (see `scope.rs`; without dynamic anchors, the scope is always empty).
    /// Keyed by [`Reader::value_id`].
    pub(crate) check_memo: checks::CheckMemo,
    /// The checks made so far, by their rules, so each distinct check is stored once.
    pub(crate) interner: checks::Interner,
    /// The file name every origin in a file shares.
    origin_files: HashSet<std::sync::Arc<str>>,
    /// The pointers of the latest origins, newest last ([`Reader::origin_pointer`]).
    recent_pointers: std::collections::VecDeque<std::sync::Arc<str>>,
    /// Each distinct constraint text of the docs ([`Reader::constraint_text`]).
    constraint_texts: std::cell::RefCell<HashSet<std::sync::Arc<str>>>,
    /// The dynamic scope of the check being lowered.
    scope: scope::Scope,
    /// The resources of each document that declare dynamic anchors, found on first use.
    scope_files: HashMap<Rc<str>, Rc<scope::FileResources>>,
    /// Whether each document's meta-schema asserts the validation vocabulary (`Reader::validates`).
    validation_vocabulary: HashMap<Rc<str>, bool>,
    /// The dialect of each document without a `$schema`, when a `$ref` from a document that has
    /// one loaded it (`Reader::inherit_dialect`).
    dialects: HashMap<Rc<str>, checks::Draft>,
    /// The schemas (objects) whose keywords were already checked, so each warning appears once;
    /// by address, which is one per location while the documents are loaded, and an eighth of
    /// the size of a `Loc`.
    checked: HashSet<usize>,
    bundle: Option<Rc<str>>,
    /// Names claimed up front for the definitions of the input being read, so that a
    /// definition keeps its own name even when an inline schema reached earlier wanted it.
    reserved: HashMap<Loc, String>,
    /// The current module's markdown settings.
    pub(crate) wire_naming: crate::config::WireNaming,
    pub(crate) link_policy: crate::config::LinkPolicy,
    /// The name each model asked for before collisions were settled, by model index; models of
    /// different kinds of source that asked for the same name describe the same thing. `None`
    /// when it is the name the model got, as for most.
    pub(crate) wanted: Vec<Option<Box<str>>>,
    /// Input files parsed ahead of lowering, by display name, until lowering reaches them.
    pub(crate) ahead: HashMap<String, Parsed>,
}

impl Reader<'_> {
    /// Frees what only lowering needs, once every module is lowered: the memos, which hold an
    /// entry for nearly every schema of the inputs, and the parsed documents. Finishing and
    /// ordering the checks then reuses that memory instead of adding to the peak of the run.
    fn release_lowering(&mut self) {
        self.memo = HashMap::default();
        self.check_memo = Default::default();
        self.checked = HashSet::default();
        self.reserved = HashMap::default();
        self.resources = Default::default();
        self.scope_files = HashMap::default();
        self.docs = HashMap::default();
    }

    /// Where `loc` is, for the IR.
    pub(crate) fn origin(&mut self, loc: &Loc) -> Origin {
        Origin { file: self.origin_file(&loc.file), pointer: Some(self.origin_pointer(&loc.pointer)), line: None }
    }

    /// `pointer`, shared with a recent origin that has it: a field's origin, the origin of the
    /// inline model it holds and of their check are made within a few steps of each other, and
    /// would otherwise each copy the same pointer.
    fn origin_pointer(&mut self, pointer: &str) -> std::sync::Arc<str> {
        if let Some(found) = self.recent_pointers.iter().find(|p| ***p == *pointer) {
            return found.clone();
        }
        let shared: std::sync::Arc<str> = pointer.into();
        if self.recent_pointers.len() == RECENT_POINTERS {
            self.recent_pointers.pop_front();
        }
        self.recent_pointers.push_back(shared.clone());
        shared
    }

    /// The file name `name` as the IR's origins share it.
    pub(crate) fn origin_file(&mut self, name: &str) -> std::sync::Arc<str> {
        if let Some(file) = self.origin_files.get(name) {
            return file.clone();
        }
        let file: std::sync::Arc<str> = name.into();
        self.origin_files.insert(file.clone());
        file
    }

    pub(crate) fn push(&mut self, mut diagnostic: Diagnostic) {
        // Warnings about the built-in meta-schemas are nothing a user could act on.
        let in_meta_schema = diagnostic.location.as_ref().is_some_and(|l| meta::builtin(&l.file).is_some());
        if in_meta_schema && diagnostic.severity == crate::diag::Severity::Warning {
            return;
        }
        diagnostic.model = self.stack.last().map(|id| id.0);
        self.diagnostics.push(diagnostic);
    }

    /// Reads and parses a document once; later calls return the same file name.
    fn load(&mut self, path: &Path) -> Option<Rc<str>> {
        let name: Rc<str> = self.config.display(path).into();
        if let Some(doc) = self.docs.get(&name) {
            return doc.as_ref().map(|_| name.clone());
        }
        let parsed = match self.db.read(path, name.to_string()) {
            Ok(file) => match self.ahead.remove(&*name) {
                Some(Parsed::Document(parsed)) => parsed,
                _ => source::parse_document(file),
            },
            Err(diagnostic) => Err(diagnostic),
        };
        if parsed.is_ok() {
            // Lowering needs only the parsed document: a diagnostic that shows the text reads it again.
            self.db.release(&name);
        }
        self.insert_parsed(name, parsed)
    }

    /// Whether `file` is an OpenAPI document, or cut out of one (its module's bundle is one).
    fn is_openapi(&self, file: &str) -> bool {
        let openapi = |file: &str| self.doc(file).get("openapi").is_some();
        openapi(file) || self.bundle.as_deref().is_some_and(openapi)
    }

    /// Loads a built-in meta-schema (`meta.rs`) once, named by its URI.
    fn load_meta_schema(&mut self, uri: &'static str, text: &'static str) -> Option<Rc<str>> {
        let name: Rc<str> = uri.into();
        if let Some(doc) = self.docs.get(&name) {
            return doc.as_ref().map(|_| name.clone());
        }
        let file = self.db.add(PathBuf::from(uri), uri.to_string(), text.to_string());
        let parsed = source::parse_document(file);
        let loaded = self.insert_parsed(name, parsed)?;
        self.urls.insert(loaded.clone(), uri.to_string());
        Some(loaded)
    }

    fn insert_parsed(
        &mut self,
        name: Rc<str>,
        parsed: Result<(Value, Vec<Diagnostic>), Diagnostic>,
    ) -> Option<Rc<str>> {
        let doc = match parsed {
            Ok((doc, problems)) => {
                problems.into_iter().for_each(|problem| self.push(problem));
                Rc::new(doc)
            }
            Err(diagnostic) => {
                self.push(diagnostic);
                self.docs.insert(name, None);
                return None;
            }
        };
        let id = doc.get("$id").or_else(|| doc.get("id")).and_then(Value::as_str);
        if let Some(id) = id {
            self.ids.insert(id.trim_end_matches('#').to_string(), name.clone());
        }
        self.docs.insert(name.clone(), Some(doc));
        Some(name)
    }

    fn doc(&self, file: &str) -> Rc<Value> {
        self.docs.get(file).cloned().flatten().unwrap_or_else(|| Rc::new(Value::Null))
    }

    /// The value at a location, borrowed from its document: nothing is copied. Locations are
    /// only made for values that exist.
    fn value(&self, loc: &Loc) -> Node {
        if let Some(node) = loc.node.get() {
            return node.clone();
        }
        match self.docs.get(&*loc.file) {
            Some(Some(doc)) => loc.node.get_or_init(|| Node::new(doc.clone(), &loc.pointer)).clone(),
            // Not a loaded document (a markdown doc, or a file that failed to load): `null`,
            // and nothing is remembered.
            _ => Node::new(Rc::new(Value::Null), ""),
        }
    }

    /// The identity of the value at `loc`, for the reader's memos: its address in its document,
    /// which stays loaded, unmoved, until reading ends. Locations that name the same value (an
    /// index written `01` and `1`) share it, as do all that name nothing (`0`, or the address of
    /// the one absent value), whose checks and keywords are empty anyway. Cheaper to keep than
    /// a `Loc`, whose pointer is a string of its own.
    pub(crate) fn value_id(&self, loc: &Loc) -> usize {
        match self.docs.get(&*loc.file) {
            Some(Some(_)) => std::ptr::from_ref::<Value>(&self.value(loc)) as usize,
            _ => 0,
        }
    }

    fn read_input(&mut self, path: &Path) {
        self.read_input_models(path);
        // Every definition has taken the name it reserved by now; the emptied table would keep
        // its size otherwise.
        self.reserved.shrink_to_fit();
    }

    fn read_input_models(&mut self, path: &Path) {
        let Some(file) = self.load(path) else { return };
        let doc = self.doc(&file);
        let root = Loc::new(file.clone(), String::new());
        if doc.get("swagger").is_some() {
            self.push(
                Diagnostic::error(Code::E020, "Swagger 2.0 documents are not supported")
                    .at(root.child(&["swagger"]).location())
                    .hint("convert the document to OpenAPI 3 first (for example with swagger2openapi)"),
            );
            return;
        }
        if doc.get("openapi").is_some() {
            let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) else {
                return;
            };
            let definitions: Vec<(Loc, String)> = schemas
                .keys()
                .map(|key| (root.child(&["components", "schemas", key]), names::type_name(key)))
                .collect();
            self.reserve(&definitions);
            for (loc, name) in definitions {
                self.define(&loc, &name);
            }
            return;
        }
        let mut definitions = Vec::new();
        for keyword in ["$defs", "definitions"] {
            if let Some(defs) = doc.get(keyword).and_then(Value::as_object) {
                definitions.extend(defs.keys().map(|key| (root.child(&[keyword, key]), names::type_name(key))));
            }
        }
        self.reserve(&definitions);
        // A document that is only a container of definitions has no model of its own; any other
        // document does, even one with only annotations (`{}`, `contentMediaType`), which then
        // accepts every value rather than generating nothing.
        if keywords::has_shape(&doc) || (definitions.is_empty() && doc.is_object()) {
            let title = doc.get("title").and_then(Value::as_str).filter(|t| t.chars().any(|c| c.is_ascii_alphabetic()));
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("Root");
            let model = self.define(&root, &names::type_name(title.unwrap_or(stem)));
            self.krate.roots.push(ir::Root { file: file.to_string(), model });
        }
        for (loc, name) in definitions {
            self.define(&loc, &name);
        }
    }

    fn reserve(&mut self, definitions: &[(Loc, String)]) {
        for (loc, wanted) in definitions {
            if self.memo.contains_key(loc) || self.reserved.contains_key(loc) {
                continue;
            }
            let (name, renamed) = self.type_names[self.module].claim(wanted);
            let key = source::pointer_tokens(&loc.pointer).last().unwrap_or_default();
            if names::is_made_up(&key) {
                self.push(made_up_name("definition", &key, &name).at(loc.location().key()));
            } else if renamed {
                self.push(
                    Diagnostic::warning(
                        Code::W002,
                        format!("definition `{key}` becomes the Rust type `{wanted}`, which another definition already has; it is named `{name}`"),
                    )
                    .at(loc.location().key())
                    .label(format!("`{key}` is `{name}` in Rust"))
                    .hint("rename one of the definitions if the Rust name matters to you, or put them in different modules"),
                );
            }
            self.reserved.insert(loc.clone(), name);
        }
    }

    /// Makes (once per location) the named model for the schema at `loc`.
    fn define(&mut self, loc: &Loc, wanted: &str) -> ModelId {
        self.define_with(loc, wanted, None, None)
    }

    /// [`Self::define`] for a model whose conjuncts are already known: the merge of several
    /// schemas, memoized under a key that names them all.
    /// `checked` names the schemas a document of the model must satisfy, when that is not `loc`.
    fn define_with(&mut self, loc: &Loc, wanted: &str, parts: Option<Vec<Loc>>, checked: Option<Vec<Loc>>) -> ModelId {
        crate::deep(|| self.define_deep(loc, wanted, parts, checked))
    }

    fn define_deep(&mut self, loc: &Loc, wanted: &str, parts: Option<Vec<Loc>>, checked: Option<Vec<Loc>>) -> ModelId {
        if let Some(&id) = self.memo.get(loc) {
            return id;
        }
        let id = ModelId(self.krate.models.len());
        let name = match self.reserved.remove(loc) {
            Some(name) => name,
            // Inline schemas take the next free name quietly: theirs is made up anyway. Their
            // wanted name joins other names (`Parent` + `Field`), so it is sanitized again.
            None => self.type_names[self.module].claim(&names::type_name(wanted)).0,
        };
        let origin = self.origin(parts.as_ref().and_then(|p| p.first()).unwrap_or(loc));
        self.wanted.push(crate::merge::wanted_if_other(&names::type_name(wanted), &name));
        self.krate.models.push(ir::Model::placeholder(name.clone(), self.module, origin));
        self.krate.modules[self.module].models.push(id);
        self.memo.insert(loc.clone(), id);
        self.stack.push(id);
        let docs = match &parts {
            Some(parts) => Docs::new(parts.iter().fold(DocText::default(), |mut docs, part| {
                merge_docs(&mut docs, self.docs_at(part));
                docs
            })),
            None => Docs::new(self.docs_at(loc)),
        };
        let checked_locs = checked.clone().unwrap_or_else(|| vec![loc.clone()]);
        let kind = self.model_kind(loc, &name, parts, &checked_locs);
        let check = match checked {
            Some(locs) => self.check_all(&locs),
            None => self.check(loc),
        };
        self.stack.pop();
        let model = &mut self.krate.models[id.0];
        model.docs = docs;
        model.kind = kind;
        model.check = Some(check);
        id
    }

    /// `checked` names the schemas a document of the model must satisfy.
    fn model_kind(&mut self, loc: &Loc, name: &str, parts: Option<Vec<Loc>>, checked: &[Loc]) -> ModelKind {
        let parts = match parts {
            Some(parts) => parts,
            None => {
                if *self.value(loc) == Value::Bool(false) {
                    self.push(
                        Diagnostic::warning(
                            Code::W004,
                            format!("`{name}` is the schema `false`, which accepts no value"),
                        )
                        .at(loc.location())
                        .label("no document can match this")
                        .hint("give the definition a schema that accepts something, or remove it"),
                    );
                }
                if let Some(reference) = self.pure_ref(loc) {
                    return ModelKind::Alias { target: self.lower_ref(loc, &reference) };
                }
                self.conjuncts(loc)
            }
        };
        // The object member of a multi-type union is the struct, not the union again.
        let only = loc.pointer.ends_with(OBJECT_PART).then_some("object");
        match self.classify(&parts, only) {
            Class::Struct => ModelKind::Struct(self.lower_struct(&parts, name)),
            Class::Enum(values) => ModelKind::Enum(self.lower_enum(loc, &values)),
            Class::Union(variants) => ModelKind::Union(self.lower_union(&parts, &variants, name)),
            Class::MultiType(types) => {
                let mut union = self.lower_multi_type(loc, &parts, &types, name, checked);
                // `null` among the types: the model itself holds it (a use of the model that is
                // nullable wraps it in an `Option` too, which then takes the `null`).
                if self.types(&parts).1 && !types.iter().any(|t| t == OTHER) {
                    let null = ir::UnionVariant {
                        rust_name: "Null".into(),
                        ty: Type::Null,
                        boxed: false,
                        tag: None,
                        docs: Docs::default(),
                    };
                    union.variants.push(null);
                }
                ModelKind::Union(union)
            }
            Class::Map => {
                let map = self.lower_map(&parts, name);
                ModelKind::Alias { target: self.wrap_null(&parts, map) }
            }
            Class::Plain(ty) => ModelKind::Alias { target: self.wrap_null(&parts, ty) },
        }
    }

    /// The Rust type for the schema at `loc`, making a model named `hint` if it needs one.
    fn lower(&mut self, loc: &Loc, hint: &str) -> Type {
        crate::deep(|| self.lower_deep(loc, hint))
    }

    fn lower_deep(&mut self, loc: &Loc, hint: &str) -> Type {
        match &*self.value(loc) {
            Value::Bool(true) => return Type::Any,
            Value::Bool(false) => {
                self.push(
                    Diagnostic::warning(Code::W004, "the schema `false` accepts no value")
                        .at(loc.location())
                        .label("no document can have a value here")
                        .hint("remove the property, or give it a schema that accepts something"),
                );
                return Type::Any;
            }
            Value::Object(_) => {}
            _ => {
                self.push(
                    Diagnostic::error(Code::E020, "a schema must be an object or a boolean")
                        .at(loc.location())
                        .label("expected `{ … }`, `true` or `false`")
                        .hint("write a schema such as `{ \"type\": \"string\" }`, or `true` to accept any value"),
                );
                return Type::Any;
            }
        }
        if let Some(reference) = self.pure_ref(loc) {
            self.check_keywords(loc);
            return self.lower_ref(loc, &reference);
        }
        let parts = self.conjuncts(loc);
        match self.classify(&parts, None) {
            Class::Struct | Class::Enum(_) | Class::Union(_) | Class::MultiType(_) => {
                let id = self.define(loc, hint);
                self.wrap_null(&parts, Type::Model(id))
            }
            Class::Map => {
                let map = self.lower_map(&parts, hint);
                self.wrap_null(&parts, map)
            }
            Class::Plain(ty) => self.wrap_null(&parts, ty),
        }
    }

    /// The type of a value that must match every schema in `locs` (one property declared by
    /// several `allOf` members, say). When one schema already includes all the others, as a
    /// refinement does, it is used as it is; otherwise their conjuncts are merged into one model.
    fn lower_all(&mut self, locs: &[Loc], hint: &str) -> Type {
        if let [only] = locs {
            return self.lower(only, hint);
        }
        let sets: Vec<Vec<Loc>> = locs.iter().map(|loc| self.conjuncts(loc)).collect();
        if let Some(i) = (0..sets.len()).find(|&i| sets.iter().all(|set| set.iter().all(|l| sets[i].contains(l)))) {
            return self.lower(&locs[i], hint);
        }
        let mut parts: Vec<Loc> = Vec::new();
        for loc in sets.into_iter().flatten() {
            if !parts.contains(&loc) {
                parts.push(loc);
            }
        }
        let key = Loc::new(
            locs[0].file.clone(),
            locs.iter().map(|l| format!("{}#{}", l.file, l.pointer)).collect::<Vec<_>>().join(" & "),
        );
        match self.classify(&parts, None) {
            Class::Struct | Class::Enum(_) | Class::Union(_) | Class::MultiType(_) => {
                let id = self.define_with(&key, hint, Some(parts.clone()), Some(locs.to_vec()));
                self.wrap_null(&parts, Type::Model(id))
            }
            Class::Map => {
                let map = self.lower_map(&parts, hint);
                self.wrap_null(&parts, map)
            }
            Class::Plain(ty) => self.wrap_null(&parts, ty),
        }
    }

    /// The locations of `keyword`'s schema in every part that has one.
    fn all_of_keyword(&self, parts: &[Loc], keyword: &str) -> Vec<Loc> {
        parts
            .iter()
            .filter(|p| self.value(p).get(keyword).is_some_and(|v| v.is_object() || v.is_boolean()))
            .map(|p| p.child(&[keyword]))
            .collect()
    }

    /// A schema that is only a `$ref` (annotations aside) stands for its target.
    fn pure_ref(&self, loc: &Loc) -> Option<String> {
        let value = self.value(loc);
        let object = value.as_object()?;
        let reference = object.get("$ref")?.as_str()?.to_string();
        object.keys().all(|k| k == "$ref" || keywords::is_annotation(k)).then_some(reference)
    }

    fn lower_ref(&mut self, from: &Loc, reference: &str) -> Type {
        let mut chain = vec![from.clone()];
        let mut reference = reference.to_string();
        let target = loop {
            let at = chain.last().expect("the chain starts non-empty").clone();
            let target = match self.resolve_ref(&at, &reference) {
                Ok(target) => target,
                Err(diagnostic) => {
                    self.push(diagnostic);
                    return Type::Any;
                }
            };
            if chain.contains(&target) {
                let message = if chain.len() == 1 {
                    format!("`{reference}` refers to the schema it stands in, which defines no shape")
                } else {
                    "these `$ref`s only point at each other and never define a shape".to_string()
                };
                self.push(
                    Diagnostic::error(Code::E013, message)
                        .at(from.child(&["$ref"]).location())
                        .label(format!("`{reference}` leads back here"))
                        .hint("one schema in the cycle must have a `type` or `properties` of its own"),
                );
                return Type::Any;
            }
            match self.pure_ref(&target) {
                // Chase through plain aliases only when they are not definitions of their own.
                Some(next) if !keywords::is_definition(&target.pointer) => {
                    chain.push(target);
                    reference = next;
                }
                _ => break target,
            }
        };
        let name = self.target_name(&target);
        if keywords::is_definition(&target.pointer) {
            // Define first: the memo entry is what stops a definition that contains itself
            // (`List: {items: {$ref: List}}`) from recursing forever.
            let id = self.define(&target, &name);
            let structural =
                !matches!(self.krate.models[id.0].kind, ModelKind::Alias { .. } | ModelKind::Newtype { .. });
            if !structural {
                return Type::Model(id);
            }
            let parts = self.conjuncts(&target);
            return self.wrap_null(&parts, Type::Model(id));
        }
        self.lower(&target, &name)
    }

    /// A name for a `$ref` target: its key under `$defs`/`components/schemas`, the document's
    /// title or file name for a root, or the last pointer token.
    fn target_name(&self, target: &Loc) -> String {
        if target.pointer.is_empty() {
            let doc = self.doc(&target.file);
            if let Some(title) = doc.get("title").and_then(Value::as_str) {
                return names::type_name(title);
            }
            let stem = Path::new(&*target.file).file_stem().and_then(|s| s.to_str()).unwrap_or("Root");
            return names::type_name(stem);
        }
        let last = source::pointer_tokens(&target.pointer).last().unwrap_or_default();
        names::type_name(&last)
    }

    /// The schema at `loc` plus everything that must hold with it: `allOf` members and the
    /// targets of `$ref`s, recursively, in source order.
    /// At most [`MAX_CONJUNCTS`] are gathered (E007 beyond), so that a chain of thousands of
    /// `allOf` members or `$ref`s costs neither quadratic time nor stack.
    fn conjuncts(&mut self, loc: &Loc) -> Vec<Loc> {
        let mut out = Vec::new();
        let mut seen = HashSet::default();
        self.collect_conjuncts(loc, &mut out, &mut seen);
        if out.len() > MAX_CONJUNCTS {
            // The model is skipped for the error; lowering only the schema itself keeps a
            // chain of thousands from costing time quadratic in its length.
            out.truncate(1);
            self.push(
                Diagnostic::error(
                    Code::E007,
                    format!("this schema combines more than {MAX_CONJUNCTS} schemas through `allOf` and `$ref`"),
                )
                .at(loc.location())
                .label("following `allOf` members and the targets of `$ref`s, recursively, never ends here")
                .hint(
                    "a chain this long is not one a person wrote; check for a generator that nests `allOf` without end",
                ),
            );
        }
        out
    }

    fn collect_conjuncts(&mut self, loc: &Loc, out: &mut Vec<Loc>, seen: &mut HashSet<Loc>) {
        if out.len() > MAX_CONJUNCTS || !seen.insert(loc.clone()) {
            return;
        }
        let value = self.value(loc);
        let Some(object) = value.as_object() else { return };
        self.check_keywords(loc);
        out.push(loc.clone());
        if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
            match self.resolve_ref(loc, reference) {
                Ok(target) => crate::deep(|| self.collect_conjuncts(&target, out, seen)),
                Err(diagnostic) => self.push(diagnostic),
            }
        }
        match object.get("allOf") {
            Some(Value::Array(members)) => {
                for i in 0..members.len() {
                    crate::deep(|| self.collect_conjuncts(&loc.child(&["allOf", &i.to_string()]), out, seen));
                }
            }
            Some(_) => self.wrong_kind(
                &loc.child(&["allOf"]),
                "`allOf` must be an array of schemas",
                "`\"allOf\": [{ \"$ref\": \"#/$defs/Base\" }, { \"required\": [\"id\"] }]`",
            ),
            None => {}
        }
    }

    /// E020: a keyword whose value has the wrong kind; `example` shows the right one.
    fn wrong_kind(&mut self, loc: &Loc, message: &str, example: &str) {
        let found = match &*self.value(loc) {
            Value::Null => "`null`",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        };
        self.push(
            Diagnostic::error(Code::E020, message)
                .at(loc.location())
                .label(format!("this is {found}"))
                .hint(format!("write it like {example}")),
        );
    }

    /// The first value of `keyword` among `parts`, with the part it came from.
    fn first(&self, parts: &[Loc], keyword: &str) -> Option<(Loc, Node)> {
        parts.iter().find_map(|part| {
            Node::member(self.doc(&part.file), &part.pointer, keyword).map(|node| (part.clone(), node))
        })
    }

    /// The declared types of a conjunction (intersected), without `null`, and whether `null`
    /// is allowed.
    fn types(&mut self, parts: &[Loc]) -> (Option<Vec<String>>, bool) {
        let mut types: Option<Vec<String>> = None;
        let mut nullable = false;
        for part in parts {
            let value = self.value(part);
            if value.get("nullable") == Some(&Value::Bool(true)) {
                nullable = true;
            }
            let declared: Vec<String> = match value.get("type") {
                None => continue,
                Some(Value::String(t)) => vec![t.to_string()],
                Some(Value::Array(ts)) if ts.iter().all(Value::is_string) => {
                    ts.iter().filter_map(Value::as_str).map(String::from).collect()
                }
                Some(_) => {
                    self.wrong_kind(
                        &part.child(&["type"]),
                        "`type` must be a type name or an array of them",
                        "`\"type\": \"string\"` or `\"type\": [\"string\", \"null\"]`",
                    );
                    continue;
                }
            };
            types = Some(match types {
                None => declared,
                Some(previous) => {
                    // Integers are numbers: `number` and `integer` together allow integers.
                    let has = |types: &[String], t: &str| types.iter().any(|d| d == t);
                    let mut common: Vec<String> = Vec::new();
                    for t in &previous {
                        let kept = if has(&declared, t) {
                            Some(t.as_str())
                        } else if (t == "integer" && has(&declared, "number"))
                            || (t == "number" && has(&declared, "integer"))
                        {
                            Some("integer")
                        } else {
                            None
                        };
                        if let Some(kept) = kept.filter(|k| !has(&common, k)) {
                            common.push(kept.to_string());
                        }
                    }
                    if common.is_empty() && !previous.is_empty() {
                        self.push(
                            Diagnostic::error(
                                Code::E021,
                                format!(
                                    "`allOf` members allow no common type: {} and {}",
                                    previous.join("/"),
                                    declared.join("/")
                                ),
                            )
                            .at(part.child(&["type"]).location())
                            .label("no value can have both types")
                            .hint("make the `type`s of the `allOf` members agree"),
                        );
                    }
                    common
                }
            });
        }
        if let Some(types) = &mut types {
            if types.iter().any(|t| t == "null") {
                nullable = true;
                types.retain(|t| t != "null");
                if types.is_empty() {
                    types.push("null".into());
                }
            }
        }
        (types, nullable)
    }

    fn wrap_null(&mut self, parts: &[Loc], ty: Type) -> Type {
        let (_, nullable) = self.types(parts);
        let enum_null = self
            .first(parts, "enum")
            .is_some_and(|(_, values)| values.as_array().is_some_and(|v| v.contains(&Value::Null)));
        if (nullable || enum_null) && !matches!(ty, Type::Nullable(_) | Type::Null | Type::Any) {
            Type::Nullable(Box::new(ty))
        } else {
            ty
        }
    }

    fn classify(&mut self, parts: &[Loc], only_type: Option<&str>) -> Class {
        if only_type.is_none() {
            if let Some(class) = self.classify_enum(parts) {
                return class;
            }
            if let Some(class) = self.classify_union(parts) {
                return class;
            }
        }
        let has = |reader: &Self, keyword: &str| reader.first(parts, keyword).is_some();
        let (declared, _) = self.types(parts);
        let types = match only_type {
            Some(t) => vec![t.to_string()],
            None => declared.unwrap_or_default(),
        };
        let inferred = if types.is_empty() {
            let kind =
                if ["properties", "required", "additionalProperties", "patternProperties"].iter().any(|k| has(self, k))
                {
                    "object"
                } else if has(self, "items") || has(self, "prefixItems") {
                    "array"
                } else {
                    return Class::Plain(Type::Any);
                };
            // Without a `type`, object (or array) keywords say nothing about other values, which
            // are valid too: a union of the kind and any other value holds every valid document.
            // OpenAPI documents keep the convention of their tools, which take such a schema
            // for an object.
            if only_type.is_none() && !self.is_openapi(&parts[0].file) {
                return Class::MultiType(vec![kind.to_string(), OTHER.to_string()]);
            }
            kind
        } else if types.len() > 1 {
            return Class::MultiType(types);
        } else {
            types[0].as_str()
        };
        match inferred {
            "object" => {
                if has(self, "properties") || has(self, "required") {
                    Class::Struct
                } else {
                    Class::Map
                }
            }
            "array" => Class::Plain(self.lower_array(parts)),
            "string" => Class::Plain(match self.first(parts, "format").as_ref().and_then(|(_, f)| f.as_str()) {
                Some("date-time") => Type::DateTime,
                Some("date") => Type::Date,
                Some("uuid") => Type::Uuid,
                _ => Type::String,
            }),
            "integer" => Class::Plain(Type::Integer),
            "number" => Class::Plain(Type::Number),
            "boolean" => Class::Plain(Type::Boolean),
            "null" => Class::Plain(Type::Null),
            other => {
                let (loc, declared) = self.first(parts, "type").expect("a type was declared");
                // In `type: [a, b]`, the unknown name itself.
                let site = match declared.as_array().and_then(|ts| ts.iter().position(|t| t == other)) {
                    Some(i) => loc.child(&["type", &i.to_string()]),
                    None => loc.child(&["type"]),
                };
                self.push(
                    Diagnostic::error(Code::E020, format!("unknown type `{other}`"))
                        .at(site.location())
                        .label("not a JSON Schema type")
                        .hint(match meant_type(other) {
                            Some(meant) => format!("did you mean `{meant}`? JSON Schema types are string, number, integer, boolean, object, array and null"),
                            None => "JSON Schema types are string, number, integer, boolean, object, array and null".into(),
                        }),
                );
                Class::Plain(Type::Any)
            }
        }
    }

    fn classify_enum(&mut self, parts: &[Loc]) -> Option<Class> {
        // Every part that lists allowed values, with those values: `enum`, or `const` as one.
        let mut lists: Vec<(Loc, Vec<Value>)> = Vec::new();
        for part in parts {
            let value = self.value(part);
            match value.get("enum") {
                Some(Value::Array(values)) => lists.push((part.child(&["enum"]), values.to_vec())),
                Some(_) => {
                    self.wrong_kind(
                        &part.child(&["enum"]),
                        "`enum` must be an array of values",
                        "`\"enum\": [\"cat\", \"dog\"]`, or `\"const\": \"cat\"` for one value",
                    );
                    return Some(Class::Plain(Type::Any));
                }
                None => {}
            }
            if let Some(value) = value.get("const") {
                lists.push((part.child(&["const"]), vec![value.clone()]));
            }
        }
        let mut lists = lists.into_iter();
        let (loc, mut values) = lists.next()?;
        // `allOf` members each listing values allow only the values they all list.
        for (other, allowed) in lists {
            let common: Vec<Value> = values.iter().filter(|v| allowed.contains(v)).cloned().collect();
            if common.is_empty() {
                let show = |values: &[Value]| values.iter().map(Value::to_string).collect::<Vec<_>>().join(", ");
                self.push(
                    Diagnostic::error(
                        Code::E021,
                        format!(
                            "`allOf` members allow no common value: one allows {}, another {}",
                            show(&values),
                            show(&allowed)
                        ),
                    )
                    .at(other.location())
                    .label("no value is allowed by both")
                    .hint("make the `enum` and `const` values of the `allOf` members overlap"),
                );
            } else {
                values = common;
            }
        }
        let non_null: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
        if non_null.is_empty() {
            return Some(Class::Plain(Type::Null));
        }
        if non_null.iter().all(|v| v.is_string()) {
            return Some(Class::Enum(non_null.iter().filter_map(|v| v.as_shared_str()).cloned().collect()));
        }
        let kinds: IndexSet<&str> = non_null
            .iter()
            .map(|v| match v {
                Value::Bool(_) => "boolean",
                Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                _ => "object",
            })
            .collect();
        Some(Class::Plain(match kinds.iter().copied().collect::<Vec<_>>().as_slice() {
            ["boolean"] => Type::Boolean,
            ["integer"] => Type::Integer,
            ["number"] | ["integer", "number"] | ["number", "integer"] => Type::Number,
            _ => {
                self.push(
                    match kinds.iter().copied().collect::<Vec<_>>().as_slice() {
                        [kind] => Diagnostic::warning(
                            Code::W003,
                            format!("the allowed values are {kind}s, which a Rust enum cannot list; the field accepts any JSON value"),
                        )
                        .label(format!("{kind} values"))
                        .hint("describe the value's shape with `type` and `properties`, and keep the exact values for validation"),
                        kinds => Diagnostic::warning(
                            Code::W003,
                            "the allowed values mix types; the field accepts any JSON value",
                        )
                        .label(format!("values of types {}", kinds.join(", ")))
                        .hint("split the values by type with `oneOf`, or make them all strings"),
                    }
                    .at(loc.location()),
                );
                Type::Any
            }
        }))
    }

    fn classify_union(&mut self, parts: &[Loc]) -> Option<Class> {
        let (loc, keyword, members) = ["oneOf", "anyOf"].iter().find_map(|keyword| {
            let (loc, value) = self.first(parts, keyword)?;
            Some((loc, *keyword, value))
        })?;
        let Value::Array(members) = &*members else {
            self.wrong_kind(
                &loc.child(&[keyword]),
                "`oneOf` and `anyOf` must be arrays of schemas",
                "`\"oneOf\": [{ \"$ref\": \"#/$defs/Cat\" }, { \"$ref\": \"#/$defs/Dog\" }]`",
            );
            return Some(Class::Plain(Type::Any));
        };
        if parts.iter().any(|p| self.value(p).get("properties").is_some()) {
            self.push(
                Diagnostic::warning(
                    Code::W005,
                    format!("`{keyword}` beside `properties` is not expressed in the Rust type; the struct has the listed properties only"),
                )
                .at(loc.child(&[keyword]).location()),
            );
            return None;
        }
        let variants: Vec<Loc> = (0..members.len())
            .map(|i| loc.child(&[keyword, &i.to_string()]))
            .filter(|variant| {
                let value = self.value(variant);
                value.get("type") != Some(&Value::String("null".into())) && value.get("const") != Some(&Value::Null)
            })
            .collect();
        match variants.len() {
            0 => Some(Class::Plain(Type::Null)),
            // `anyOf: [X, {type: null}]` is how 3.1 and 2020-12 spell "nullable X".
            1 if variants.len() < members.len() => {
                let ty = self.lower(&variants[0], &format!("{}Value", self.hint_from(parts)));
                Some(Class::Plain(Type::Nullable(Box::new(ty))))
            }
            _ => Some(Class::Union(variants)),
        }
    }

    fn hint_from(&self, parts: &[Loc]) -> String {
        parts.first().map(|p| self.target_name(p)).unwrap_or_default()
    }

    fn lower_array(&mut self, parts: &[Loc]) -> Type {
        let items = self.first(parts, "items");
        let prefix = self.first(parts, "prefixItems").or_else(|| {
            // Drafts before 2020-12 spell tuples as an array under `items`.
            items.clone().filter(|(_, v)| v.is_array())
        });
        let prefix_keyword = if self.first(parts, "prefixItems").is_some() { "prefixItems" } else { "items" };
        if let Some((loc, Value::Array(members))) = kv(&prefix) {
            let rest = if prefix_keyword == "items" { self.first(parts, "additionalItems") } else { items.clone() };
            if matches!(kv(&rest), Some((_, Value::Bool(false)))) {
                let hint = self.hint_from(parts);
                let types: Vec<Type> = (0..members.len())
                    .map(|i| self.lower(&loc.child(&[prefix_keyword, &i.to_string()]), &format!("{hint}Item{i}")))
                    .collect();
                // A tuple only when every document has all these items (`minItems` says so):
                // a shorter array is valid too. Otherwise a list, of the items' type when they
                // share one.
                let min_items = kv(&self.first(parts, "minItems")).and_then(|(_, n)| n.as_f64()).unwrap_or(0.0);
                if min_items >= types.len() as f64 {
                    return Type::Tuple(types);
                }
                if let [first, rest @ ..] = types.as_slice() {
                    if rest.iter().all(|t| t == first) {
                        return Type::Array(Box::new(first.clone()));
                    }
                }
            }
            return Type::Array(Box::new(Type::Any));
        }
        match kv(&items) {
            Some((_, Value::Object(_) | Value::Bool(_))) => {
                let hint = format!("{}Item", self.hint_from(parts));
                let schemas = self.all_of_keyword(parts, "items");
                Type::Array(Box::new(self.lower_all(&schemas, &hint)))
            }
            Some((loc, _)) => {
                self.wrong_kind(
                    &loc.child(&["items"]),
                    "`items` must be a schema",
                    "`\"items\": { \"type\": \"string\" }`",
                );
                Type::Array(Box::new(Type::Any))
            }
            None => Type::Array(Box::new(Type::Any)),
        }
    }

    fn lower_map(&mut self, parts: &[Loc], hint: &str) -> Type {
        match self.additional(parts, hint) {
            Additional::Keep(ty) => Type::Map(Box::new(ty)),
            _ => Type::Map(Box::new(Type::Any)),
        }
    }

    /// What a struct or map does with properties it does not declare.
    fn additional(&mut self, parts: &[Loc], hint: &str) -> Additional {
        // Properties `patternProperties` matches are not additional: they are kept beside the
        // additional ones, so the map holds both kinds.
        let patterns = kv(&self.first(parts, "patternProperties")).is_some_and(|(_, p)| p.is_object());
        match kv(&self.first(parts, "additionalProperties")) {
            Some((_, Value::Bool(false))) if !patterns => return Additional::Deny,
            Some((_, Value::Bool(true))) => return Additional::Keep(Type::Any),
            Some((_, Value::Object(_))) => {
                let schemas = self.all_of_keyword(parts, "additionalProperties");
                let ty = self.lower_all(&schemas, &format!("{hint}Value"));
                if patterns && self.pattern_values(parts, hint) != ty {
                    return Additional::Keep(Type::Any);
                }
                return Additional::Keep(ty);
            }
            Some((_, Value::Bool(false))) => return Additional::Keep(self.pattern_values(parts, hint)),
            Some((loc, _)) => {
                self.wrong_kind(
                    &loc.child(&["additionalProperties"]),
                    "`additionalProperties` must be a schema",
                    "`\"additionalProperties\": { \"type\": \"string\" }`, `true` or `false`",
                );
            }
            None => {}
        }
        if patterns {
            return Additional::Keep(self.pattern_values(parts, hint));
        }
        if self.first(parts, "properties").is_none() && self.first(parts, "required").is_none() {
            return Additional::Keep(Type::Any);
        }
        Additional::Ignore
    }

    /// The type of the values `patternProperties` matches: the one pattern's schema, else any.
    fn pattern_values(&mut self, parts: &[Loc], hint: &str) -> Type {
        if let Some((loc, Value::Object(patterns))) = kv(&self.first(parts, "patternProperties")) {
            if patterns.len() == 1 {
                let pattern = patterns.keys().next().expect("one pattern");
                return self.lower(&loc.child(&["patternProperties", pattern]), &format!("{hint}Value"));
            }
        }
        Type::Any
    }

    fn lower_struct(&mut self, parts: &[Loc], name: &str) -> ir::Struct {
        let mut properties: IndexMap<std::sync::Arc<str>, Vec<Loc>> = IndexMap::new();
        let mut required: IndexSet<String> = IndexSet::new();
        for part in parts {
            let value = self.value(part);
            match value.get("properties") {
                Some(Value::Object(props)) => {
                    for key in props.shared_keys() {
                        properties.entry(key.clone()).or_default().push(part.child(&["properties", &**key]));
                    }
                }
                Some(_) => self.wrong_kind(
                    &part.child(&["properties"]),
                    "`properties` must be an object of schemas",
                    "`\"properties\": { \"name\": { \"type\": \"string\" } }`",
                ),
                None => {}
            }
            match value.get("required") {
                Some(Value::Array(names)) if names.iter().all(Value::is_string) => {
                    required.extend(names.iter().filter_map(Value::as_str).map(String::from));
                }
                // OpenAPI 3.0 and draft 3 allowed `required: true` on a property; it is not a
                // list of names, so it is not an error here but it is not a requirement either.
                Some(Value::Bool(_)) => {}
                Some(_) => self.wrong_kind(
                    &part.child(&["required"]),
                    "`required` must be an array of property names",
                    "`\"required\": [\"id\", \"name\"]`",
                ),
                None => {}
            }
        }
        // A required name with no schema still has to be present; it can hold any value.
        let mut undeclared = HashMap::default();
        for name in &required {
            if !properties.contains_key(name.as_str()) {
                let part = parts.iter().find(|p| self.value(p).get("required").is_some()).expect("a part declared it");
                properties.insert(name.as_str().into(), Vec::new());
                undeclared.insert(name.clone(), part.child(&["required"]));
            }
        }
        let mut field_names = Namespace::default();
        let additional = self.additional(parts, name);
        let (additional_field, _) = field_names.claim("additional_properties");
        let mut fields = Vec::with_capacity(properties.len());
        for (wire_name, locs) in properties {
            let hint = format!("{name}{}", names::type_name(&wire_name));
            let declared = locs;
            let ty = if declared.is_empty() { Type::Any } else { self.lower_all(&declared, &hint) };
            let wanted = names::field_name(&wire_name);
            let (rust_name, renamed) = field_names.claim(&wanted);
            let site = declared.first().or_else(|| undeclared.get(&*wire_name)).expect("declared or required").clone();
            let origin = self.origin(&site);
            // A declared property is pointed at by its name.
            let name_site = if declared.is_empty() { site.location() } else { site.location().key() };
            if names::is_made_up(&wire_name) {
                self.push(made_up_name("property", &wire_name, &rust_name).at(name_site));
            } else if renamed {
                self.push(
                    Diagnostic::warning(
                        Code::W002,
                        format!("property `{wire_name}` becomes the Rust field `{wanted}`, which another property already has; it is named `{rust_name}`"),
                    )
                    .at(name_site)
                    .label(format!("`{wire_name}` is `{rust_name}` in Rust"))
                    .hint("the wire name is unchanged; nothing needs fixing unless the field's Rust name matters to you"),
                );
            }
            let mut docs = DocText::default();
            for loc in &declared {
                let more = self.docs_at(loc);
                merge_docs(&mut docs, more);
            }
            let docs = Docs::new(docs);
            // A credential name on a field that holds no string (a token object) marks nothing:
            // the object's own string fields are judged by their names.
            let (ty, secret) = match self.secret_reason(name, &wire_name, &declared) {
                Some(reason) => {
                    let secret_ty = make_secret(ty.clone());
                    if secret_ty == ty { (ty, None) } else { (secret_ty, Some(reason)) }
                }
                None => (ty, None),
            };
            fields.push(ir::Field {
                required: required.contains(&*wire_name),
                rust: ir::Field::own_rust_name(&wire_name, rust_name),
                wire_name,
                ty,
                boxed: false,
                docs,
                origin,
                rare: ir::FieldRare::of(None, secret),
            });
        }
        ir::Struct { fields, additional, additional_field }
    }

    fn lower_enum(&mut self, loc: &Loc, values: &[std::sync::Arc<str>]) -> ir::Enum {
        let mut variant_names = Namespace::default();
        let mut seen = HashSet::default();
        let mut variants = Vec::new();
        for value in values {
            if !seen.insert(value.clone()) {
                continue;
            }
            let wanted = names::variant_name(value, if value.is_empty() { "Empty" } else { "Value" });
            let (rust_name, renamed) = variant_names.claim(&wanted);
            // The value itself in the `enum` array, when it is one.
            let enum_loc = loc.child(&["enum"]);
            let site = match &*self.value(&enum_loc) {
                Value::Array(items) => items
                    .iter()
                    .position(|item| item.as_str() == Some(value))
                    .map_or_else(|| loc.clone(), |i| enum_loc.child(&[&i.to_string()])),
                _ => loc.clone(),
            };
            if !value.is_empty() && names::is_made_up(value) {
                self.push(made_up_name("enum value", value, &rust_name).at(site.location()));
            } else if renamed {
                self.push(
                    Diagnostic::warning(
                        Code::W002,
                        format!("enum value `{value}` becomes the variant `{wanted}`, which another value already has; it is named `{rust_name}`"),
                    )
                    .at(site.location())
                    .label(format!("`{value}` is `{rust_name}` in Rust"))
                    .hint("the wire value is unchanged; nothing needs fixing unless the variant's Rust name matters to you"),
                );
            }
            variants.push(ir::EnumVariant { rust_name, wire_value: value.clone(), docs: Docs::default() });
        }
        ir::Enum { variants, open: false }
    }

    fn lower_union(&mut self, parts: &[Loc], variants: &[Loc], name: &str) -> ir::Union {
        let mut variant_names = Namespace::default();
        let mut out = Vec::with_capacity(variants.len());
        for (i, loc) in variants.iter().enumerate() {
            let value = self.value(loc);
            let title = value.get("title").and_then(Value::as_str).map(names::type_name);
            let hint = title.clone().map_or_else(|| format!("{name}Variant{i}"), |t| format!("{name}{t}"));
            let ty = self.lower(loc, &hint);
            let wanted = title.unwrap_or_else(|| self.variant_label(&ty));
            let (rust_name, _) = variant_names.claim(&wanted);
            out.push(ir::UnionVariant { rust_name, ty, boxed: false, tag: None, docs: Docs::new(self.docs_at(loc)) });
        }
        let (tagging, tags) = self.tagging(parts, variants);
        for (variant, tag) in out.iter_mut().zip(tags) {
            variant.tag = Some(tag);
        }
        ir::Union { variants: out, tagging }
    }

    /// How a union's variants are told apart: by an OpenAPI `discriminator`, or by a property
    /// that every variant requires with a distinct constant value; otherwise by shape, in order.
    /// With the tagging come the tag values, one per variant.
    fn tagging(&mut self, parts: &[Loc], variants: &[Loc]) -> (ir::Tagging, Vec<String>) {
        let untagged = (ir::Tagging::Untagged, Vec::new());
        if let Some((loc, discriminator)) = self.first(parts, "discriminator") {
            let site = loc.child(&["discriminator"]);
            let Some(property) = discriminator.get("propertyName").and_then(Value::as_str) else {
                self.wrong_kind(
                    &site,
                    "`discriminator` must name a `propertyName`",
                    "`\"discriminator\": { \"propertyName\": \"kind\" }`",
                );
                return untagged;
            };
            // `mapping` values are refs; each variant takes the key whose ref reaches it.
            let mut mapping = Vec::new();
            if let Some(Value::Object(map)) = discriminator.get("mapping") {
                for (key, reference) in map {
                    let Some(reference) = reference.as_str() else { continue };
                    match self.resolve_ref(&site.child(&["mapping", key]), reference) {
                        Ok(target) => mapping.push((key.to_string(), target)),
                        Err(diagnostic) => self.push(diagnostic),
                    }
                }
            }
            let mut tags = Vec::new();
            for variant in variants {
                let target = self.pure_ref(variant).and_then(|r| self.resolve_ref(variant, &r).ok());
                let tag = target
                    .as_ref()
                    .and_then(|t| mapping.iter().find(|(_, m)| m == t).map(|(k, _)| k.clone()))
                    .or_else(|| self.const_property(variant, property))
                    // OpenAPI's default: the tag is the name of the schema the variant refers to.
                    .or_else(|| target.as_ref().and_then(|t| source::pointer_tokens(&t.pointer).last()));
                match tag {
                    Some(tag) => tags.push(tag),
                    None => {
                        self.push(
                            Diagnostic::warning(Code::W005, format!("cannot tell which `{property}` value selects this variant; the union is decoded by shape instead"))
                                .at(variant.location())
                                .hint("add the variant to the discriminator's `mapping`, or make it a `$ref` to a named schema"),
                        );
                        return untagged;
                    }
                }
            }
            return (ir::Tagging::Internal { property: property.to_string() }, tags);
        }
        // A distinguishing constant: the first property every variant pins to its own value.
        let Some(first) = variants.first() else { return untagged };
        let candidates: Vec<String> = self
            .conjuncts(first)
            .iter()
            .filter_map(|part| {
                self.value(part)
                    .get("properties")
                    .and_then(Value::as_object)
                    .map(|p| p.keys().map(String::from).collect::<Vec<_>>())
            })
            .flatten()
            .collect();
        for property in candidates {
            let tags: Option<Vec<String>> = variants.iter().map(|v| self.const_property(v, &property)).collect();
            if let Some(tags) = tags {
                let distinct: HashSet<&String> = tags.iter().collect();
                if distinct.len() == tags.len() {
                    return (ir::Tagging::Internal { property }, tags);
                }
            }
        }
        untagged
    }

    /// The constant string a variant requires `property` to be, if it pins one.
    fn const_property(&mut self, variant: &Loc, property: &str) -> Option<String> {
        let parts = self.conjuncts(variant);
        let required = parts.iter().any(|p| {
            self.value(p).get("required").and_then(Value::as_array).is_some_and(|r| r.iter().any(|n| n == property))
        });
        if !required {
            return None;
        }
        parts.iter().find_map(|p| {
            let node = self.value(p);
            let schema = node.get("properties")?.get(property)?;
            match (schema.get("const"), schema.get("enum")) {
                (Some(Value::String(value)), _) => Some(value.to_string()),
                (None, Some(Value::Array(values))) if values.len() == 1 => values[0].as_str().map(String::from),
                _ => None,
            }
        })
    }

    /// The union of a multi-type schema at `loc` (its memo key), made of `parts`, whose
    /// documents must satisfy the schemas `checked`.
    fn lower_multi_type(
        &mut self,
        loc: &Loc,
        parts: &[Loc],
        types: &[String],
        name: &str,
        checked: &[Loc],
    ) -> ir::Union {
        let mut variants = Vec::new();
        for t in types {
            let label = names::type_name(t);
            if t == OTHER {
                variants.push(ir::UnionVariant {
                    rust_name: label,
                    ty: Type::Any,
                    boxed: false,
                    tag: None,
                    docs: Docs::default(),
                });
                continue;
            }
            let ty = match self.classify(parts, Some(t)) {
                Class::Struct => {
                    let id = self.define_part_struct(loc, parts, &format!("{name}{label}"), checked);
                    Type::Model(id)
                }
                Class::Map => self.lower_map(parts, name),
                Class::Plain(ty) => ty,
                _ => Type::Any,
            };
            variants.push(ir::UnionVariant { rust_name: label, ty, boxed: false, tag: None, docs: Docs::default() });
        }
        ir::Union { variants, tagging: ir::Tagging::Untagged }
    }

    /// The object member of the multi-type schema at `loc`: a struct model keyed apart from the
    /// union (by the union's own key, so two merges that begin with the same schema stay apart),
    /// checked like the union.
    fn define_part_struct(&mut self, loc: &Loc, parts: &[Loc], wanted: &str, checked: &[Loc]) -> ModelId {
        let key = Loc::new(loc.file.clone(), format!("{}{OBJECT_PART}", loc.pointer));
        self.define_with(&key, wanted, Some(parts.to_vec()), Some(checked.to_vec()))
    }

    fn variant_label(&self, ty: &Type) -> String {
        match ty {
            Type::Model(id) => self.krate.models[id.0].name.clone(),
            Type::Nullable(inner) => self.variant_label(inner),
            Type::Array(_) | Type::Tuple(_) => "Array".into(),
            Type::Map(_) => "Object".into(),
            Type::DateTime => "DateTime".into(),
            other => names::type_name(&format!("{other:?}")),
        }
    }

    fn docs_at(&self, loc: &Loc) -> DocText {
        let node = self.value(loc);
        let value: &Value = &node;
        let text = |key: &str| value.get(key).and_then(Value::as_shared_str).cloned();
        let mut examples: Vec<String> = match value.get("examples") {
            Some(Value::Array(examples)) => examples.iter().map(Value::to_string).collect(),
            _ => Vec::new(),
        };
        if let Some(example) = value.get("example") {
            examples.push(example.to_string());
        }
        let constraints = keywords::CONSTRAINTS
            .iter()
            .filter_map(|k| value.get(k).map(|v| (k, v)))
            // These formats are already the field's Rust type.
            .filter(|(k, v)| !(*k == &"format" && matches!(v.as_str(), Some("date-time" | "date" | "uuid"))))
            .map(|(k, v)| self.constraint_text(format!("`{k}`: `{v}`")))
            .collect();
        DocText {
            title: text("title"),
            description: text("description"),
            examples,
            default: value.get("default").map(Value::to_string),
            constraints,
            deprecated: value.get("deprecated") == Some(&Value::Bool(true)),
        }
    }

    /// The one copy of a constraint's text: most constraints repeat (`minimum: 0`, a pattern).
    fn constraint_text(&self, text: String) -> std::sync::Arc<str> {
        let mut texts = self.constraint_texts.borrow_mut();
        if let Some(shared) = texts.get(text.as_str()) {
            return shared.clone();
        }
        let shared: std::sync::Arc<str> = text.into();
        texts.insert(shared.clone());
        shared
    }

    /// Warns once per location about keywords that do not reach the generated code.
    fn check_keywords(&mut self, loc: &Loc) {
        let value = self.value(loc);
        let Some(object) = value.as_object() else { return };
        if !self.checked.insert(std::ptr::from_ref(object).addr()) {
            return;
        }
        for (key, value) in object {
            if let Some((message, hint)) = keywords::unhandled(key) {
                self.push(
                    Diagnostic::warning(Code::W001, message)
                        .at(loc.child(&[key]).location().key())
                        .label(format!("`{key}` is ignored"))
                        .hint(hint),
                );
            }
            if let Some((fits, expected)) = keywords::expected_kind(key) {
                if !fits(value) {
                    self.push(
                        Diagnostic::error(Code::E020, format!("`{key}` must be {expected}"))
                            .at(loc.child(&[key]).location())
                            .label(format!("this is `{value}`"))
                            .hint(format!("write `\"{key}\": ` followed by {expected}, or remove the keyword")),
                    );
                }
            }
        }
    }
}

impl Reader<'_> {
    /// Why the property `wire_name` of model `model` holds a credential: the config says so,
    /// the schema marks it (`format: password`, `writeOnly`), or its name means one.
    pub(crate) fn secret_reason(&self, model: &str, wire_name: &str, locs: &[Loc]) -> Option<String> {
        let path = format!("{model}.{wire_name}");
        if self.config.secrets.exempt.contains(&path) {
            return None;
        }
        if self.config.secrets.force.contains(&path) {
            return Some("the config lists it under `secrets.force`".into());
        }
        for loc in locs {
            let value = self.value(loc);
            if value.get("format").and_then(Value::as_str) == Some("password") {
                return Some("`format: password`".into());
            }
            if value.get("writeOnly") == Some(&Value::Bool(true)) {
                return Some("`writeOnly: true`".into());
            }
        }
        crate::secrets::credential_name(wire_name)
    }
}

/// The JSON Schema type an unknown type name probably means: another language's spelling
/// (`int`, `bool`, `list`) or a typo.
fn meant_type(name: &str) -> Option<&'static str> {
    const TYPES: [&str; 7] = ["string", "number", "integer", "boolean", "object", "array", "null"];
    let alias = match name.to_ascii_lowercase().as_str() {
        "int" | "int32" | "int64" | "long" | "short" => Some("integer"),
        "float" | "double" | "decimal" | "real" => Some("number"),
        "bool" => Some("boolean"),
        "str" | "text" => Some("string"),
        "list" | "vec" | "sequence" => Some("array"),
        "dict" | "map" | "record" | "struct" => Some("object"),
        "none" | "nil" => Some("null"),
        _ => None,
    };
    alias.or_else(|| names::closest(name, TYPES))
}

/// W010: a field or definition whose name has nothing to build a Rust name from.
pub(crate) fn made_up_name(what: &str, name: &str, rust_name: &str) -> Diagnostic {
    let shown =
        if name.is_empty() { format!("the {what} with the empty name") } else { format!("the {what} `{name}`") };
    Diagnostic::warning(Code::W010, format!("{shown} has no letters or digits; its Rust name `{rust_name}` is made up"))
        .label(format!("`{rust_name}` in Rust"))
        .hint(format!(
            "the name on the wire is unchanged; give the {what} a name with letters if `{rust_name}` says too little"
        ))
}

/// The type with its strings made secret: a credential string, a map or list of them.
/// Returns the type unchanged when it holds no string (a token object is not itself a secret;
/// its string fields are judged on their own).
pub(crate) fn make_secret(ty: Type) -> Type {
    match ty {
        Type::String => Type::Secret,
        Type::Nullable(inner) => Type::Nullable(Box::new(make_secret(*inner))),
        Type::Map(inner) => Type::Map(Box::new(make_secret(*inner))),
        Type::Array(inner) => Type::Array(Box::new(make_secret(*inner))),
        other => other,
    }
}

fn merge_docs(into: &mut DocText, more: DocText) {
    if into.title.is_none() {
        into.title = more.title;
    }
    if into.description.is_none() {
        into.description = more.description;
    }
    if into.default.is_none() {
        into.default = more.default;
    }
    merge_examples(&mut into.examples, more.examples);
    for constraint in more.constraints {
        if !into.constraints.contains(&constraint) {
            into.constraints.push(constraint);
        }
    }
    into.deprecated |= more.deprecated;
}

/// Appends the examples of `more` that `into` lacks, each once, in order. Hashed: a schema can
/// carry a million examples (a 100 MB input), which a scan per example would take hours over.
fn merge_examples(into: &mut Vec<String>, more: Vec<String>) {
    if more.is_empty() {
        return;
    }
    let state = std::hash::RandomState::new();
    let mut by_hash: HashMap<u64, Vec<usize>> =
        HashMap::with_capacity_and_hasher(into.len() + more.len(), Default::default());
    for (i, example) in into.iter().enumerate() {
        by_hash.entry(std::hash::BuildHasher::hash_one(&state, example)).or_default().push(i);
    }
    for example in more {
        let same = by_hash.entry(std::hash::BuildHasher::hash_one(&state, &example)).or_default();
        if !same.iter().any(|&i| into[i] == example) {
            same.push(into.len());
            into.push(example);
        }
    }
}

/// Marks the fields and variants that must be boxed: those whose type contains, by value, a
/// model that contains the enclosing one (a cycle without a `Vec` or map to break it).
fn box_recursive_fields(krate: &mut ir::Crate) {
    let edges: Vec<Vec<usize>> = krate
        .models
        .iter()
        .map(|model| {
            let mut out = Vec::new();
            let mut add = |ty: &Type| ty.visit_inline_models(&mut |id| out.push(id.0));
            match &model.kind {
                ModelKind::Struct(s) => s.fields.iter().for_each(|f| add(&f.ty)),
                ModelKind::Union(u) => u.variants.iter().for_each(|v| add(&v.ty)),
                ModelKind::Alias { target } | ModelKind::Newtype { target, .. } => add(target),
                ModelKind::Enum(_) => {}
            }
            out
        })
        .collect();
    let component = strongly_connected(&edges);
    for (index, model) in krate.models.iter_mut().enumerate() {
        let in_cycle = |ty: &Type| {
            let mut hit = false;
            ty.visit_inline_models(&mut |id| hit |= component[id.0] == component[index]);
            hit
        };
        match &mut model.kind {
            ModelKind::Struct(s) => s.fields.iter_mut().for_each(|f| f.boxed = in_cycle(&f.ty)),
            ModelKind::Union(u) => u.variants.iter_mut().for_each(|v| v.boxed = in_cycle(&v.ty)),
            ModelKind::Newtype { target, boxed } => *boxed = in_cycle(target),
            _ => {}
        }
    }
}

/// Tarjan's algorithm, iteratively so deep schemas cannot overflow the stack. Returns the
/// component index of every node.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![usize::MAX; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut next_component = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (node, ref mut edge)) = work.last_mut() {
            if *edge == 0 && index[node] == usize::MAX {
                index[node] = next_index;
                low[node] = next_index;
                next_index += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&next) = edges[node].get(*edge) {
                *edge += 1;
                if index[next] == usize::MAX {
                    work.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(index[next]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                loop {
                    let member = stack.pop().expect("the node itself is on the stack");
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

/// Lowering a schema in tests.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::config::{Config, ModuleConfig, Output, RuntimeDependency};
    use crate::ir::Crate;

    /// The IR of one schema document, written to a scratch file.
    pub(crate) fn lower(name: &str, schema: serde_json::Value) -> Crate {
        let dir = std::env::temp_dir().join(format!("schemagen-scope-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, schema.to_string()).unwrap();
        let config = Config {
            output: Output {
                crate_name: "scope-test".into(),
                description: None,
                dir: dir.join("out"),
                runtime: RuntimeDependency::Version("0".into()),
                workspace_member: false,
            },
            modules: vec![ModuleConfig {
                name: name.into(),
                doc: None,
                inputs: vec![path],
                bundle: None,
                wire_naming: Default::default(),
                unresolved_links: Default::default(),
                prefer: Default::default(),
            }],
            display_root: dir.clone(),
            secrets: Default::default(),
            resources: Vec::new(),
            format_assertion: true,
            types: Default::default(),
        };
        let generation = crate::generate(&config, Default::default());
        let _ = std::fs::remove_dir_all(&dir);
        assert!(generation.succeeded(), "{:?}", generation.diagnostics);
        generation.krate
    }
}

#[cfg(test)]
mod tests {
    use super::strongly_connected;

    #[test]
    fn pointer_finds_what_serde_json_finds() {
        let json = serde_json::json!({
            "a": {"b/c": [10, {"~d": true}], "": 1, "0": "zero"},
            "list": [[1, 2], [3]],
        });
        let doc = crate::tree::Value::from(json.clone());
        for pointer in [
            "",
            "/a",
            "/a/b~1c",
            "/a/b~1c/0",
            "/a/b~1c/1/~0d",
            "/a/",
            "/a/0",
            "/list/1/0",
            "/list/01",
            "/list/+1",
            "/list/-",
            "/list/2",
            "/missing",
            "/a/b~1c/0/x",
            "a",
            "/list/1/0/0",
        ] {
            let found = doc.pointer(pointer).map(ToString::to_string);
            assert_eq!(found, json.pointer(pointer).map(ToString::to_string), "{pointer:?}");
        }
    }

    /// The kind of the model named `name`, in a form a test can compare.
    fn kind(krate: &crate::ir::Crate, name: &str) -> String {
        let model = krate.models.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("no model {name}"));
        match &model.kind {
            crate::ir::ModelKind::Union(u) => {
                let variants: Vec<String> = u.variants.iter().map(|v| format!("{}({:?})", v.rust_name, v.ty)).collect();
                format!("union {}", variants.join(" | "))
            }
            crate::ir::ModelKind::Struct(s) => {
                format!("struct {}", s.fields.iter().map(|f| &*f.wire_name).collect::<Vec<_>>().join(", "))
            }
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn a_schema_without_type_holds_every_value_it_allows() {
        let schema = serde_json::json!({
            "title": "Thing",
            "properties": { "list": { "items": { "type": "string" } } },
            "$defs": {
                "Either": { "type": ["object", "string", "null"], "properties": { "a": { "type": "integer" } } }
            }
        });
        let krate = super::test_support::lower("untyped", schema.clone());
        assert_eq!(kind(&krate, "Thing"), "union Object(Model(ModelId(1))) | Other(Any)");
        assert_eq!(kind(&krate, "ThingObject"), "struct list");
        assert_eq!(kind(&krate, "ThingObjectList"), "union Array(Array(String)) | Other(Any)");
        // The object member of a multi-type union is a struct, not the union again.
        let either = kind(&krate, "Either");
        assert!(
            either.starts_with("union Object(Model(") && either.ends_with(" | String(String) | Null(Null)"),
            "{either}"
        );
        assert_eq!(kind(&krate, "EitherObject"), "struct a");

        // OpenAPI documents keep their tools' convention: the struct.
        let openapi = serde_json::json!({
            "openapi": "3.1.0",
            "info": { "title": "t", "version": "1" },
            "paths": {},
            "components": { "schemas": { "Thing": schema } }
        });
        let krate = super::test_support::lower("openapi", openapi);
        assert_eq!(kind(&krate, "Thing"), "struct list");
    }

    #[test]
    fn a_ref_to_an_official_meta_schema_needs_no_network() {
        for (draft, uri) in [
            ("http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-04/schema#"),
            ("http://json-schema.org/draft-07/schema#", "http://json-schema.org/draft-07/schema#"),
            ("https://json-schema.org/draft/2019-09/schema", "https://json-schema.org/draft/2019-09/schema"),
            ("https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2020-12/schema"),
        ] {
            let schema = serde_json::json!({
                "$schema": draft,
                "title": "Form",
                "type": "object",
                "properties": { "schema": { "$ref": uri } }
            });
            let name = format!("meta{}", draft.len());
            let krate = super::test_support::lower(&name, schema);
            let crate::ir::ModelKind::Struct(form) = &krate.models.iter().find(|m| m.name == "Form").unwrap().kind
            else {
                panic!("{draft}: not a struct")
            };
            let crate::ir::Type::Model(schema) = &form.fields[0].ty else { panic!("{draft}: {:?}", form.fields[0].ty) };
            let fields = |kind: &crate::ir::ModelKind| match kind {
                crate::ir::ModelKind::Struct(s) => s.fields.iter().map(|f| f.wire_name.to_string()).collect::<Vec<_>>(),
                _ => Vec::new(),
            };
            // The meta-schema's model knows the keywords (draft 4's is an object, the others'
            // an object or a boolean).
            let keywords: Vec<String> = match &krate.model(*schema).kind {
                crate::ir::ModelKind::Union(u) => u
                    .variants
                    .iter()
                    .filter_map(|v| match &v.ty {
                        crate::ir::Type::Model(id) => Some(fields(&krate.model(*id).kind)),
                        _ => None,
                    })
                    .flatten()
                    .collect(),
                kind => fields(kind),
            };
            for keyword in ["properties", "required", "items", "allOf", "enum"] {
                assert!(keywords.iter().any(|k| k == keyword), "{draft}: no `{keyword}` in {keywords:?}");
            }
        }
    }

    #[test]
    fn merged_untyped_objects_that_begin_alike_stay_apart() {
        // `p` of `one` and of `two` each merge the base's `p` with their own: two structs.
        let schema = serde_json::json!({
            "title": "Root",
            "type": "object",
            "properties": {
                "one": { "type": "object", "allOf": [{ "$ref": "#/$defs/Base" }, { "properties": { "p": { "properties": { "x": { "type": "integer" } } } } }] },
                "two": { "type": "object", "allOf": [{ "$ref": "#/$defs/Base" }, { "properties": { "p": { "properties": { "y": { "type": "integer" } } } } }] }
            },
            "$defs": { "Base": { "type": "object", "properties": { "p": { "properties": { "id": { "type": "string" } } } } } }
        });
        let krate = super::test_support::lower("merged", schema);
        let mut structs: Vec<String> =
            krate.models.iter().filter(|m| m.name.ends_with("PObject")).map(|m| kind(&krate, &m.name)).collect();
        structs.sort();
        assert_eq!(structs, ["struct id", "struct id, x", "struct id, y"]);
    }

    #[test]
    fn a_tuple_only_when_every_item_must_be_there() {
        let tuple = |min_items: u64| {
            serde_json::json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "title": "Pair",
                "type": "object",
                "properties": {
                    "same": { "type": "array", "prefixItems": [{ "type": "string" }, { "type": "string" }], "items": false, "minItems": min_items },
                    "mixed": { "type": "array", "prefixItems": [{ "type": "string" }, { "type": "boolean" }], "items": false, "minItems": min_items }
                }
            })
        };
        let field = |krate: &crate::ir::Crate, name: &str| {
            let crate::ir::ModelKind::Struct(s) = &krate.models.iter().find(|m| m.name == "Pair").unwrap().kind else {
                panic!("not a struct")
            };
            format!("{:?}", s.fields.iter().find(|f| *f.wire_name == *name).unwrap().ty)
        };
        let krate = super::test_support::lower("pair2", tuple(2));
        assert_eq!(field(&krate, "same"), "Tuple([String, String])");
        assert_eq!(field(&krate, "mixed"), "Tuple([String, Boolean])");
        let krate = super::test_support::lower("pair1", tuple(1));
        assert_eq!(field(&krate, "same"), "Array(String)");
        assert_eq!(field(&krate, "mixed"), "Array(Any)");
    }

    #[test]
    fn components_group_cycles_only() {
        // 0 -> 1 -> 0 is a cycle; 2 -> 2 is a self-loop; 3 stands alone.
        let c = strongly_connected(&[vec![1], vec![0, 2], vec![2], vec![]]);
        assert_eq!(c[0], c[1]);
        assert_ne!(c[0], c[2]);
        assert_ne!(c[2], c[3]);
    }
}
