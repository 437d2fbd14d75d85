//! Every option treesync accepts, in rsync's spelling: long name, short letter, value, aliases,
//! help line, and what it does ([`Opt`]). The clap command (for `--help`, the man page and
//! shell completions, and for splitting the command line) is built from this table, and the
//! parsed options are applied in command-line order, so `-a --no-o` and `--no-o -a` mean what
//! they mean to rsync.

/// What an option does once parsed (see `super::apply`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Opt {
    Recursive,
    Archive,
    Links,
    Perms,
    InsecureLinks,
    Executability,
    Times,
    Atimes,
    Owner,
    Group,
    DevicesSpecials,
    Devices,
    Specials,
    Chown,
    Chmod,
    Checksum,
    Delete,
    DeleteAfter,
    DryRun,
    Itemize,
    Verbose,
    Stats,
    Progress,
    Partial,
    PartialProgress,
    Filter,
    FilterF,
    CvsExclude,
    Exclude,
    Include,
    ExcludeFrom,
    IncludeFrom,
    From0,
    Quiet,
    Mkpath,
    HardLinks,
    EightBit,
    CopyLinks,
    CopyDirlinks,
    CopyUnsafeLinks,
    Acls,
    Xattrs,
    OneFileSystem,
    DeleteExcluded,
    MaxDelete,
    CompareDest,
    Backup,
    RemoveSourceFiles,
    IgnoreMissingArgs,
    Force,
    IgnoreErrors,
    BackupDir,
    Suffix,
    CopyDest,
    LinkDest,
    SafeLinks,
    Manifest,
    Human,
    Update,
    SizeOnly,
    IgnoreTimes,
    IgnoreExisting,
    Existing,
    ModifyWindow,
    MinSize,
    MaxSize,
    OmitDirTimes,
    OmitLinkTimes,
    Info,
    /// Accepted with no effect on a local transfer (compression, timeouts, the remote shell,
    /// the checksum choice, ...): see the help line of each.
    NoEffect,
    /// An option rsync refuses unless it talks to an rsync daemon.
    DaemonOnly,
    /// `-N`: creation times, which Linux cannot set (rsync refuses it here too).
    Crtimes,
    /// `--drop-D`: the receiver creates no devices or specials.
    DropD,
    /// `-T`: where temporaries go (must exist; treesync keeps them beside their file).
    TempDir,
    /// `-z`: compress data frames of a remote transfer (no effect locally).
    Compress,
    /// `-e`: the remote shell.
    Rsh,
    /// `--rsync-path`: the remote program.
    RsyncPath,
}

/// One row of the table.
pub(super) struct Spec {
    pub(super) opt: Opt,
    /// The long name (`""`: a short letter only, like `-D`).
    pub(super) long: &'static str,
    pub(super) short: Option<char>,
    /// The value's name when it takes one (`--opt=VALUE`, `--opt VALUE`, `-xVALUE`).
    pub(super) value: Option<&'static str>,
    /// Other long names (rsync's aliases), not shown in the help.
    pub(super) aliases: &'static [&'static str],
    /// `--no-LONG` (and `--no-X` for the short letter X) turns it off.
    pub(super) negatable: bool,
    pub(super) help: &'static str,
}

const fn flag(opt: Opt, long: &'static str, short: Option<char>, help: &'static str) -> Spec {
    Spec {
        opt,
        long,
        short,
        value: None,
        aliases: &[],
        negatable: true,
        help,
    }
}

const fn valued(
    opt: Opt,
    long: &'static str,
    short: Option<char>,
    value: &'static str,
    help: &'static str,
) -> Spec {
    Spec {
        opt,
        long,
        short,
        value: Some(value),
        aliases: &[],
        negatable: false,
        help,
    }
}

const fn aliased(spec: Spec, aliases: &'static [&'static str]) -> Spec {
    Spec { aliases, ..spec }
}

use Opt::*;

/// The table, in the order `--help` lists it.
pub(super) const SPECS: &[Spec] = &[
    flag(
        Verbose,
        "verbose",
        Some('v'),
        "increase verbosity (list transferred names)",
    ),
    valued(
        Info,
        "info",
        None,
        "FLAGS",
        "fine-grained informational verbosity (--info=help)",
    ),
    flag(
        Checksum,
        "checksum",
        Some('c'),
        "skip based on checksum, not mod-time & size",
    ),
    Spec {
        negatable: false,
        ..flag(
            Archive,
            "archive",
            Some('a'),
            "archive mode is -rlptgoD (no -A,-X,-U,-N,-H)",
        )
    },
    flag(
        Recursive,
        "recursive",
        Some('r'),
        "recurse into directories",
    ),
    flag(
        Update,
        "update",
        Some('u'),
        "skip files that are newer on the receiver",
    ),
    flag(Links, "links", Some('l'), "copy symlinks as symlinks"),
    flag(
        SafeLinks,
        "safe-links",
        None,
        "ignore symlinks that point outside the tree",
    ),
    flag(
        InsecureLinks,
        "insecure-links",
        None,
        "follow attacker-owned symlinks in operator paths",
    ),
    flag(Perms, "perms", Some('p'), "preserve permissions"),
    Spec {
        // rsync 3.5 has no --no-executability (measured: "unknown option").
        negatable: false,
        ..flag(
            Executability,
            "executability",
            Some('E'),
            "preserve executability",
        )
    },
    valued(
        Chmod,
        "chmod",
        None,
        "CHMOD",
        "affect file and/or directory permissions",
    ),
    flag(
        Owner,
        "owner",
        Some('o'),
        "preserve owner (super-user only)",
    ),
    flag(Group, "group", Some('g'), "preserve group"),
    flag(
        Devices,
        "devices",
        None,
        "preserve device files (super-user only)",
    ),
    flag(Specials, "specials", None, "preserve special files"),
    flag(
        DevicesSpecials,
        "",
        Some('D'),
        "same as --devices --specials",
    ),
    flag(Times, "times", Some('t'), "preserve modification times"),
    flag(Atimes, "atimes", Some('U'), "preserve access (use) times"),
    flag(
        OmitDirTimes,
        "omit-dir-times",
        Some('O'),
        "omit directories from --times",
    ),
    flag(
        OmitLinkTimes,
        "omit-link-times",
        Some('J'),
        "omit symlinks from --times",
    ),
    flag(
        DryRun,
        "dry-run",
        Some('n'),
        "perform a trial run with no changes made",
    ),
    flag(
        NoEffect,
        "whole-file",
        Some('W'),
        "copy files whole (always, on one machine)",
    ),
    aliased(
        flag(
            Existing,
            "existing",
            None,
            "skip creating new files on receiver",
        ),
        &["ignore-non-existing"],
    ),
    flag(
        IgnoreExisting,
        "ignore-existing",
        None,
        "skip updating files that exist on receiver",
    ),
    aliased(
        flag(
            Delete,
            "delete",
            None,
            "delete extraneous files from dest directories",
        ),
        &["del", "delete-before", "delete-during"],
    ),
    aliased(
        flag(
            DeleteAfter,
            "delete-after",
            None,
            "receiver deletes after transfer, not during",
        ),
        &["delete-delay"],
    ),
    valued(
        MaxSize,
        "max-size",
        None,
        "SIZE",
        "don't transfer any file larger than SIZE",
    ),
    valued(
        MinSize,
        "min-size",
        None,
        "SIZE",
        "don't transfer any file smaller than SIZE",
    ),
    flag(
        Partial,
        "partial",
        None,
        "keep partially transferred files (see README)",
    ),
    valued(
        Partial,
        "partial-dir",
        None,
        "DIR",
        "put a partially transferred file into DIR",
    ),
    valued(
        Chown,
        "chown",
        None,
        "USER:GROUP",
        "simple username/groupname mapping",
    ),
    flag(
        IgnoreTimes,
        "ignore-times",
        Some('I'),
        "don't skip files that match size and time",
    ),
    flag(SizeOnly, "size-only", None, "skip files that match in size"),
    valued(
        ModifyWindow,
        "modify-window",
        Some('@'),
        "NUM",
        "set the accuracy for mod-time comparisons",
    ),
    valued(
        ExcludeFrom,
        "exclude-from",
        None,
        "FILE",
        "read exclude patterns from FILE",
    ),
    valued(
        IncludeFrom,
        "include-from",
        None,
        "FILE",
        "read include patterns from FILE",
    ),
    flag(
        From0,
        "from0",
        Some('0'),
        "all *-from files are delimited by 0s",
    ),
    flag(Quiet, "quiet", Some('q'), "suppress non-error messages"),
    flag(HardLinks, "hard-links", Some('H'), "preserve hard links"),
    flag(
        EightBit,
        "8-bit-output",
        Some('8'),
        "leave high-bit chars unescaped in output",
    ),
    flag(
        CopyLinks,
        "copy-links",
        Some('L'),
        "transform symlink into referent file/dir",
    ),
    flag(
        CopyDirlinks,
        "copy-dirlinks",
        Some('k'),
        "transform symlink to directory into referent directory",
    ),
    flag(
        CopyUnsafeLinks,
        "copy-unsafe-links",
        None,
        "only \"unsafe\" symlinks are transformed",
    ),
    flag(Acls, "acls", Some('A'), "preserve ACLs (implies --perms)"),
    flag(Xattrs, "xattrs", Some('X'), "preserve extended attributes"),
    flag(
        OneFileSystem,
        "one-file-system",
        Some('x'),
        "don't cross filesystem boundaries",
    ),
    flag(
        RemoveSourceFiles,
        "remove-source-files",
        None,
        "sender removes synchronized files (non-directory)",
    ),
    flag(
        IgnoreMissingArgs,
        "ignore-missing-args",
        None,
        "ignore missing source arguments without error",
    ),
    flag(
        IgnoreErrors,
        "ignore-errors",
        None,
        "delete even if there are I/O errors",
    ),
    flag(
        Force,
        "force",
        None,
        "force deletion of directories even if not empty",
    ),
    flag(
        Backup,
        "backup",
        Some('b'),
        "make backups (see --suffix & --backup-dir)",
    ),
    valued(
        BackupDir,
        "backup-dir",
        None,
        "DIR",
        "make backups into hierarchy based in DIR",
    ),
    valued(
        Suffix,
        "suffix",
        None,
        "SUFFIX",
        "backup suffix (default ~ w/o --backup-dir)",
    ),
    valued(
        CompareDest,
        "compare-dest",
        None,
        "DIR",
        "also compare destination files relative to DIR",
    ),
    valued(
        CopyDest,
        "copy-dest",
        None,
        "DIR",
        "... and include copies of unchanged files",
    ),
    valued(
        LinkDest,
        "link-dest",
        None,
        "DIR",
        "hardlink to files in DIR when unchanged",
    ),
    flag(
        DeleteExcluded,
        "delete-excluded",
        None,
        "also delete excluded files from dest directories",
    ),
    valued(
        MaxDelete,
        "max-delete",
        None,
        "NUM",
        "don't delete more than NUM files",
    ),
    flag(
        Mkpath,
        "mkpath",
        None,
        "create destination's missing path components",
    ),
    Spec {
        negatable: false,
        ..flag(
            CvsExclude,
            "cvs-exclude",
            Some('C'),
            "auto-ignore files in the same way CVS does",
        )
    },
    valued(
        Filter,
        "filter",
        Some('f'),
        "RULE",
        "add a file-filtering RULE",
    ),
    Spec {
        negatable: false,
        ..flag(
            FilterF,
            "",
            Some('F'),
            "same as --filter='dir-merge /.rsync-filter'; repeated: --filter='- .rsync-filter'",
        )
    },
    valued(
        Exclude,
        "exclude",
        None,
        "PATTERN",
        "exclude files matching PATTERN",
    ),
    valued(
        Include,
        "include",
        None,
        "PATTERN",
        "don't exclude files matching PATTERN",
    ),
    flag(Stats, "stats", None, "give some file-transfer stats"),
    flag(
        Human,
        "human-readable",
        Some('h'),
        "output numbers in a human-readable format",
    ),
    flag(Progress, "progress", None, "show progress during transfer"),
    Spec {
        negatable: false,
        ..flag(
            PartialProgress,
            "",
            Some('P'),
            "same as --partial --progress",
        )
    },
    flag(
        Itemize,
        "itemize-changes",
        Some('i'),
        "output a change-summary for all updates",
    ),
    valued(
        Manifest,
        "manifest",
        None,
        "FILE",
        "an mtree manifest of SRC (from snap), trusted with -c",
    ),
    flag(
        Compress,
        "compress",
        Some('z'),
        "compress file data with zstd over a remote shell (no effect locally)",
    ),
    aliased(
        valued(
            NoEffect,
            "compress-choice",
            None,
            "STR",
            "accepted (see --compress)",
        ),
        &["zc"],
    ),
    aliased(
        valued(
            NoEffect,
            "compress-level",
            None,
            "NUM",
            "accepted (see --compress)",
        ),
        &["zl"],
    ),
    aliased(
        valued(
            NoEffect,
            "compress-threads",
            None,
            "NUM",
            "accepted (see --compress)",
        ),
        &["zt"],
    ),
    valued(
        NoEffect,
        "skip-compress",
        None,
        "LIST",
        "accepted (see --compress)",
    ),
    aliased(
        valued(
            NoEffect,
            "checksum-choice",
            None,
            "STR",
            "accepted: -c compares bytes directly",
        ),
        &["cc"],
    ),
    valued(
        Rsh,
        "rsh",
        Some('e'),
        "COMMAND",
        "remote shell for HOST:PATH operands (default $TREESYNC_RSH, else ssh)",
    ),
    valued(
        RsyncPath,
        "rsync-path",
        None,
        "PROGRAM",
        "the program to run on the remote host (default treesync)",
    ),
    aliased(
        flag(
            NoEffect,
            "secluded-args",
            Some('s'),
            "accepted: no remote shell parses arguments",
        ),
        &["protect-args"],
    ),
    valued(
        NoEffect,
        "timeout",
        None,
        "SECONDS",
        "accepted: there is no connection to time out",
    ),
    valued(
        DaemonOnly,
        "contimeout",
        None,
        "SECONDS",
        "refused, as rsync refuses it without a daemon",
    ),
    flag(
        NoEffect,
        "numeric-ids",
        None,
        "accepted: one machine has one user and group database",
    ),
    valued(
        NoEffect,
        "debug",
        None,
        "FLAGS",
        "accepted: fine-grained debug verbosity",
    ),
    aliased(
        flag(
            NoEffect,
            "inc-recursive",
            None,
            "accepted: the walk is always incremental",
        ),
        &["i-r"],
    ),
    flag(
        NoEffect,
        "open-noatime",
        None,
        "accepted: files are always opened with O_NOATIME where allowed",
    ),
    flag(
        NoEffect,
        "blocking-io",
        None,
        "accepted: there is no remote shell",
    ),
    flag(
        Crtimes,
        "crtimes",
        Some('N'),
        "refused, as rsync refuses it on Linux (no settable creation time)",
    ),
    flag(DropD, "drop-D", None, "create no devices or special files"),
    valued(
        TempDir,
        "temp-dir",
        Some('T'),
        "DIR",
        "must exist (relative to DEST); temporaries stay beside their file, renamed atomically",
    ),
    flag(
        NoEffect,
        "fuzzy",
        Some('y'),
        "accepted: a local copy sends whole files, so no basis file is looked for",
    ),
    valued(
        NoEffect,
        "block-size",
        Some('B'),
        "SIZE",
        "accepted: a local copy sends whole files",
    ),
    valued(
        NoEffect,
        "checksum-seed",
        None,
        "NUM",
        "accepted: -c compares bytes directly",
    ),
    valued(
        NoEffect,
        "max-alloc",
        None,
        "SIZE",
        "accepted: memory is bounded by the pipeline window",
    ),
    valued(
        NoEffect,
        "sockopts",
        None,
        "OPTIONS",
        "accepted: for daemon connections only",
    ),
    valued(
        NoEffect,
        "port",
        None,
        "PORT",
        "accepted: for daemon connections only",
    ),
    valued(
        NoEffect,
        "address",
        None,
        "ADDRESS",
        "accepted: for daemon connections only",
    ),
    flag(
        NoEffect,
        "ipv4",
        Some('4'),
        "accepted: for daemon connections and the remote shell's own choice",
    ),
    flag(
        NoEffect,
        "ipv6",
        Some('6'),
        "accepted: for daemon connections and the remote shell's own choice",
    ),
    Spec {
        negatable: false,
        ..flag(NoEffect, "no-motd", None, "accepted: daemons only")
    },
    valued(
        NoEffect,
        "outbuf",
        None,
        "N|L|B",
        "accepted: output is written in order as each entry is done",
    ),
    valued(
        NoEffect,
        "protocol",
        None,
        "NUM",
        "accepted: treesync speaks its own versioned protocol",
    ),
    flag(
        NoEffect,
        "old-args",
        None,
        "accepted: arguments reach the remote end as given",
    ),
    flag(
        NoEffect,
        "trust-sender",
        None,
        "accepted: the receiver checks every name it is sent",
    ),
    valued(
        NoEffect,
        "stderr",
        None,
        "e|a|c",
        "accepted: messages go to stderr, the lists to stdout",
    ),
    flag(
        NoEffect,
        "msgs2stderr",
        None,
        "accepted: messages go to stderr",
    ),
];
