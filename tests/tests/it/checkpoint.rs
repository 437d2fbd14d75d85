//! Tests of checkpoint (being written).
