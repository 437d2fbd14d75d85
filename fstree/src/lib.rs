//! fstree (in progress)
