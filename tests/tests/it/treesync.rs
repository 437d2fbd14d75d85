//! Tests of treesync (being written).
