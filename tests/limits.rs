//! Hostile sizes: 10,000 levels of nesting in a schema (JSON and YAML), in markdown docs and in
//! documents given to a generated validator give a diagnostic or a clean validation error, never
//! a stack overflow. Every case runs on a thread with a 2 MiB stack, the default for test
//! threads, whatever `RUST_MIN_STACK` says.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use schemagen::Options;
use schemagen_tests::config;

const DEPTH: usize = 10_000;

/// Runs `f` on a thread with a 2 MiB stack; a stack overflow aborts the whole test binary.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(2 << 20).spawn(f).unwrap().join().unwrap()
}

/// Generates from `inputs` on a small stack; returns the codes of the diagnostics.
fn codes(inputs: Vec<PathBuf>) -> Vec<String> {
    on_small_stack(move || {
        let out = inputs[0].parent().unwrap().join("out");
        let generation = schemagen::generate(&config(&inputs, None, &out), Options::default());
        for d in generation.diagnostics.iter().take(3) {
            eprintln!("{d}");
        }
        let mut codes: Vec<String> = generation.diagnostics.iter().map(|d| format!("{:?}", d.code)).collect();
        codes.dedup();
        codes
    })
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

fn nested(open: &str, middle: &str, close: &str, depth: usize) -> String {
    let mut text = String::with_capacity((open.len() + close.len()) * depth + middle.len());
    for _ in 0..depth {
        text.push_str(open);
    }
    text.push_str(middle);
    for _ in 0..depth {
        text.push_str(close);
    }
    text
}

#[test]
fn a_json_schema_nested_10000_levels_is_e005() {
    let tmp = tempfile::tempdir().unwrap();
    let text = nested(r#"{"type": "array", "items": "#, "{}", "}", DEPTH);
    let codes = codes(vec![write(tmp.path(), "deep.json", &text)]);
    assert_eq!(codes, ["E005"]);
}

#[test]
fn a_yaml_schema_nested_10000_levels_is_e005() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("flow.yaml", nested("{type: array, items: ", "{}", "}", DEPTH)),
        ("sequences.yaml", format!("enum: {}", nested("[", "1", "]", DEPTH))),
    ] {
        let codes = codes(vec![write(tmp.path(), name, &text)]);
        assert_eq!(codes, ["E005"], "{name}");
    }
}

/// Definitions `D0` … `D10000`, each made by `shape` from its index, the last a string.
fn chain(shape: &dyn Fn(usize) -> String) -> String {
    let mut defs = String::new();
    for i in 0..DEPTH {
        let _ = writeln!(defs, "\"D{i}\": {},", shape(i));
    }
    let _ = write!(defs, "\"D{DEPTH}\": {{\"type\": \"string\"}}");
    format!("{{\"definitions\": {{\n{defs}}}}}")
}

fn chain_codes(shape: &dyn Fn(usize) -> String) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let codes = codes(vec![write(tmp.path(), "chain.json", &chain(shape))]);
    eprintln!("{codes:?} in {:?}", started.elapsed());
    codes
}

#[test]
fn a_chain_of_10000_structs_each_using_the_next_generates() {
    let codes = chain_codes(&|i| {
        format!(r##"{{"type": "object", "properties": {{"next": {{"$ref": "#/definitions/D{}"}}}}}}"##, i + 1)
    });
    assert!(codes.is_empty(), "{codes:?}");
}

#[test]
fn a_chain_of_10000_refs_to_refs_generates() {
    let codes = chain_codes(&|i| format!(r##"{{"$ref": "#/definitions/D{}"}}"##, i + 1));
    assert!(codes.is_empty(), "{codes:?}");
}

#[test]
fn a_chain_of_10000_arrays_of_the_next_generates() {
    let codes = chain_codes(&|i| format!(r##"{{"type": "array", "items": {{"$ref": "#/definitions/D{}"}}}}"##, i + 1));
    assert!(codes.is_empty(), "{codes:?}");
}

#[test]
fn a_chain_of_10000_all_of_members_is_e007() {
    let codes = chain_codes(&|i| {
        format!(
            r##"{{"allOf": [{{"$ref": "#/definitions/D{}"}}], "properties": {{"p{i}": {{"type": "string"}}}}}}"##,
            i + 1
        )
    });
    assert!(codes.contains(&"E007".to_string()), "{codes:?}");
}

/// Two chains of 10,000 definitions, `D…` and `E…`, each a struct that holds itself and the next
/// (so every check is on a cycle and the reader cannot store equal ones once): `E` is a copy of
/// `D`, and its checks merge into `D`'s (`dedupe::checks`, one link at a time).
#[test]
fn two_copies_of_a_chain_of_10000_recursive_structs_share_their_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let mut defs = String::new();
    for prefix in ["D", "E"] {
        for i in 0..DEPTH {
            let next = if i + 1 < DEPTH { format!("{prefix}{}", i + 1) } else { format!("D{DEPTH}") };
            let _ = writeln!(
                defs,
                r##""{prefix}{i}": {{"type": "object", "properties": {{"again": {{"$ref": "#/definitions/{prefix}{i}"}}, "next": {{"$ref": "#/definitions/{next}"}}}}}},"##
            );
        }
    }
    let _ = write!(defs, "\"D{DEPTH}\": {{\"type\": \"string\"}}");
    let input = write(tmp.path(), "chains.json", &format!("{{\"definitions\": {{\n{defs}}}}}"));
    let started = std::time::Instant::now();
    let (codes, checks) = on_small_stack(move || {
        let out = input.parent().unwrap().join("out");
        let generation = schemagen::generate(&config(&[input], None, &out), Options::default());
        let codes: Vec<String> = generation.diagnostics.iter().map(|d| format!("{:?}", d.code)).collect();
        (codes, generation.krate.checks.len())
    });
    eprintln!("{checks} checks in {:?}", started.elapsed());
    assert!(codes.is_empty(), "{codes:?}");
    // Each definition of `D` has its own check and one for a `$ref` to it (`again` of its own,
    // `next` of the one before); `E` adds none.
    assert_eq!(checks, 2 * (DEPTH + 1));
}

#[test]
fn markdown_type_cells_nested_10000_levels_are_e006() {
    let tmp = tempfile::tempdir().unwrap();
    let doc = |title: &str, ty: &str| {
        format!(
            "# {title}\n\n## Fields\n\n| Field | Type | Required | Description |\n| ----- | ---- | -------- | ----------- |\n| `value` | {ty} | :heavy_check_mark: | A value. |\n"
        )
    };
    let cases = [
        ("arrays.md", doc("Arrays", &nested("Array<", "*string*", ">", DEPTH)), "E006"),
        ("lists.md", doc("Lists", &nested("List[", "str", "]", DEPTH)), "E006"),
        ("suffixes.md", doc("Suffixes", &format!("*string*{}", "[]".repeat(DEPTH))), "E006"),
        ("pointers.md", doc("Pointers", &format!("{}string*", "*".repeat(DEPTH))), "E006"),
        // Nesting in the prose around the tables: read, and reported as not a model doc.
        ("quotes.md", format!("# Quotes\n\n{}\n\n## Fields\n", nested("> ", "deep", "", DEPTH)), "E050"),
        (
            "bullets.md",
            format!(
                "# Lists\n\n{}\n## Fields\n",
                (0..DEPTH).map(|i| format!("{}- item\n", "  ".repeat(i))).collect::<String>()
            ),
            "E050",
        ),
    ];
    for (name, text, expected) in cases {
        let codes = codes(vec![write(tmp.path(), name, &text)]);
        assert_eq!(codes, [expected], "{name}");
    }
}

#[test]
fn a_chain_of_10000_linked_docs_does_not_overflow() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    fs::create_dir(&docs).unwrap();
    for i in 0..DEPTH {
        let ty =
            if i + 1 < DEPTH { format!("[components.Doc{}](./doc{}.md)", i + 1, i + 1) } else { "*string*".into() };
        let text = format!(
            "# Doc{i}\n\n## Fields\n\n| Field | Type | Required | Description |\n| ----- | ---- | -------- | ----------- |\n| `next` | {ty} | :heavy_check_mark: | The next. |\n"
        );
        write(&docs, &format!("doc{i}.md"), &text);
    }
    let codes = codes(vec![docs.join("doc0.md")]);
    assert!(codes.is_empty(), "{codes:?}");
}

/// A document nested `DEPTH` levels inside a valid request's free-form field, built in code.
fn deep_document() -> serde_json::Value {
    let mut deep = serde_json::Value::Null;
    for _ in 0..DEPTH {
        deep = serde_json::Value::Array(vec![deep]);
    }
    // Inserted by hand: `json!` would copy `deep` by recursion.
    let mut document = serde_json::json!({"provider": "p", "groupRef": "g", "groupName": "g", "consumerRef": "c"});
    document.as_object_mut().unwrap().insert("extra".into(), deep);
    document
}

/// Takes a deep document apart without recursing: dropping it whole would recurse.
fn dismantle(value: serde_json::Value) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            serde_json::Value::Array(items) => stack.extend(items),
            serde_json::Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

#[test]
fn a_document_nested_10000_levels_is_a_clean_validation_error() {
    use connection_models::ampersand::ConnectionRequest;
    use schemagen_runtime::Validate;
    on_small_stack(|| {
        let document = deep_document();
        let errors = ConnectionRequest::validate_json(&document).unwrap_err();
        let error = errors.iter().next().unwrap();
        assert_eq!((error.pointer(), error.keyword()), ("", "depth"), "{errors}");
        match schemagen_runtime::from_value::<ConnectionRequest>(document) {
            Err(schemagen_runtime::Error::Invalid(errors)) => assert_eq!(errors.len(), 1, "{errors}"),
            other => panic!("{:?}", other.map(|_| ())),
        }
        // `from_value` consumed and dropped the document: serde_json drops it by recursion,
        // which 10,000 levels of one-element arrays survive. Check that the parser refuses the
        // same depth as text.
        let text = format!("{{\"extra\": {}}}", nested("[", "null", "]", DEPTH));
        assert!(matches!(
            schemagen_runtime::from_str::<ConnectionRequest>(&text),
            Err(schemagen_runtime::Error::Syntax(_))
        ));
        dismantle(deep_document());
    });
}

/// A crate generated from `tests/fixtures/limits/hostile.json`, tested with
/// `tests/fixtures/limits/hostile_behaviour.rs`: `^(a+)+$` and `^(a|aa)+$` against 100,000 `a`s
/// and a `b` (which a backtracking engine would not finish in the age of the universe), through
/// `validate_json` and typed `validate()`, and a recursive model nested 10,000 levels deep built
/// in code, whose typed `validate()` must be one `depth` violation, as `validate_json` says of
/// its encoding, and no stack overflow. The hostile values run on 2 MiB threads under a generous
/// time limit, so a hang fails instead of stalling.
#[test]
fn a_generated_crate_withstands_catastrophic_patterns_and_values_nested_10000_deep() {
    use schemagen_tests::{assert_compiles, cli, root};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("hostile-models");
    let input = root().join("tests/fixtures/limits/hostile.json");
    let (code, log) = cli(&["generate", "--out", dir.to_str().unwrap(), input.to_str().unwrap()]);
    assert_eq!(code, 0, "{log}");
    assert!(!log.contains("W040"), "both patterns translate to the linear-time engine: {log}");
    fs::create_dir_all(dir.join("tests")).unwrap();
    fs::copy(root().join("tests/fixtures/limits/hostile_behaviour.rs"), dir.join("tests/hostile.rs")).unwrap();
    assert_compiles(&dir);
}
