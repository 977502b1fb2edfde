//! Model input schemas: validation of a prediction's `input`.

pub mod validate;
