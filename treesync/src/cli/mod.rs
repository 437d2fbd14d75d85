//! The command line, rsync's spelling. The options are a table (`table::SPECS`); clap is
//! built from it to split the command line and to print `--help` (and, through xtask, the man
//! page and completions), and the options are then applied in command-line order, as rsync's
//! option parser does: `-a --no-o` copies without owners, `--no-o -a` with them, `-hh` counts,
//! `--no-h` resets. Kept in the library so the binary stays a few lines and the mapping is
//! unit-tested; nothing here reads `argv` by itself.

mod table;
mod values;
mod version;

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::{Action, ChmodSpec, Error, Filters, Options};
use table::{Opt, SPECS, Spec};

const AFTER_HELP: &str = "Examples:\n  treesync -a src/ backup/          copy the contents of src into backup\n  treesync -a --delete src/ backup/ make backup equal to src\n  treesync -avh --progress src/ dst/ the same, naming each file, sizes as 1.23K\n  treesync -rlt -c -n -i src/ dst/  show what differs by content, change nothing\n\nExit status (rsync's): 0 success, 1 usage error, 11 error in file I/O (DEST or\nthe output), 23 partial transfer (some files failed; each was named), 24 some\nsource files vanished during the run, 20 stopped by SIGINT, SIGTERM or SIGHUP.";

/// The clap command for treesync: every row of the option table, each negation `--no-NAME`
/// hidden, and the paths.
pub fn command() -> Command {
    let mut cmd = Command::new("treesync")
        .version(env!("CARGO_PKG_VERSION"))
        .about(env!("CARGO_PKG_DESCRIPTION"))
        .disable_help_flag(true)
        .override_usage("treesync [OPTIONS] SRC... DEST")
        .after_help(AFTER_HELP)
        .arg(
            Arg::new("help")
                .long("help")
                .action(ArgAction::Help)
                .help("show this help (-h is help only on its own)"),
        );
    for spec in SPECS {
        cmd = cmd.arg(arg_of(spec));
        if spec.negatable {
            cmd = cmd.arg(negation_of(spec));
        }
    }
    cmd.arg(
        Arg::new("paths")
            .value_name("PATH")
            .help("Sources, then the destination (SRC... DEST; no DEST: list SRC)")
            .required(true)
            .num_args(1..)
            .value_parser(clap::value_parser!(OsString)),
    )
}

/// The clap id of a row: its long name, or its short letter.
fn key(spec: &Spec) -> String {
    match (spec.long, spec.short) {
        ("", Some(c)) => c.to_string(),
        (long, _) => long.to_string(),
    }
}

fn arg_of(spec: &'static Spec) -> Arg {
    let mut a = Arg::new(key(spec)).help(spec.help);
    if !spec.long.is_empty() {
        a = a.long(spec.long).aliases(spec.aliases);
    }
    if let Some(c) = spec.short {
        a = a.short(c);
    }
    match spec.value {
        // As rsync's parser: the next argument is the value, even `-f '- *.o'`.
        Some(v) => a
            .value_name(v)
            .allow_hyphen_values(true)
            .action(ArgAction::Append)
            .value_parser(clap::value_parser!(OsString)),
        None => occurrences(a),
    }
}

fn negation_of(spec: &Spec) -> Arg {
    let mut names: Vec<String> = Vec::new();
    if !spec.long.is_empty() {
        names.push(format!("no-{}", spec.long));
    }
    names.extend(spec.aliases.iter().map(|a| format!("no-{a}")));
    names.extend(spec.short.map(|c| format!("no-{c}")));
    let first = names.remove(0);
    occurrences(
        Arg::new(format!("no:{}", key(spec)))
            .long(first)
            .aliases(names)
            .hide(true),
    )
}

/// A flag recorded once per occurrence, each with its position (clap's counting flags keep
/// only the last position, and `-v --no-v -v` needs all of them).
fn occurrences(a: Arg) -> Arg {
    a.num_args(0)
        .action(ArgAction::Append)
        .default_missing_value("")
        .value_parser(clap::value_parser!(OsString))
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

/// What the command line asks for besides a sync.
#[derive(Debug)]
pub enum Request {
    /// A sync.
    Sync(Box<Invocation>),
    /// `--info=help`: print this text and exit 0.
    Print(String),
}

/// Parse `args` (including the program name). `Err` carries clap's error for usage problems,
/// help and version, so the caller can print it and pick the exit code; `Ok(Err)` a usage
/// error found in an option's value.
pub fn parse<I, T>(args: I, umask: u32) -> Result<Result<Request, Error>, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // rsync: `-h` alone, with no other argument, is help (elsewhere --human-readable).
    if args.len() == 2 && args[1] == "-h" {
        args[1] = OsString::from("--help");
    }
    let versions = version::asked(&args);
    if versions > 0 {
        let name = match Path::new(&args[0]).file_name() {
            Some(n) if n == "rsync" => "rsync",
            _ => "treesync",
        };
        return Ok(Ok(Request::Print(version::text(name, versions))));
    }
    if args
        .iter()
        .skip(1)
        .any(|a| values::asks_info_help(a.as_bytes()))
    {
        return Ok(Ok(Request::Print(values::INFO_HELP.to_string())));
    }
    let m = command().try_get_matches_from(args)?;
    Ok(invocation(&m, umask).map(|i| Request::Sync(Box::new(i))))
}

/// One option as given: where on the command line, which row, its value, on or off.
struct Given<'m> {
    at: usize,
    spec: &'static Spec,
    value: Option<&'m OsString>,
    on: bool,
}

/// Every option of `m` in command-line order.
fn in_order(m: &ArgMatches) -> Vec<Given<'_>> {
    let mut all = Vec::new();
    for spec in SPECS {
        let id = key(spec);
        let at = given_at(m, &id);
        let values: Vec<&OsString> = match spec.value {
            Some(_) => m
                .get_many::<OsString>(&id)
                .map(Iterator::collect)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        for (k, &at) in at.iter().enumerate() {
            let value = values.get(k).copied();
            all.push(Given {
                at,
                spec,
                value,
                on: true,
            });
        }
        if spec.negatable {
            let off = given_at(m, &format!("no:{id}")).into_iter();
            all.extend(off.map(|at| Given {
                at,
                spec,
                value: None,
                on: false,
            }));
        }
    }
    all.sort_by_key(|g| g.at);
    all
}

/// Where the option `id` appears on the command line (nowhere when clap only supplied its
/// default, which it also gives a position).
fn given_at(m: &ArgMatches, id: &str) -> Vec<usize> {
    if m.value_source(id) != Some(clap::parser::ValueSource::CommandLine) {
        return Vec::new();
    }
    m.indices_of(id).map(Iterator::collect).unwrap_or_default()
}

/// The options as rsync would set them, given in order (values checked here).
fn invocation(m: &ArgMatches, umask: u32) -> Result<Invocation, Error> {
    let mut o = Options {
        umask,
        human: 1,
        charset: crate::itemize::Charset::from_locale(locale().as_deref()),
        ..Options::default()
    };
    let mut chmod: Option<ChmodSpec> = None;
    let mut rules = RuleOptions::default();
    let mut suffix = None;
    let given = in_order(m);
    // `--files-from` implies `-R` and `-d` and keeps `-a` from implying `-r`, wherever it is.
    let files_from = given
        .iter()
        .rev()
        .find(|g| g.spec.opt == Opt::FilesFrom)
        .and_then(|g| g.value.cloned());
    if files_from.is_some() {
        (o.relative, o.dirs) = (true, true);
    }
    let (mut explicit_r, mut info_items) = (false, Vec::new());
    // `-0` applies to every `*-from` file, wherever it is given.
    let from0 = given.iter().any(|g| g.spec.opt == Opt::From0 && g.on);
    for g in given {
        let value = g.value.map(|v| v.as_bytes()).unwrap_or_default();
        match g.spec.opt {
            Opt::Chmod => {
                let text = String::from_utf8_lossy(value);
                let spec = ChmodSpec::parse(&text).map_err(|e| Error::Usage(e.to_string()))?;
                chmod.get_or_insert_with(ChmodSpec::default).extend(spec);
            }
            Opt::Recursive => {
                explicit_r = g.on;
                o.recursive = g.on;
            }
            Opt::Info => values::info(&mut o, value, &mut info_items)?,
            Opt::Filter
            | Opt::FilterF
            | Opt::CvsExclude
            | Opt::Exclude
            | Opt::Include
            | Opt::ExcludeFrom
            | Opt::IncludeFrom => rules.add(g.spec.opt, value, from0)?,
            _ => apply(&mut o, &mut suffix, &g, value)?,
        }
    }
    o.chmod = chmod;
    // --drop-D is the receiver's refusal: it wins over -D wherever given.
    if o.drop_devices {
        (o.devices, o.specials) = (false, false);
    }
    o.info = crate::info::Info::for_verbose(o.verbose);
    for (item, level) in info_items {
        o.info.set(&item, level);
    }
    o.filters = rules.finish(o.delete_excluded);
    if o.delay_updates && o.inplace {
        let which = if o.append > 0 {
            "--append"
        } else {
            "--inplace"
        };
        return Err(Error::Usage(format!(
            "{which} cannot be used with --delay-updates"
        )));
    }
    o.suffix = suffix.unwrap_or_else(|| match o.backup_dir {
        Some(_) => OsString::new(),
        None => OsString::from("~"),
    });
    if files_from.is_some() {
        o.recursive = explicit_r;
    }
    let (paths, dest) = operands(m, &mut o, files_from.as_deref(), from0)?;
    Ok(Invocation {
        options: o,
        sources: paths,
        dest,
    })
}

/// The filter options seen so far, in order (`-F` counts, `-C` waits for the end).
#[derive(Default)]
struct RuleOptions {
    filters: Filters,
    f_count: u8,
    cvs: bool,
}

impl RuleOptions {
    fn add(&mut self, opt: Opt, value: &[u8], from0: bool) -> Result<(), Error> {
        let filters = &mut self.filters;
        match opt {
            Opt::Filter => filters
                .add_rule(value, from0)
                .map_err(values::filter_error)?,
            Opt::FilterF => {
                self.f_count = self.f_count.saturating_add(1);
                let rule: &[u8] = match self.f_count {
                    1 => b"dir-merge /.rsync-filter",
                    _ => b"- .rsync-filter",
                };
                filters
                    .add_rule(rule, false)
                    .map_err(values::filter_error)?;
            }
            Opt::CvsExclude => self.cvs = true,
            Opt::Exclude => values::rule(filters, Action::Exclude, value),
            Opt::Include => values::rule(filters, Action::Include, value),
            _ => {
                let action = match opt {
                    Opt::ExcludeFrom => Action::Exclude,
                    _ => Action::Include,
                };
                for line in values::rules_file(value, from0)? {
                    values::rule(filters, action, &line);
                }
            }
        }
        Ok(())
    }

    /// The list: `-C`'s rules after every other rule, wherever it was given.
    fn finish(mut self, delete_excluded: bool) -> Filters {
        if self.cvs {
            self.filters.add_cvs_exclude();
        }
        self.filters.set_delete_excluded(delete_excluded);
        self.filters
    }
}

/// SRC and DEST from the command line: a lone SRC is listed (rsync's `--list-only`), and
/// `--files-from`'s names become the operands.
fn operands(
    m: &ArgMatches,
    o: &mut Options,
    files_from: Option<&std::ffi::OsStr>,
    from0: bool,
) -> Result<(Vec<OsString>, OsString), Error> {
    let mut paths: Vec<OsString> = m
        .get_many::<OsString>("paths")
        .map(|v| v.cloned().collect())
        .unwrap_or_default();
    let dest = match paths.len() {
        1 => {
            o.list_only = true;
            OsString::new()
        }
        _ => paths
            .pop()
            .ok_or_else(|| Error::Usage("missing DEST".into()))?,
    };
    // rsync's words for empty operands (a script's unset variable), rather than a mkdir of "".
    if paths.iter().any(|p| p.is_empty()) {
        return Err(Error::Usage("Empty source arg specified.".into()));
    }
    if dest.is_empty() && !o.list_only {
        return Err(Error::Usage(
            "Empty destination arg specified (use \".\" or see --old-args).".into(),
        ));
    }
    if let Some(list) = files_from {
        paths = from_list(&paths, list.as_bytes(), from0, o.relative)?;
    }
    Ok((paths, dest))
}

/// `--files-from`: the one SRC is the directory the names are relative to; each name becomes
/// an operand (`SRC/./NAME` with `-R`, so its path is kept).
fn from_list(
    paths: &[OsString],
    list: &[u8],
    from0: bool,
    relative: bool,
) -> Result<Vec<OsString>, Error> {
    let [base] = paths else {
        return Err(Error::Usage(
            "--files-from needs exactly one SRC (the directory the names are relative to)".into(),
        ));
    };
    let joint: &[u8] = if relative { b"/./" } else { b"/" };
    Ok(values::files_from(list, from0)?
        .into_iter()
        .map(|name| {
            let mut op = base.as_bytes().to_vec();
            op.extend_from_slice(joint);
            op.extend_from_slice(&name);
            OsString::from(std::ffi::OsStr::from_bytes(&op))
        })
        .collect())
}

/// Applies one option (all but the ordered lists) to `o`.
fn apply(
    o: &mut Options,
    suffix: &mut Option<OsString>,
    g: &Given<'_>,
    value: &[u8],
) -> Result<(), Error> {
    if g.spec.value.is_some() {
        return apply_value(o, suffix, g.spec, value);
    }
    let on = g.on;
    match g.spec.opt {
        Opt::Recursive => o.recursive = on,
        Opt::Archive => archive(o, on),
        Opt::Links => o.links = on,
        Opt::Perms => o.perms = on,
        Opt::Executability => o.executability = on,
        Opt::Times => o.times = on,
        Opt::Atimes => o.atimes = on,
        Opt::Owner => o.owner = on,
        Opt::Group => o.group = on,
        Opt::DevicesSpecials => (o.devices, o.specials) = (on, on),
        Opt::Devices => o.devices = on,
        Opt::Specials => o.specials = on,
        Opt::Checksum => o.checksum = on,
        Opt::Delete => o.delete = on,
        Opt::DeleteAfter => (o.delete, o.delete_after) = (on || o.delete, on),
        Opt::DeleteExcluded => (o.delete, o.delete_excluded) = (on || o.delete, on),
        Opt::DryRun => o.dry_run = on,
        Opt::Itemize => o.itemize = on,
        Opt::Verbose => o.verbose = if on { o.verbose.saturating_add(1) } else { 0 },
        Opt::Human => o.human = if on { o.human.saturating_add(1) } else { 0 },
        Opt::Stats => o.stats = on,
        Opt::Progress => o.progress = on,
        Opt::PartialProgress => o.progress = true,
        Opt::Update => o.update = on,
        Opt::SizeOnly => o.size_only = on,
        Opt::IgnoreTimes => o.ignore_times = on,
        Opt::IgnoreExisting => o.ignore_existing = on,
        Opt::Existing => o.existing = on,
        Opt::OmitDirTimes => o.omit_dir_times = on,
        Opt::OmitLinkTimes => o.omit_link_times = on,
        Opt::Quiet => o.quiet = on,
        Opt::EightBit => eight_bit(o, on),
        // rsync: -A implies -p.
        Opt::Acls => (o.acls, o.perms) = (on, on || o.perms),
        Opt::Xattrs => o.xattrs = on,
        Opt::OneFileSystem => {
            o.one_file_system = if on {
                o.one_file_system.saturating_add(1)
            } else {
                0
            }
        }
        Opt::Backup => o.backup = on,
        Opt::Mkpath => o.mkpath = on,
        Opt::RemoveSourceFiles => o.remove_source_files = on,
        Opt::IgnoreMissingArgs => o.ignore_missing_args = on,
        Opt::Force => o.force = on,
        Opt::IgnoreErrors => o.ignore_errors = on,
        Opt::Compress => o.compress = on,
        other => {
            if !paths_and_writes(o, other, on) {
                return apply_links(o, other, on);
            }
        }
    }
    Ok(())
}

/// `-8`: names printed as they are, or (`--no-8`) escaped for the locale's charset again.
fn eight_bit(o: &mut Options, on: bool) {
    o.charset = match on {
        true => crate::itemize::Charset::EightBit,
        false => crate::itemize::Charset::from_locale(locale().as_deref()),
    };
}

/// Applies one of the flags about links, devices and times rsync cannot keep.
fn apply_links(o: &mut Options, opt: Opt, on: bool) -> Result<(), Error> {
    match opt {
        Opt::HardLinks => o.hard_links = on,
        Opt::CopyLinks => o.copy_links = on,
        Opt::CopyDirlinks => o.copy_dirlinks = on,
        Opt::CopyUnsafeLinks => o.copy_unsafe_links = on,
        Opt::SafeLinks => o.safe_links = on,
        Opt::InsecureLinks => o.insecure_links = on,
        Opt::DropD => o.drop_devices = on,
        Opt::Crtimes if on => {
            return Err(Error::Usage(
                "This rsync does not support --crtimes (-N)".to_string(),
            ));
        }
        _ => {}
    }
    Ok(())
}

/// The flags about which paths are sent and how files are written.
fn paths_and_writes(o: &mut Options, opt: Opt, on: bool) -> bool {
    match opt {
        Opt::Dirs => o.dirs = on,
        Opt::Relative => o.relative = on,
        Opt::ImpliedDirs => o.no_implied_dirs = !on,
        Opt::PruneEmptyDirs => o.prune_empty_dirs = on,
        Opt::DeleteMissingArgs => o.delete_missing_args = on,
        // rsync: --append implies --inplace.
        Opt::Inplace => o.inplace = on,
        Opt::Sparse => o.sparse = on,
        Opt::Super => o.super_user = Some(on),
        Opt::ListOnly => o.list_only = on,
        Opt::DelayUpdates => o.delay_updates = on,
        Opt::Preallocate => o.preallocate = on,
        Opt::KeepDirlinks => o.keep_dirlinks = on,
        Opt::Append => (o.append, o.inplace) = (u8::from(on), on || o.inplace),
        Opt::AppendVerify => (o.append, o.inplace) = (2 * u8::from(on), on || o.inplace),
        _ => return false,
    }
    true
}

/// Applies one option that takes a value (the ordered lists aside).
fn apply_value(
    o: &mut Options,
    suffix: &mut Option<OsString>,
    spec: &Spec,
    value: &[u8],
) -> Result<(), Error> {
    let name = spec.long;
    let path = || PathBuf::from(std::ffi::OsStr::from_bytes(value));
    match spec.opt {
        Opt::Chown => {
            let text = String::from_utf8_lossy(value);
            o.chown = crate::owner::parse(&text).map_err(|e| Error::Usage(e.to_string()))?;
        }
        Opt::Manifest => o.manifest = Some(path()),
        Opt::TempDir => o.temp_dir = Some(path()),
        Opt::Rsh => o.rsh = Some(path().into_os_string()),
        Opt::RsyncPath => o.rsync_path = Some(path().into_os_string()),
        Opt::BwLimit => o.bwlimit = values::bwlimit(value)?,
        Opt::LogFile => o.log_file = Some(path()),
        Opt::LogFileFormat => {
            let f = crate::logformat::LogFormat::parse(value).map_err(Error::Usage)?;
            o.log_format = Some(f);
        }
        // rsync: --usermap implies -o, --groupmap -g.
        Opt::UserMap => {
            let text = String::from_utf8_lossy(value);
            o.usermap =
                crate::idmap::IdMap::parse(&text, crate::idmap::Db::Users).map_err(Error::Usage)?;
            o.owner = true;
        }
        Opt::GroupMap => {
            let text = String::from_utf8_lossy(value);
            o.groupmap = crate::idmap::IdMap::parse(&text, crate::idmap::Db::Groups)
                .map_err(Error::Usage)?;
            o.group = true;
        }
        Opt::OutFormat => {
            let f = crate::logformat::LogFormat::parse(value).map_err(Error::Usage)?;
            o.out_format = Some(f);
        }
        Opt::ModifyWindow => o.modify_window = values::number(name, value)?,
        Opt::MinSize => o.min_size = values::size(name, value)?,
        Opt::MaxSize => o.max_size = values::size(name, value)?,
        Opt::DaemonOnly => {
            return Err(Error::Usage(format!(
                "The --{name} option may only be used when connecting to an rsync daemon."
            )));
        }
        // rsync: --backup-dir implies --backup.
        Opt::BackupDir => (o.backup, o.backup_dir) = (true, Some(path())),
        Opt::Suffix => *suffix = Some(std::ffi::OsStr::from_bytes(value).to_os_string()),
        Opt::CompareDest => o.bases.push((crate::BasisKind::Compare, path())),
        Opt::CopyDest => o.bases.push((crate::BasisKind::Copy, path())),
        Opt::LinkDest => o.bases.push((crate::BasisKind::Link, path())),
        Opt::MaxDelete => {
            // rsync 3.5 treats a negative number as 0 (measured: nothing deleted).
            let n = values::number(name, value)?;
            o.max_delete = Some(u64::try_from(n).unwrap_or(0));
        }
        _ => {}
    }
    Ok(())
}

/// `-a` is `-rlptgoD`; rsync has no `--no-archive`, so `on` is always true.
fn archive(o: &mut Options, on: bool) {
    o.recursive = on;
    o.links = on;
    o.perms = on;
    o.times = on;
    o.group = on;
    o.owner = on;
    o.devices = on;
    o.specials = on;
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
        let r = parse(
            std::iter::once("treesync").chain(args.iter().copied()),
            0o022,
        );
        match r {
            Ok(Ok(Request::Sync(i))) => *i,
            other => panic!("not a sync: {other:?}"),
        }
    }

    #[test]
    fn negations_and_archive_apply_in_command_line_order() {
        let o = inv(&["-a", "--no-o", "--no-g", "a", "b"]).options;
        assert!(!o.owner && !o.group && o.perms && o.recursive);
        let o = inv(&["--no-owner", "-a", "a", "b"]).options;
        assert!(o.owner);
        let o = inv(&["-aD", "--no-D", "a", "b"]).options;
        assert!(!o.devices && !o.specials);
        let o = inv(&["-vv", "--no-v", "-v", "a", "b"]).options;
        assert_eq!(o.verbose, 1);
        assert_eq!(inv(&["a", "b"]).options.human, 1);
        assert_eq!(inv(&["-hh", "a", "b"]).options.human, 3);
        assert_eq!(inv(&["-h", "--no-h", "a", "b"]).options.human, 0);
        assert_eq!(inv(&["--no-h", "-h", "a", "b"]).options.human, 1);
    }

    #[test]
    fn common_rsync_lines_parse() {
        for line in [
            &["-avh", "--progress", "a/", "b"][..],
            &["-aH", "a/", "b"],
            &["-aP", "a/", "b"],
            &["-az", "--compress-level=3", "a/", "b"],
            &["-avz", "-e", "ssh -p 22", "a/", "b"],
            &["-au", "--info=progress2", "a/", "b"],
            &["-rt", "--size-only", "--modify-window=1", "-O", "a/", "b"],
            &["-a", "--del", "--no-W", "--timeout=30", "a/", "b"],
        ] {
            let i = inv(line);
            assert_eq!(i.dest, OsString::from("b"), "{line:?}");
        }
        let o = inv(&["-aP", "a", "b"]).options;
        assert!(o.progress);
        let o = inv(&["-u", "--max-size=1.5k", "--min-size=10", "a", "b"]).options;
        assert!(o.update && o.max_size == Some(1536) && o.min_size == Some(10));
    }

    #[test]
    fn bad_values_are_usage_errors_in_rsync_words() {
        let e = |args: &[&str]| match parse(args.iter().copied(), 0) {
            Ok(Err(e)) => e.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            e(&["t", "--modify-window=abc", "a", "b"]),
            "--modify-window=abc: invalid numeric value"
        );
        assert_eq!(
            e(&["t", "--max-size=12q", "a", "b"]),
            "--max-size=12q is invalid"
        );
        assert_eq!(
            e(&["t", "--info=foo", "a", "b"]),
            "Unknown --info item: \"foo\""
        );
        let r = parse(["t", "--no-e", "a", "b"], 0).expect_err("not negatable");
        assert_eq!(r.kind(), clap::error::ErrorKind::UnknownArgument);
        assert!(matches!(
            parse(["t", "--info=help"], 0),
            Ok(Ok(Request::Print(_)))
        ));
    }

    #[test]
    fn h_alone_is_help_as_in_rsync() {
        let e = parse(["treesync", "-h"], 0).expect_err("help");
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp);
        assert_eq!(
            inv(&["-h", "a", "b"]).options.human,
            2,
            "elsewhere -h is -h"
        );
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
        let q = crate::filter::Query::sender(b"keep", false);
        let o = inv(&["--exclude=*", "--include=keep", "-r", "a/", "b"]).options;
        assert!(o.filters.is_excluded(None, &q));
        let o = inv(&["--include=keep", "--exclude=*", "-r", "a/", "b"]).options;
        assert!(!o.filters.is_excluded(None, &q));
        let o = inv(&["-f", "- *", "-f+ keep", "-r", "a/", "b"]).options;
        assert!(o.filters.is_excluded(None, &q));
        let o = inv(&["-C", "--exclude=x", "-r", "a/", "b"]).options;
        let core = crate::filter::Query::sender(b"core", false);
        assert!(o.filters.is_excluded(None, &core));
        assert!(o.filters.has_dir_merge());
    }

    #[test]
    fn bad_chmod_is_a_usage_error() {
        let r = parse(["treesync", "--chmod=q+w", "a", "b"], 0).unwrap();
        assert!(matches!(r, Err(Error::Usage(_))));
        assert_eq!(r.err().map(|e| e.exit_code()), Some(1));
    }
}
