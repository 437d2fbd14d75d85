//! Tests of applypatch (being written).
