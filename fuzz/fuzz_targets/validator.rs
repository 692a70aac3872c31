//! Generated validators: `from_str` on arbitrary bytes, for the models of `generated/`.
#![no_main]

use connection_models::{ampersand, panora};
use libfuzzer_sys::fuzz_target;
use schemagen_tests::fuzz::validator;

fuzz_target!(|bytes: &[u8]| {
    validator::<ampersand::ConnectionRequest>(bytes);
    validator::<ampersand::Connection>(bytes);
    validator::<panora::Connection>(bytes);
});
