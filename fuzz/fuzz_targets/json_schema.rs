//! The JSON Schema reader (JSON or YAML, by the first byte) and the rest of a run.
#![no_main]

use libfuzzer_sys::fuzz_target;
use schemagen_tests::fuzz::Scratch;

thread_local! {
    static SCRATCH: Scratch = Scratch::default();
}

fuzz_target!(|bytes: &[u8]| SCRATCH.with(|scratch| scratch.json_schema(bytes)));
