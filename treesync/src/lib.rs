//! `treesync`: (in progress)
