//! Reads Speakeasy-generated markdown model docs into plain data, one doc at a time.
//!
//! [`parse`] splits a doc into its title, description and sections with 1-based line numbers;
//! [`types`] parses the Type cells of every SDK language into one small type grammar. Neither
//! resolves links between docs nor builds the IR: a later step does both.

pub mod lower;
pub mod parse;
pub mod types;
