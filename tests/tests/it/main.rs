//! One integration-test binary: every tool, run as a real process on real trees, compared with
//! the real GNU diff/patch, git, rsync, NetBSD mtree and bsdtar where they are the oracle.

mod applypatch;
mod applypatch_adversarial;
mod checkpoint;
mod checkpoint_restore;
mod compat;
mod diffargs;
mod diffifdef;
mod diffname;
mod diffopts;
mod diffpages;
mod diffprint;
mod diffsbs;
mod diffscript;
mod exit_status;
mod gnudiff;
mod gnupatch;
mod harness;
mod hostile;
mod hunks;
mod large;
mod patchformats;
mod remote;
mod remote_hostile;
mod remote_ssh;
mod snap;
mod temporaries;
mod treediff;
mod treesync;
