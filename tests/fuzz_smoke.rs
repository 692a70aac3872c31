//! A short, fixed run of the fuzz targets' bodies (`tests/fuzz_bodies.rs`, the same code the
//! cargo-fuzz targets in `fuzz/` run), so every CI run catches a regression without a nightly
//! compiler. Each target gets the inputs kept in `tests/fixtures/fuzz/<target>/` (crashes that
//! fuzzing found, and seeds) and a fixed number of mutations of seed files, drawn from a
//! fixed-seed generator so a failure reproduces.

use std::path::{Path, PathBuf};

use connection_models::{ampersand, panora};
use schemagen_tests::fuzz::{Scratch, fixtures, validator};
use schemagen_tests::root;

/// xorshift64*: small, fixed and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that make mutations reach deeper than random bytes do.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "null",
    "true",
    "-1e999",
    "0",
    "\"$ref\": \"#/$defs/A\"",
    "\"allOf\": [",
    "\"type\": \"object\"",
    "\"pattern\": \"^(a+)+$\"",
    "|",
    "*",
    "`",
    "\n",
    "- ",
    "# ",
    "## Fields\n",
    "\\u0000",
    "é",
    "Array<",
    ">",
    "[components.X](./x.md)",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] ^= 1 << rng.below(8);
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                bytes.splice(at..at, token.bytes());
            }
            2 => {
                let end = (at + rng.below(16)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(64)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, copy);
            }
            4 => bytes.truncate(at),
            _ => bytes.insert(at.min(bytes.len()), rng.next() as u8),
        }
    }
    bytes
}

fn files(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, extensions, out);
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.contains(&e)) {
            out.push(path);
        }
    }
}

/// Runs `body` on every kept input of `target`, then on `runs` mutations of `seeds`.
fn smoke(target: &str, seeds: &[PathBuf], runs: usize, body: &mut dyn FnMut(&[u8])) {
    let mut kept = Vec::new();
    files(&fixtures(target), &["json", "yaml", "md", "bin", "txt"], &mut kept);
    for path in &kept {
        body(&std::fs::read(path).unwrap());
    }
    let seeds: Vec<Vec<u8>> = seeds.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "no seeds for {target}");
    let mut rng = Rng(0x5EED_0000 ^ target.len() as u64);
    for _ in 0..runs {
        let seed = &seeds[rng.below(seeds.len())];
        body(&mutate(&mut rng, seed));
    }
    eprintln!("{target}: {} kept inputs, {runs} mutations of {} seeds", kept.len(), seeds.len());
}

#[test]
fn json_schema_reader() {
    let mut seeds = Vec::new();
    files(&root().join("tests/fixtures/schemas"), &["json", "yaml"], &mut seeds);
    let scratch = Scratch::default();
    // The body picks JSON or YAML by the first byte.
    smoke("json_schema", &seeds, 150, &mut |bytes| {
        scratch.json_schema(&[&[0], bytes].concat());
        scratch.json_schema(&[&[1], bytes].concat());
    });
}

#[test]
fn markdown_reader() {
    let mut seeds = Vec::new();
    files(&root().join("tests/fixtures/schemas"), &["md"], &mut seeds);
    let scratch = Scratch::default();
    smoke("markdown", &seeds, 300, &mut |bytes| scratch.markdown(bytes));
}

#[test]
fn generated_validator_from_str() {
    let mut seeds = Vec::new();
    files(&root().join("tests/fixtures/bench"), &["json"], &mut seeds);
    seeds.retain(|p| !p.ends_with("connection-request.bundled.json"));
    smoke("validator", &seeds, 3000, &mut |bytes| {
        validator::<ampersand::ConnectionRequest>(bytes);
        validator::<ampersand::Connection>(bytes);
        validator::<panora::Connection>(bytes);
    });
}
