//! `treesync`: make a destination tree equal to a source tree on the local machine, with
//! rsync's meaning for every flag it accepts, rewriting only what differs.
//!
//! The engine (`sync`) walks SRC and DEST together, directory by directory, through open
//! directory descriptors (each SRC directory is listed once, with `getdents` types; files are
//! `stat`ed and opened relative to their directory). The walk decides per directory, hands
//! each directory's files to the rayon pool, and a bounded ordered queue (`pipeline`) prints
//! rsync's `--itemize-changes` lines in rsync's order while both cores work anywhere in the
//! tree; memory and open descriptors are bounded by that queue, not by the tree. DEST is only
//! ever touched through `fstree::Dir` handles (`*at` calls, never following a symlink), so a
//! symlink planted in DEST can be replaced but never written or deleted through. The pure parts
//! are `chmod` (rsync's `--chmod` language), `filter` (`--exclude`/`--include`),
//! `itemize` (the 11-character codes) and `owner` (`--chown`).

pub(crate) mod chmod;
pub mod cli;
mod compare;
pub(crate) mod filter;
pub(crate) mod idmap;
pub mod info;
pub(crate) mod itemize;
pub(crate) mod logformat;
pub(crate) mod owner;
mod pipeline;
pub mod remote;
mod stats;
mod sync;

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;

pub use chmod::ChmodSpec;
pub use filter::{Action, Filters};
pub use owner::Chown;
pub use stats::Stats;
pub use sync::BasisKind;

/// Everything a run needs to know, already parsed (the binary maps flags onto it).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-r`: descend into directories.
    pub recursive: bool,
    /// `-R`: each SRC keeps its path (from a `/./` in it, else whole) beneath DEST.
    pub relative: bool,
    /// `--no-implied-dirs`: `-R`'s parent directories are not sent (missing ones are made
    /// plain).
    pub no_implied_dirs: bool,
    /// `--inplace` (also implied by `--append`): DEST's file is rewritten where it is, not
    /// through a temporary and a rename.
    pub inplace: bool,
    /// `--append` (1) / `--append-verify` (2): only what SRC has beyond DEST's size is
    /// written; a DEST file as long or longer is left alone (2: then the whole file is
    /// compared, and rewritten when it differs).
    pub append: u8,
    /// `-K`: a symlink in DEST to a directory (beneath DEST) where SRC has a directory is
    /// treated as that directory.
    pub keep_dirlinks: bool,
    /// `--delay-updates`: written files wait in `.~tmp~` and are renamed into place at the
    /// end of the run.
    pub delay_updates: bool,
    /// `--list-only` (or no DEST given): list what SRC would send, change nothing.
    pub list_only: bool,
    /// `--bwlimit`: file data is written at no more than this many bytes per second.
    pub bwlimit: Option<u64>,
    /// `-S`: runs of zeros in new files become holes.
    pub sparse: bool,
    /// `--preallocate`: a new file's length is reserved before it is written.
    pub preallocate: bool,
    /// `-m`: directories holding nothing transferred but directories are left out.
    pub prune_empty_dirs: bool,
    /// `--delete-missing-args`: a missing SRC deletes DEST's entry of that name.
    pub delete_missing_args: bool,
    /// `-d`: without `-r`, directories are made (not skipped), and only a `src/` operand's
    /// entries are copied.
    pub dirs: bool,
    /// `-l`: copy symlinks as symlinks (without it they are skipped, as rsync does).
    pub links: bool,
    /// `-p`: set permissions of existing entries too (without it only new entries get
    /// source mode & ~umask).
    pub perms: bool,
    /// `-E`: without `-p`, an existing regular file takes SRC's executability (all `x` bits
    /// off, or an `x` for each `r`).
    pub executability: bool,
    /// `-t`: copy modification times.
    pub times: bool,
    /// `-U`: copy access times (files and symlinks, whole seconds, as rsync).
    pub atimes: bool,
    /// `-o`: copy the owner (as root).
    pub owner: bool,
    /// `-g`: copy the group.
    pub group: bool,
    /// `--devices`: recreate block and character devices.
    pub devices: bool,
    /// `--specials`: recreate FIFOs and sockets.
    pub specials: bool,
    /// `--chown`: owner/group forced on everything (implies `-o`/`-g` for the given side).
    pub chown: Chown,
    /// `--chmod`.
    pub chmod: Option<ChmodSpec>,
    /// `--super` (`Some(true)`) / `--no-super` (`Some(false)`): act as the super-user (set
    /// owners, make devices) or not, whoever runs it; `None`: as root only.
    pub super_user: Option<bool>,
    /// `--usermap` (implies `-o`).
    pub usermap: idmap::IdMap,
    /// `--groupmap` (implies `-g`).
    pub groupmap: idmap::IdMap,
    /// `-c`: compare contents when sizes match, instead of size + mtime.
    pub checksum: bool,
    /// `--delete`: remove DEST entries that SRC lacks, inside the transferred directories.
    pub delete: bool,
    /// `--delete-after` / `--delete-delay`: the deletions come once everything is transferred
    /// (with `delete`).
    pub delete_after: bool,
    /// `-H`: files hard-linked together in SRC are hard-linked together in DEST.
    pub hard_links: bool,
    /// `--compare-dest`, `--copy-dest`, `--link-dest` DIRs (relative to DEST), in order.
    pub bases: Vec<(BasisKind, PathBuf)>,
    /// `--remove-source-files`: SRC's non-directories that are in DEST (written or up to
    /// date) are removed from SRC.
    pub remove_source_files: bool,
    /// `--ignore-missing-args`: a SRC operand that does not exist is skipped silently.
    pub ignore_missing_args: bool,
    /// `--ignore-errors`: delete even after an error reading SRC's listing.
    pub ignore_errors: bool,
    /// `--force`: a non-empty DEST directory in the way of a non-directory is deleted.
    pub force: bool,
    /// `-b`: back up what is replaced or deleted.
    pub backup: bool,
    /// `--backup-dir`: backups go here (relative to DEST), not beside the original.
    pub backup_dir: Option<PathBuf>,
    /// `--suffix`: appended to backup names (`~` by default, nothing with `--backup-dir`).
    pub suffix: std::ffi::OsString,
    /// `--delete-excluded`: excluded names in DEST are deleted too.
    pub delete_excluded: bool,
    /// `--max-delete=N`: delete at most N entries; the rest are skipped and the run ends 25.
    pub max_delete: Option<u64>,
    /// `-x` count: 1 does not enter directories on other file systems (they are made empty),
    /// 2 leaves them out.
    pub one_file_system: u8,
    /// `-L`: every symlink of SRC is copied as what it points to.
    pub copy_links: bool,
    /// `-k`: a symlink to a directory is copied as that directory.
    pub copy_dirlinks: bool,
    /// `--copy-unsafe-links`: a symlink leading out of the transfer is copied as its target.
    pub copy_unsafe_links: bool,
    /// `-X`: carry extended attributes (`user.`; as root all but `system.`).
    pub xattrs: bool,
    /// `-A`: carry POSIX ACLs (implies `-p`).
    pub acls: bool,
    /// `-q`: nothing on standard output (errors still go to standard error).
    pub quiet: bool,
    /// `--mkpath`: create DEST's missing parent directories too.
    pub mkpath: bool,
    /// `-n`: print what would happen, change nothing.
    pub dry_run: bool,
    /// `-i`: itemize changes.
    pub itemize: bool,
    /// `--log-file`: each changed item is also logged here (appended, dated).
    pub log_file: Option<PathBuf>,
    /// `--log-file-format` (`%i %n%L` by default).
    pub log_format: Option<logformat::LogFormat>,
    /// `--out-format`: each changed item's line in this format (instead of `-i`'s or `-v`'s).
    pub out_format: Option<logformat::LogFormat>,
    /// `-v` count.
    pub verbose: u8,
    /// The `--info` levels (from `-v` and `--info=...`) of treesync's messages.
    pub info: info::Info,
    /// `--stats`.
    pub stats: bool,
    /// `--progress` (`--info=progress1`): a line per transferred file.
    pub progress: bool,
    /// `--info=progress2`: the total transferred, at the end of the run.
    pub progress2: bool,
    /// rsync's `-h` level: 0 plain numbers (`--no-h`), 1 with thousands separators (rsync's
    /// default, what the command line starts from), 2 (`-h`) sizes in units of 1000 (`1.23K`),
    /// 3 or more (`-hh`) in units of 1024.
    pub human: u8,
    /// `-u`: skip files whose DEST copy is newer (an equal mtime with another size is still
    /// updated).
    pub update: bool,
    /// `--size-only`: a regular file of the same size is up to date, whatever its mtime.
    pub size_only: bool,
    /// `-I`: rewrite every regular file, even one that matches in size and mtime.
    pub ignore_times: bool,
    /// `--ignore-existing`: leave every non-directory DEST already has alone.
    pub ignore_existing: bool,
    /// `--existing`: create nothing DEST lacks (neither files nor directories).
    pub existing: bool,
    /// `-O`: do not set the mtimes of directories.
    pub omit_dir_times: bool,
    /// `-J`: do not set the mtimes of symlinks.
    pub omit_link_times: bool,
    /// `--modify-window`: mtimes this many seconds apart count as equal (negative: the
    /// nanoseconds must be equal too).
    pub modify_window: i64,
    /// `--min-size`: regular files smaller than this are not transferred.
    pub min_size: Option<u64>,
    /// `--max-size`: regular files larger than this are not transferred.
    pub max_size: Option<u64>,
    /// `--exclude`/`--include` rules in order.
    pub filters: Filters,
    /// `--safe-links`: ignore symlinks whose target leaves the transferred tree.
    pub safe_links: bool,
    /// `--insecure-links`: follow a symlink on DEST's path (or a `--link-dest` path) whatever
    /// its owner; by default one owned by anyone but root or the running user is refused, as
    /// rsync 3.5 refuses it.
    pub insecure_links: bool,
    /// `--drop-D`: create no devices or specials, whatever `-D` says.
    pub drop_devices: bool,
    /// `-T DIR`: must exist (relative to DEST); temporaries still go beside their file.
    pub temp_dir: Option<PathBuf>,
    /// `--manifest`: an mtree manifest of the (single) source tree, trusted with `-c`.
    pub manifest: Option<PathBuf>,
    /// The umask applied to new entries without `-p` (the process umask in the binary).
    pub umask: u32,
    /// How names are escaped on output (the binary takes it from the locale, as rsync).
    pub charset: itemize::Charset,
    /// `-z`: compress data over a remote shell.
    pub compress: bool,
    /// `-e COMMAND`: the remote shell for `HOST:PATH` operands.
    pub rsh: Option<OsString>,
    /// `--rsync-path=PROGRAM`: the program started on the remote host.
    pub rsync_path: Option<OsString>,
}

/// How a run ended; [`Outcome::exit_code`] maps it to rsync's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything was done.
    Done,
    /// Some entries could not be transferred (each was named on the error stream): 23.
    Partial,
    /// Some source files vanished while the run was reading them: 24.
    Vanished,
    /// `--max-delete` stopped deletions: 25.
    MaxDelete,
}

impl Outcome {
    /// rsync's exit status for this outcome.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Done => 0,
            Outcome::Partial => 23,
            Outcome::Vanished => 24,
            Outcome::MaxDelete => 25,
        }
    }
}

impl toolkit::ExitStatus for Outcome {
    fn exit_status(&self) -> u8 {
        match self {
            Outcome::Done => 0,
            Outcome::Partial => 23,
            Outcome::Vanished => 24,
            Outcome::MaxDelete => 25,
        }
    }
}

/// rsync's exit status for a bad command line ("syntax or usage error").
pub const EXIT_USAGE: u8 = 1;

/// rsync's exit status for "error in file IO": DEST cannot be created or opened, it has no room
/// for a file, or the output cannot be written.
pub const EXIT_FILE_IO: u8 = 11;

/// A failure that stops the whole run before anything useful can be done.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad arguments (rsync exit 1).
    #[error("{0}")]
    Usage(String),
    /// DEST (or its parent) could not be created or opened (rsync exit 11).
    #[error("{op} {path:?} failed")]
    Dest {
        /// What was attempted.
        op: &'static str,
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The manifest could not be read.
    #[error("cannot read manifest {path:?}")]
    Manifest {
        /// The manifest path.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An `--exclude-from`/`--include-from` file could not be read (rsync exit 11).
    #[error("failed to open exclude file {}: {source}", path.display())]
    ExcludeFile {
        /// The file named.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// DEST's path leads through a symlink owned by another user (rsync exit 3).
    #[error("{UNTRUSTED}\nchange_dir {path:?} failed: Too many levels of symbolic links (40)")]
    Untrusted {
        /// The path given.
        path: PathBuf,
    },
    /// Writing to the output stream failed (e.g. a closed pipe).
    #[error("writing output")]
    Output(#[source] io::Error),
    /// Writing a file's contents into DEST failed for want of space (`ENOSPC`, `EDQUOT`,
    /// `EFBIG`): the file was named on the error stream and the run stopped there, as rsync's
    /// receiver does (rsync exit 11, "error in file IO").
    #[error("error in file IO (code 11): stopped at the first file DEST has no room for")]
    FileIo,
    /// SIGINT, SIGTERM or SIGHUP stopped the run: no new file was started, the ones being
    /// written were finished or their temporaries removed (rsync exit 20).
    #[error("received SIGINT, SIGTERM, or SIGHUP (code 20)")]
    Interrupted,
}

impl Error {
    /// rsync's exit status for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 1,
            Error::Manifest { .. } => 1,
            Error::Dest { .. } | Error::ExcludeFile { .. } | Error::Output(_) | Error::FileIo => 11,
            Error::Interrupted => 20,
            Error::Untrusted { .. } => 3,
        }
    }
}

/// rsync's words for a refused symlink on an operator's path.
pub(crate) const UNTRUSTED: &str = "refusing to follow a symlink owned by an untrusted user; \
     use --insecure-links locally or \"insecure links = yes\" in a daemon module ONLY if every \
     path component is trusted";

impl toolkit::ExitStatus for Error {
    fn exit_status(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::Manifest { .. } => EXIT_USAGE,
            Error::Dest { .. } | Error::ExcludeFile { .. } | Error::Output(_) | Error::FileIo => {
                EXIT_FILE_IO
            }
            Error::Interrupted => 20,
            Error::Untrusted { .. } => 3,
        }
    }
}

/// Synchronise `sources` into `dest` with rsync's rules (trailing slash = contents, no slash =
/// the directory by name; several sources or a trailing slash on `dest` = into that directory).
/// Itemize, verbose and stats lines go to `out`; per-file error messages to `err`.
pub fn run(
    opts: &Options,
    sources: &[OsString],
    dest: &OsString,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(Outcome, Stats), Error> {
    sync::run(opts, sources, dest, out, err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_rsyncs() {
        assert_eq!(Outcome::Done.exit_code(), 0);
        assert_eq!(Outcome::Partial.exit_code(), 23);
        assert_eq!(Outcome::Vanished.exit_code(), 24);
        assert_eq!(Error::Usage(String::new()).exit_code(), 1);
        assert_eq!(Error::FileIo.exit_code(), 11);
        assert_eq!(Error::Output(io::Error::other("x")).exit_code(), 11);
    }

    #[test]
    fn exit_statuses_match_exit_codes() {
        use toolkit::ExitStatus;
        for o in [Outcome::Done, Outcome::Partial, Outcome::Vanished] {
            assert_eq!(i32::from(o.exit_status()), o.exit_code());
        }
        let errors = [
            Error::Usage(String::new()),
            Error::FileIo,
            Error::Output(io::Error::other("x")),
            Error::Dest {
                op: "mkdir",
                path: PathBuf::new(),
                source: io::Error::other("x"),
            },
        ];
        for e in errors {
            assert_eq!(i32::from(e.exit_status()), e.exit_code());
        }
    }
}
