//! Scenario tests live in tests/tests/*.rs.
