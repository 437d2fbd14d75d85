//! Tests of snap (being written).
