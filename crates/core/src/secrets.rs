//! Token secrets. (being written)
