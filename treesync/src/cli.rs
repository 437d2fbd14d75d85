//! The command line, rsync's spelling: the clap definition and its mapping onto [`Options`].
//! Kept in the library so the binary stays a few lines and the mapping is unit-tested; nothing
//! here reads `argv` by itself.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser};

use crate::{Action, ChmodSpec, Error, Filters, Options};

/// Make DEST equal to SRC on this machine, with rsync's flags and exit codes.
#[derive(Parser, Debug)]
#[command(
    name = "treesync",
    version,
    about,
    disable_help_flag = true,
    override_usage = "treesync [OPTIONS] SRC... DEST",
    after_help = "Examples:\n  treesync -a src/ backup/          copy the contents of src into backup\n  treesync -a --delete src/ backup/ make backup equal to src\n  treesync -rlt -c -n -i src/ dst/  show what differs by content, change nothing\n\nExit status (rsync's): 0 success, 1 usage error, 11 error in file I/O (DEST or\nthe output), 23 partial transfer (some files failed; each was named), 24 some\nsource files vanished during the run, 20 stopped by SIGINT, SIGTERM or SIGHUP."
)]
pub struct Cli {
    /// Recurse into directories.
    #[arg(short, long)]
    recursive: bool,
    /// Archive mode: -rlptgoD (no -U, no -H).
    #[arg(short, long)]
    archive: bool,
    /// Copy symlinks as symlinks (without it they are skipped, as rsync does).
    #[arg(short, long)]
    links: bool,
    /// Preserve permissions.
    #[arg(short, long)]
    perms: bool,
    /// Preserve modification times.
    #[arg(short, long)]
    times: bool,
    /// Preserve access times (files and symlinks, whole seconds).
    #[arg(short = 'U', long)]
    atimes: bool,
    /// Preserve owner (as root).
    #[arg(short, long)]
    owner: bool,
    /// Preserve group.
    #[arg(short, long)]
    group: bool,
    /// Same as --devices --specials.
    #[arg(short = 'D')]
    devices_specials: bool,
    /// Recreate device files (as root).
    #[arg(long)]
    devices: bool,
    /// Recreate FIFOs and sockets.
    #[arg(long)]
    specials: bool,
    /// Force owner and group (names or numbers); implies -o/-g for the given side.
    #[arg(long, value_name = "USER:GROUP")]
    chown: Option<String>,
    /// Change permissions (rsync syntax: +w, u+w,go-w, D755,F644, Dg+s, +X).
    #[arg(long, value_name = "SPEC")]
    chmod: Vec<String>,
    /// Compare contents when sizes match, instead of size and mtime.
    #[arg(short, long)]
    checksum: bool,
    /// Delete extraneous files from the transferred directories of DEST.
    #[arg(long)]
    delete: bool,
    /// Show what would be done; change nothing.
    #[arg(short = 'n', long)]
    dry_run: bool,
    /// Output rsync's change summary for every update.
    #[arg(short, long)]
    itemize_changes: bool,
    /// List transferred names.
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Print file-transfer statistics.
    #[arg(long)]
    stats: bool,
    /// Show a line per transferred file.
    #[arg(long)]
    progress: bool,
    /// Exclude names matching PATTERN (rsync rules; first match wins).
    #[arg(long, value_name = "PATTERN")]
    exclude: Vec<OsString>,
    /// Do not exclude names matching PATTERN.
    #[arg(long, value_name = "PATTERN")]
    include: Vec<OsString>,
    /// Accepted for rsync compatibility: local copies are always whole-file.
    #[arg(short = 'W', long)]
    whole_file: bool,
    /// Ignore symlinks that point outside the transferred tree.
    #[arg(long)]
    safe_links: bool,
    /// An mtree manifest of SRC (from `snap`), trusted for sizes and digests with -c.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// Sources, then the destination (SRC... DEST).
    #[arg(required = true, num_args = 2.., value_name = "PATH")]
    paths: Vec<OsString>,
}

/// A parsed command line: options, sources and destination.
#[derive(Debug)]
pub struct Invocation {
    /// The options.
    pub options: Options,
    /// The SRC arguments.
    pub sources: Vec<OsString>,
    /// The DEST argument.
    pub dest: OsString,
}

/// Parse `args` (including the program name). `Err` carries clap's error for usage problems,
/// help and version, so the caller can print it and pick the exit code.
pub fn parse<I, T>(args: I, umask: u32) -> Result<Result<Invocation, Error>, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // rsync: `-h` alone, with no other argument, is help (elsewhere --human-readable).
    if args.len() == 2 && args[1] == "-h" {
        args[1] = OsString::from("--help");
    }
    let m = Cli::command().try_get_matches_from(args)?;
    let cli = Cli::from_arg_matches(&m)?;
    Ok(cli.into_invocation(&m, umask))
}

impl Cli {
    fn into_invocation(self, m: &ArgMatches, umask: u32) -> Result<Invocation, Error> {
        let mut chmod: Option<ChmodSpec> = None;
        for s in &self.chmod {
            let spec = ChmodSpec::parse(s).map_err(|e| Error::Usage(e.to_string()))?;
            chmod.get_or_insert_with(ChmodSpec::default).extend(spec);
        }
        let chown = match &self.chown {
            Some(s) => crate::owner::parse(s).map_err(|e| Error::Usage(e.to_string()))?,
            None => Default::default(),
        };
        // Filter rules apply in command-line order across --include and --exclude.
        let mut rules: Vec<(usize, Action, &OsString)> = Vec::new();
        for (id, action, list) in [
            ("include", Action::Include, &self.include),
            ("exclude", Action::Exclude, &self.exclude),
        ] {
            let idx = m
                .indices_of(id)
                .map(|i| i.collect::<Vec<_>>())
                .unwrap_or_default();
            rules.extend(
                list.iter()
                    .enumerate()
                    .map(|(k, p)| (idx.get(k).copied().unwrap_or(k), action, p)),
            );
        }
        rules.sort_by_key(|r| r.0);
        let mut filters = Filters::default();
        for (_, action, p) in rules {
            filters.push(
                action,
                std::os::unix::ffi::OsStrExt::as_bytes(p.as_os_str()),
            );
        }
        let a = self.archive;
        let options = Options {
            recursive: self.recursive || a,
            links: self.links || a,
            perms: self.perms || a,
            times: self.times || a,
            atimes: self.atimes,
            owner: self.owner || a,
            group: self.group || a,
            devices: self.devices || self.devices_specials || a,
            specials: self.specials || self.devices_specials || a,
            chown,
            chmod,
            checksum: self.checksum,
            delete: self.delete,
            dry_run: self.dry_run,
            itemize: self.itemize_changes,
            verbose: self.verbose,
            stats: self.stats,
            progress: self.progress,
            filters,
            safe_links: self.safe_links,
            manifest: self.manifest,
            umask,
            charset: crate::itemize::Charset::from_locale(locale().as_deref()),
        };
        let _accepted = self.whole_file;
        let mut paths = self.paths;
        let dest = paths
            .pop()
            .ok_or_else(|| Error::Usage("missing DEST".into()))?;
        Ok(Invocation {
            options,
            sources: paths,
            dest,
        })
    }
}

/// The locale name that decides the character type (`LC_ALL`, `LC_CTYPE`, `LANG`).
fn locale() -> Option<String> {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(args: &[&str]) -> Invocation {
        parse(
            std::iter::once("treesync").chain(args.iter().copied()),
            0o022,
        )
        .unwrap()
        .unwrap()
    }

    #[test]
    fn h_alone_is_help_as_in_rsync() {
        let e = parse(["treesync", "-h"], 0).expect_err("help");
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp);
        let e = parse(["treesync", "-h", "a", "b"], 0).expect_err("not help");
        assert_eq!(e.kind(), clap::error::ErrorKind::UnknownArgument);
    }

    #[test]
    fn seed_line_parses() {
        let i = inv(&[
            "--checksum",
            "--times",
            "--atimes",
            "--chown=0:0",
            "--chmod=+w",
            "-r",
            "outputs/",
            ".",
        ]);
        let o = &i.options;
        assert!(o.checksum && o.times && o.atimes && o.recursive && !o.links);
        assert_eq!(o.chown.uid, Some(0));
        assert_eq!(i.sources, vec![OsString::from("outputs/")]);
        assert_eq!(i.dest, OsString::from("."));
    }

    #[test]
    fn archive_expands_like_rsync() {
        let o = inv(&["-a", "a", "b"]).options;
        assert!(
            o.recursive
                && o.links
                && o.perms
                && o.times
                && o.group
                && o.owner
                && o.devices
                && o.specials
        );
        assert!(!o.atimes && !o.checksum);
    }

    #[test]
    fn filters_keep_command_line_order() {
        let o = inv(&["--exclude=*", "--include=keep", "-r", "a/", "b"]).options;
        assert!(o.filters.is_excluded(b"keep", false));
        let o = inv(&["--include=keep", "--exclude=*", "-r", "a/", "b"]).options;
        assert!(!o.filters.is_excluded(b"keep", false));
    }

    #[test]
    fn bad_chmod_is_a_usage_error() {
        let r = parse(["treesync", "--chmod=q+w", "a", "b"], 0).unwrap();
        assert!(matches!(r, Err(Error::Usage(_))));
        assert_eq!(r.err().map(|e| e.exit_code()), Some(1));
    }
}
