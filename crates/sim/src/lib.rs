//! replicate-sim (being written)
