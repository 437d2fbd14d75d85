//! `applypatch`: (in progress)
