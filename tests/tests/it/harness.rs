//! Tests of harness (being written).
