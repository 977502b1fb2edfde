//! Replicate HTTP API v1 client. (being written)
