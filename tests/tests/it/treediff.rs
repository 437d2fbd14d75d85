//! Tests of treediff (being written).
