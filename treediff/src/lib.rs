//! `treediff`: (in progress)
