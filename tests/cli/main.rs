//! End-to-end tests of the `cargo schema` binary.
