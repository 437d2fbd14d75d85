//! `snap`: (in progress)
