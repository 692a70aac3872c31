//! The intermediate representation every reader lowers into and the emitter reads from.
//!
//! Architecture invariant: this module is plain owned data. It does no I/O, holds no
//! `TokenStream` and no raw `serde_json::Value`; JSON literals (defaults, examples, enum values)
//! are kept as canonical JSON text. Every model and field records where it came from, and every
//! Rust name is already decided (by [`crate::names`]) by the time a value of these types exists.

use std::sync::Arc;

use serde::Serialize;

/// Where a piece of the IR came from: a file and either a JSON Pointer or a line.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Origin {
    /// The file as the user named it (relative to the config or the working directory); shared
    /// by every origin in the file.
    pub file: Arc<str>,
    /// RFC 6901 pointer into the document, for JSON and YAML sources. Shared: a field, the
    /// inline model it holds and their check usually start at the same place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<Arc<str>>,
    /// 1-based line, for sources that are not JSON documents (markdown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

impl Origin {
    pub fn pointer(file: impl Into<Arc<str>>, pointer: &str) -> Self {
        Self { file: file.into(), pointer: Some(pointer.into()), line: None }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.file)?;
        if let Some(pointer) = &self.pointer {
            write!(f, "#{pointer}")?;
        }
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        Ok(())
    }
}

/// Index of a model in [`Crate::models`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ModelId(pub usize);

/// A whole generated crate: its Rust modules and every model, in a deterministic order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Crate {
    pub modules: Vec<Module>,
    pub models: Vec<Model>,
    /// The model each input file's root schema became, in input order.
    pub roots: Vec<Root>,
    /// Every validation check, indexed by [`CheckId`].
    pub checks: Vec<Check>,
}

/// One Rust module (`crate::<name>`), holding models in the order they were first reached.
#[derive(Clone, Debug, Serialize)]
pub struct Module {
    pub name: String,
    pub doc: Option<String>,
    pub models: Vec<ModelId>,
}

/// The model an input file's root schema produced, for `--report`.
#[derive(Clone, Debug, Serialize)]
pub struct Root {
    pub file: String,
    pub model: ModelId,
}

/// A named Rust item: a struct, an enum or a type alias. What few models have (more sources, a
/// test example) is boxed in [`ModelRare`], so the common model is small; the serialized form
/// lists it inline.
#[derive(Clone, Debug)]
pub struct Model {
    /// The Rust type name, unique within its module.
    pub name: String,
    /// Index into [`Crate::modules`].
    pub module: usize,
    pub docs: Docs,
    pub origin: Origin,
    pub kind: ModelKind,
    /// This model was merged into another and is not generated.
    pub merged_into: Option<ModelId>,
    /// The check a document of this model must pass.
    pub check: Option<CheckId>,
    /// `None` when the model has none of [`ModelRare`]'s parts.
    pub rare: Option<Box<ModelRare>>,
}

/// The parts of a [`Model`] that most models do not have.
#[derive(Clone, Debug, Default)]
pub struct ModelRare {
    /// Other sources describing the same model, merged into this one.
    pub also_from: Vec<Origin>,
    /// A complete example document (wire JSON) that a generated test decodes and re-encodes.
    pub test_example: Option<String>,
}

impl Model {
    pub fn also_from(&self) -> &[Origin] {
        self.rare.as_ref().map_or(&[], |r| &r.also_from)
    }

    pub fn test_example(&self) -> Option<&str> {
        self.rare.as_ref().and_then(|r| r.test_example.as_deref())
    }

    /// The rare parts, made if the model had none.
    pub fn rare_mut(&mut self) -> &mut ModelRare {
        self.rare.get_or_insert_default()
    }
}

impl Serialize for Model {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Model", 9)?;
        out.serialize_field("name", &self.name)?;
        out.serialize_field("module", &self.module)?;
        out.serialize_field("docs", &self.docs)?;
        out.serialize_field("origin", &self.origin)?;
        out.serialize_field("kind", &self.kind)?;
        match self.also_from() {
            [] => out.skip_field("also_from")?,
            also_from => out.serialize_field("also_from", also_from)?,
        }
        match &self.merged_into {
            Some(_) => out.serialize_field("merged_into", &self.merged_into)?,
            None => out.skip_field("merged_into")?,
        }
        match &self.check {
            Some(_) => out.serialize_field("check", &self.check)?,
            None => out.skip_field("check")?,
        }
        match self.test_example() {
            example @ Some(_) => out.serialize_field("test_example", &example)?,
            None => out.skip_field("test_example")?,
        }
        out.end()
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelKind {
    /// A JSON object with known properties.
    Struct(Struct),
    /// A string enumeration.
    Enum(Enum),
    /// A value that is one of several shapes (`oneOf`, `anyOf`, a multi-`type`).
    Union(Union),
    /// A named schema whose shape is a plain type (`pub type Name = …;`).
    Alias { target: Type },
    /// A named schema that contains itself through containers only (`Tree = Vec<Tree>`), which a
    /// type alias cannot express: a transparent tuple struct.
    Newtype { target: Type, boxed: bool },
}

#[derive(Clone, Debug, Serialize)]
pub struct Struct {
    /// Fields in the source's order.
    pub fields: Vec<Field>,
    /// What happens to properties that are not declared.
    pub additional: Additional,
    /// The Rust name of the field holding undeclared properties, for [`Additional::Keep`];
    /// claimed before the declared fields so no property can take it.
    pub additional_field: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "policy", content = "values", rename_all = "snake_case")]
pub enum Additional {
    /// Not constrained by the schema; undeclared properties are ignored when decoding.
    Ignore,
    /// `additionalProperties: false`; undeclared properties are a decode error.
    Deny,
    /// Undeclared properties are kept, with values of this type, in a flattened map.
    Keep(Type),
}

/// A struct field. What few fields have (a source name, a credential, more sources) is boxed
/// in [`FieldRare`], so the common field is small; the serialized form lists it inline.
#[derive(Clone, Debug)]
pub struct Field {
    /// The property's name on the wire.
    /// Shared with the parsed document's key: equal names are one allocation.
    pub wire_name: Arc<str>,
    /// The Rust field name when it differs from the wire name (read through
    /// [`Field::rust_name`]); for most fields it is the same, and held once.
    pub rust: Option<Box<str>>,
    /// The value's type; [`Type::Nullable`] when `null` is allowed.
    pub ty: Type,
    pub required: bool,
    /// The field must be boxed because its type contains the enclosing model.
    pub boxed: bool,
    pub docs: Docs,
    pub origin: Origin,
    /// `None` when the field has none of [`FieldRare`]'s parts.
    pub rare: Option<Box<FieldRare>>,
}

/// The parts of a [`Field`] that most fields do not have.
#[derive(Clone, Debug, Default)]
pub struct FieldRare {
    /// The name the source showed, when it differs from the wire name (an SDK doc's `idConnection`
    /// for the wire's `id_connection`).
    pub source_name: Option<String>,
    /// Why the field holds a credential, when it does; its strings are then [`Type::Secret`].
    pub secret: Option<String>,
    /// Other sources declaring the same field, merged into this one.
    pub also_from: Vec<Origin>,
}

impl FieldRare {
    /// The rare parts of a new field: `None` when it has neither.
    pub fn of(source_name: Option<String>, secret: Option<String>) -> Option<Box<FieldRare>> {
        (source_name.is_some() || secret.is_some())
            .then(|| Box::new(FieldRare { source_name, secret, also_from: Vec::new() }))
    }
}

impl Field {
    /// The Rust field name.
    pub fn rust_name(&self) -> &str {
        self.rust.as_deref().unwrap_or(&self.wire_name)
    }

    /// What [`Field::rust`] holds for a field named `rust_name` in Rust and `wire_name` on the wire.
    pub fn own_rust_name(wire_name: &str, rust_name: String) -> Option<Box<str>> {
        (rust_name != wire_name).then(|| rust_name.into_boxed_str())
    }

    pub fn source_name(&self) -> Option<&str> {
        self.rare.as_ref().and_then(|r| r.source_name.as_deref())
    }

    pub fn secret(&self) -> Option<&str> {
        self.rare.as_ref().and_then(|r| r.secret.as_deref())
    }

    pub fn also_from(&self) -> &[Origin] {
        self.rare.as_ref().map_or(&[], |r| &r.also_from)
    }

    /// The rare parts, made if the field had none.
    pub fn rare_mut(&mut self) -> &mut FieldRare {
        self.rare.get_or_insert_default()
    }
}

impl Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Field", 10)?;
        out.serialize_field("wire_name", &self.wire_name)?;
        match self.source_name() {
            Some(name) => out.serialize_field("source_name", name)?,
            None => out.skip_field("source_name")?,
        }
        out.serialize_field("rust_name", self.rust_name())?;
        out.serialize_field("ty", &self.ty)?;
        out.serialize_field("required", &self.required)?;
        out.serialize_field("boxed", &self.boxed)?;
        match self.secret() {
            Some(reason) => out.serialize_field("secret", reason)?,
            None => out.skip_field("secret")?,
        }
        out.serialize_field("docs", &self.docs)?;
        out.serialize_field("origin", &self.origin)?;
        match self.also_from() {
            [] => out.skip_field("also_from")?,
            also_from => out.serialize_field("also_from", also_from)?,
        }
        out.end()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Enum {
    pub variants: Vec<EnumVariant>,
    /// Unknown values are kept (in an `Unrecognized(String)` variant) instead of rejected.
    pub open: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct EnumVariant {
    pub rust_name: String,
    /// The string on the wire; shared with the parsed document's string.
    pub wire_value: Arc<str>,
    pub docs: Docs,
}

#[derive(Clone, Debug, Serialize)]
pub struct Union {
    pub variants: Vec<UnionVariant>,
    pub tagging: Tagging,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "style", rename_all = "snake_case")]
pub enum Tagging {
    /// Variants are tried in order; each must reject what the others accept to round-trip.
    Untagged,
    /// An OpenAPI `discriminator`: the named property selects the variant.
    Internal { property: String },
}

#[derive(Clone, Debug, Serialize)]
pub struct UnionVariant {
    pub rust_name: String,
    pub ty: Type,
    pub boxed: bool,
    /// The tag value selecting this variant, for [`Tagging::Internal`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    pub docs: Docs,
}

/// A type expression, as it appears in a field, an array, a map or an alias.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", content = "of", rename_all = "snake_case")]
pub enum Type {
    String,
    /// A string that is a credential: redacted in `Debug`, zeroed on drop, sent as it is.
    Secret,
    Boolean,
    Integer,
    Number,
    /// JSON `null` as the only value.
    Null,
    /// Any JSON value.
    Any,
    DateTime,
    Date,
    Uuid,
    Model(ModelId),
    Array(Box<Type>),
    /// A JSON object used as a map from string keys to values of this type; insertion order is
    /// kept so documents re-encode as they arrived.
    Map(Box<Type>),
    /// A fixed-length array (`prefixItems` with no further items).
    Tuple(Vec<Type>),
    /// A value that may be `null`.
    Nullable(Box<Type>),
}

/// Documentation carried from the schema into `///` comments: one pointer, with the text
/// allocated only when there is some (most fields and enum variants have none). It reads as a
/// [`DocText`]; writing to it allocates the text.
#[derive(Clone, Default)]
pub struct Docs(Option<Box<DocText>>);

/// The documentation of a model, field or variant. Its texts are `Arc<str>`: a schema's title
/// and description are the parsed document's own strings (shared, not copied, and equal ones
/// are one allocation), and a constraint's text is made once per distinct text.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DocText {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Arc<str>>,
    /// Examples as canonical JSON text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    /// The `default` as canonical JSON text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Constraints the schema states (`minLength: 1`, `format: email`, …), for documentation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Arc<str>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
}

static NO_DOCS: DocText = DocText {
    title: None,
    description: None,
    examples: Vec::new(),
    default: None,
    constraints: Vec::new(),
    deprecated: false,
};

impl Docs {
    /// These docs; nothing is allocated when they are empty.
    pub fn new(text: DocText) -> Docs {
        if text == NO_DOCS { Docs(None) } else { Docs(Some(Box::new(text))) }
    }

    pub fn into_text(self) -> DocText {
        self.0.map(|text| *text).unwrap_or_default()
    }
}

impl From<DocText> for Docs {
    fn from(text: DocText) -> Docs {
        Docs::new(text)
    }
}

impl std::ops::Deref for Docs {
    type Target = DocText;
    fn deref(&self) -> &DocText {
        self.0.as_deref().unwrap_or(&NO_DOCS)
    }
}

impl std::ops::DerefMut for Docs {
    fn deref_mut(&mut self) -> &mut DocText {
        self.0.get_or_insert_default()
    }
}

impl PartialEq for Docs {
    fn eq(&self, other: &Docs) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for Docs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl Serialize for Docs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl Model {
    /// A model whose kind and docs are filled in once lowering reaches them; it exists first so
    /// that recursive references to it can be made.
    pub fn placeholder(name: String, module: usize, origin: Origin) -> Self {
        Model {
            name,
            module,
            docs: Docs::default(),
            origin,
            kind: ModelKind::Alias { target: Type::Any },
            merged_into: None,
            check: None,
            rare: None,
        }
    }
}

impl Crate {
    pub fn model(&self, id: ModelId) -> &Model {
        &self.models[id.0]
    }

    /// The path of a model from the crate root, e.g. `crate::ampersand::ConnectionRequest`.
    pub fn model_path(&self, id: ModelId) -> String {
        let model = self.model(id);
        format!("crate::{}::{}", self.modules[model.module].name, model.name)
    }
}

impl Type {
    /// Calls `f` with every model this type names, including inside containers.
    pub fn visit_models(&self, f: &mut impl FnMut(ModelId)) {
        match self {
            Type::Model(id) => f(*id),
            Type::Array(inner) | Type::Map(inner) | Type::Nullable(inner) => inner.visit_models(f),
            Type::Tuple(items) => items.iter().for_each(|item| item.visit_models(f)),
            _ => {}
        }
    }

    /// The models this type contains by value, so that a cycle through them needs a `Box`.
    /// `Vec` and maps already allocate, so models behind them are not listed.
    pub fn visit_inline_models(&self, f: &mut impl FnMut(ModelId)) {
        match self {
            Type::Model(id) => f(*id),
            Type::Nullable(inner) => inner.visit_inline_models(f),
            Type::Tuple(items) => items.iter().for_each(|item| item.visit_inline_models(f)),
            _ => {}
        }
    }
}

/// Index of a check in [`Crate::checks`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct CheckId(pub usize);

/// The validation rules of one schema location, compiled into a generated validator function.
/// Types say what can be decoded; checks say everything the schema demands, so a validator
/// reports every violation of a document, with its JSON Pointer and keyword.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub origin: Origin,
    pub rules: Vec<Rule>,
}

/// JSON's types, as the `type` keyword names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonType {
    Null,
    Boolean,
    Object,
    Array,
    Number,
    String,
    Integer,
}

/// One keyword's rule. JSON literals are canonical JSON text; numbers are `f64`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "keyword", rename_all = "camelCase")]
pub enum Rule {
    /// The schema `false`: nothing is valid.
    Never,
    Type {
        types: Vec<JsonType>,
    },
    Enum {
        values: Vec<String>,
    },
    Const {
        value: String,
    },
    MinLength {
        limit: u64,
    },
    MaxLength {
        limit: u64,
    },
    Pattern {
        pattern: String,
    },
    Format {
        format: String,
    },
    Minimum {
        limit: f64,
        exclusive: bool,
    },
    Maximum {
        limit: f64,
        exclusive: bool,
    },
    MultipleOf {
        factor: f64,
    },
    MinItems {
        limit: u64,
    },
    MaxItems {
        limit: u64,
    },
    UniqueItems,
    PrefixItems {
        checks: Vec<CheckId>,
    },
    /// `items` (after any prefix), or `additionalItems` in drafts before 2020-12 (which the
    /// flag says, for error messages).
    Items {
        check: CheckId,
        from: usize,
        additional_items: bool,
    },
    Contains {
        check: CheckId,
        min: u64,
        max: Option<u64>,
    },
    MinProperties {
        limit: u64,
    },
    MaxProperties {
        limit: u64,
    },
    Required {
        names: Vec<String>,
    },
    Properties {
        properties: Vec<(String, CheckId)>,
    },
    PatternProperties {
        patterns: Vec<(String, CheckId)>,
    },
    /// Applies to properties not named by `properties` and not matching `patternProperties`
    /// of the same schema.
    AdditionalProperties {
        check: CheckId,
        known: Vec<String>,
        patterns: Vec<String>,
    },
    PropertyNames {
        check: CheckId,
    },
    DependentRequired {
        dependencies: Vec<(String, Vec<String>)>,
    },
    DependentSchemas {
        dependencies: Vec<(String, CheckId)>,
    },
    AllOf {
        checks: Vec<CheckId>,
    },
    AnyOf {
        checks: Vec<CheckId>,
    },
    OneOf {
        checks: Vec<CheckId>,
    },
    Not {
        check: CheckId,
    },
    If {
        condition: CheckId,
        then: Option<CheckId>,
        otherwise: Option<CheckId>,
    },
    Ref {
        check: CheckId,
    },
    UnevaluatedProperties {
        check: CheckId,
    },
    UnevaluatedItems {
        check: CheckId,
    },
}
