//! treesync between machines: `treesync SRC... [USER@]HOST:DEST` (push) and `treesync
//! [USER@]HOST:SRC... DEST` (pull), through a remote shell as rsync does (`-e COMMAND`, else
//! `$TREESYNC_RSH`, else `ssh`; the remote program is `--rsync-path`, else `treesync`,
//! started as `PROGRAM --server [--sender]`). The two ends speak our own framed protocol
//! ([`frame`]) over the shell's stdin/stdout; the operands travel inside it, so the remote
//! shell parses nothing of them (rsync 3.5's `-s` by default).
//!
//! Each end is a thread that writes and a reader: the sender (`sender`) streams the file
//! list and, between entries, answers the receiver's requests that its reader thread has
//! queued; the receiver (`receiver`, `apply`) reads frames in order and writes requests,
//! so neither end waits on the other's writes and nothing deadlocks on full pipes. Changed
//! files travel as deltas against the receiver's copy (`delta`), verified by SHA-256 before
//! the rename; `-z` compresses each data frame with zstd.
//!
//! First step: the receiver has its own small engine with local treesync's rules for
//! `-r -l -p -t -g -o -D -a --delete -c -i -v -n -q -z --chmod`; other options are refused
//! with a remote operand rather than ignored. `--chmod` changes the modes of the list as if
//! the sender had supplied them (rsync's words), so the client applies it on its side: to the
//! entries it sends in a push, to those it receives in a pull.

mod apply;
mod command;
mod content;
mod delete;
mod delta;
pub mod frame;
mod name;
pub mod operand;
mod receiver;
mod sender;
mod wire;

use std::ffi::OsString;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::{Sender as Tx, channel};

use frame::{Frame, Hello, Role, Stream, flag};
use receiver::{Console, Lines, Receiver};

use crate::Options;
use crate::itemize::Charset;

/// rsync's exit status for a protocol data stream error.
pub const EXIT_PROTOCOL: u8 = 12;

/// What ends a remote run.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    /// A bad command line (exit 1).
    #[error("{0}")]
    Usage(String),
    /// The peer broke the protocol, or the connection ended (exit 12).
    #[error("{0}")]
    Protocol(String),
    /// DEST could not be made or opened, or the output not written (exit 11).
    #[error("{0}")]
    Dest(String),
    /// DEST is reached through a symlink owned by someone other than root or the receiving
    /// user (without `--insecure-links`), as local treesync and rsync 3.5 refuse it (exit 3).
    #[error("{}\nchange_dir {:?} failed: Too many levels of symbolic links (40)", crate::UNTRUSTED, .0)]
    Untrusted(PathBuf),
    /// SIGINT, SIGTERM or SIGHUP: nothing more was started, the file under way was dropped
    /// (exit 20).
    #[error("received SIGINT, SIGTERM, or SIGHUP")]
    Interrupted,
}

impl Fatal {
    /// rsync's exit status.
    pub fn exit_status(&self) -> u8 {
        match self {
            Fatal::Usage(_) => 1,
            Fatal::Protocol(_) => EXIT_PROTOCOL,
            Fatal::Dest(_) => 11,
            Fatal::Untrusted(_) => 3,
            Fatal::Interrupted => 20,
        }
    }

    /// [`Fatal::Interrupted`] once a stopping signal has arrived.
    fn check_signal() -> Result<(), Fatal> {
        match toolkit::signals::caught() {
            Some(_) => Err(Fatal::Interrupted),
            None => Ok(()),
        }
    }

    /// rsync's words for the exit status (`treesync error: WORDS (code N)`).
    pub fn words(&self) -> &'static str {
        match self {
            Fatal::Usage(_) => "syntax or usage error",
            Fatal::Protocol(_) => "error in protocol data stream",
            Fatal::Dest(_) => "error in file IO",
            Fatal::Untrusted(_) => "errors selecting input/output files, dirs",
            Fatal::Interrupted => "received SIGINT, SIGTERM, or SIGHUP",
        }
    }

    fn protocol(what: &str) -> Fatal {
        Fatal::Protocol(format!("protocol error: {what}"))
    }

    fn closed() -> Fatal {
        Fatal::Protocol("connection unexpectedly closed".into())
    }

    fn io(e: io::Error) -> Fatal {
        match e.kind() {
            io::ErrorKind::BrokenPipe | io::ErrorKind::UnexpectedEof => Fatal::closed(),
            _ => Fatal::Protocol(format!("connection: {e}")),
        }
    }

    fn output(e: io::Error) -> Fatal {
        Fatal::Dest(format!("writing output: {e}"))
    }

    fn dest(op: &str, path: &Path, e: &io::Error) -> Fatal {
        Fatal::Dest(format!("{op} \"{}\" failed: {e}", path.display()))
    }

    fn from_read(e: frame::ReadError) -> Fatal {
        match e {
            frame::ReadError::Closed => Fatal::closed(),
            frame::ReadError::Io(e) => Fatal::io(e),
            frame::ReadError::Frame(f) => Fatal::protocol(&f.to_string()),
        }
    }
}

/// What a sender's reader thread hands to it.
pub(crate) enum Incoming {
    Request { index: u32, signature: Vec<u8> },
    Log(Stream, Vec<u8>),
    Done(u8),
    Broken(Fatal),
}

/// Does this command line name a remote operand?
pub fn is_remote(sources: &[OsString], dest: &OsString) -> bool {
    sources
        .iter()
        .chain([dest])
        .any(|a| operand::parse(a) != Ok(None))
}

/// An option the remote engine does not carry yet is refused (exit 1), never ignored.
fn refuse_unsupported(o: &Options) -> Result<(), Fatal> {
    let unsupported = [
        (o.chown.uid.is_some() || o.chown.gid.is_some(), "--chown"),
        (!o.filters.is_empty(), "--exclude/--include"),
        (o.hard_links, "-H"),
        (
            !o.bases.is_empty(),
            "--link-dest/--copy-dest/--compare-dest",
        ),
        (o.backup, "-b"),
        (
            o.delete_after || o.delete_excluded,
            "--delete-after/--delete-excluded",
        ),
        (o.max_delete.is_some(), "--max-delete"),
        (o.xattrs || o.acls, "-X/-A"),
        (
            o.copy_links || o.copy_dirlinks || o.copy_unsafe_links,
            "-L/-k",
        ),
        (o.manifest.is_some(), "--manifest"),
        (o.remove_source_files, "--remove-source-files"),
        (
            o.update || o.size_only || o.ignore_times,
            "-u/--size-only/-I",
        ),
        (
            o.existing || o.ignore_existing,
            "--existing/--ignore-existing",
        ),
        (o.atimes, "-U"),
        (o.stats || o.progress || o.progress2, "--stats/--progress"),
        (o.safe_links, "--safe-links"),
        (o.one_file_system > 0, "-x"),
        (o.omit_dir_times || o.omit_link_times, "-O/-J"),
        (o.modify_window != 0, "--modify-window"),
        (
            o.min_size.is_some() || o.max_size.is_some(),
            "--min-size/--max-size",
        ),
        (o.mkpath, "--mkpath"),
        (o.ignore_missing_args, "--ignore-missing-args"),
        (o.force || o.ignore_errors, "--force/--ignore-errors"),
        (o.executability, "-E"),
        (o.drop_devices, "--drop-D"),
        (o.temp_dir.is_some(), "-T"),
        (
            o.append > 0 || o.inplace || o.delay_updates,
            "--append/--inplace/--delay-updates",
        ),
        (o.bwlimit.is_some(), "--bwlimit"),
        (o.delete_missing_args, "--delete-missing-args"),
        (
            o.dirs || o.relative || o.no_implied_dirs,
            "-d/-R/--no-implied-dirs",
        ),
        (
            !o.usermap.is_empty() || !o.groupmap.is_empty(),
            "--usermap/--groupmap",
        ),
        (o.keep_dirlinks || o.prune_empty_dirs, "-K/-m"),
        (
            o.list_only || o.out_format.is_some(),
            "--list-only/--out-format",
        ),
        (o.sparse, "-S"),
    ];
    if let Some((_, name)) = unsupported.iter().find(|(on, _)| *on) {
        return Err(Fatal::Usage(format!(
            "{name} is not supported with a remote operand yet"
        )));
    }
    Ok(())
}

/// The protocol flags of the options a remote run carries.
fn flags_of(o: &Options) -> Result<u32, Fatal> {
    refuse_unsupported(o)?;
    let bits = [
        (o.recursive, flag::RECURSIVE),
        (o.links, flag::LINKS),
        (o.perms, flag::PERMS),
        (o.times, flag::TIMES),
        (o.owner, flag::OWNER),
        (o.group, flag::GROUP),
        (o.devices, flag::DEVICES),
        (o.specials, flag::SPECIALS),
        (o.checksum, flag::CHECKSUM),
        (o.delete, flag::DELETE),
        (o.dry_run, flag::DRY_RUN),
        (o.itemize, flag::ITEMIZE),
        (o.quiet, flag::QUIET),
        (o.charset == Charset::Utf8, flag::UTF8),
        (o.charset == Charset::EightBit, flag::EIGHT_BIT),
        (o.compress, flag::COMPRESS),
        (o.insecure_links, flag::INSECURE_LINKS),
    ];
    Ok(bits.iter().filter(|(on, _)| *on).fold(0, |f, (_, b)| f | b))
}

fn charset_of(flags: u32) -> Charset {
    if flags & flag::UTF8 != 0 {
        Charset::Utf8
    } else if flags & flag::EIGHT_BIT != 0 {
        Charset::EightBit
    } else {
        Charset::Ascii
    }
}

/// A push or a pull, as the command line says.
struct Plan {
    host: Vec<u8>,
    role: Role,
    /// The paths on the sending side.
    sources: Vec<Vec<u8>>,
    dest: Vec<u8>,
}

fn plan(sources: &[OsString], dest: &OsString) -> Result<Plan, Fatal> {
    let daemon = |e| {
        Fatal::Usage(match e {
            operand::OperandError::Daemon => {
                "rsync daemons (HOST::PATH, rsync://) are not supported".into()
            }
            operand::OperandError::DashHost => {
                "Invalid remote host: hostnames may not start with '-'.".into()
            }
        })
    };
    let dest_remote = operand::parse(dest).map_err(daemon)?;
    let mut remote_srcs = Vec::new();
    for s in sources {
        remote_srcs.push(operand::parse(s).map_err(daemon)?);
    }
    match dest_remote {
        Some(d) => {
            if remote_srcs.iter().any(Option::is_some) {
                return Err(Fatal::Usage(
                    "The source and destination cannot both be remote.".into(),
                ));
            }
            Ok(Plan {
                host: d.host,
                role: Role::ServerReceives,
                sources: sources.iter().map(|s| s.as_bytes().to_vec()).collect(),
                dest: d.path,
            })
        }
        None => {
            let all: Option<Vec<_>> = remote_srcs.into_iter().collect();
            let all = all.ok_or_else(|| {
                Fatal::Usage("sources must be all remote (on one host) or all local".into())
            })?;
            let host = all.first().map(|r| r.host.clone()).unwrap_or_default();
            if all.iter().any(|r| r.host != host) {
                return Err(Fatal::Usage(
                    "all remote sources must be on one host".into(),
                ));
            }
            Ok(Plan {
                host,
                role: Role::ServerSends,
                sources: all.into_iter().map(|r| r.path).collect(),
                dest: dest.as_bytes().to_vec(),
            })
        }
    }
}

/// A push or a pull over a remote shell, for the binary: returns the exit status; a failure
/// ends with rsync's two lines on `err`, output that cannot be flushed is exit 11.
pub fn run(
    o: &Options,
    sources: &[OsString],
    dest: &OsString,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let mut r = run_client(o, sources, dest, out, err);
    // A signal also ends the remote shell: its closed pipe is not the cause.
    if r.is_err() && toolkit::signals::caught().is_some() {
        r = Err(Fatal::Interrupted);
    }
    let flushed = out.flush().is_ok();
    match r {
        Ok(status) if flushed || status != 0 => status,
        Ok(_) => crate::EXIT_FILE_IO,
        Err(e) => {
            let (words, code) = (e.words(), e.exit_status());
            let _ = writeln!(err, "treesync: {e}\ntreesync error: {words} (code {code})");
            code
        }
    }
}

/// Run a push or a pull; returns the exit status.
pub fn run_client(
    o: &Options,
    sources: &[OsString],
    dest: &OsString,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Fatal> {
    let flags = flags_of(o)?;
    let p = plan(sources, dest)?;
    let rsh = o
        .rsh
        .clone()
        .or_else(|| std::env::var_os("TREESYNC_RSH"))
        .unwrap_or_else(|| OsString::from("ssh"));
    let program = o.rsync_path.clone().unwrap_or_else(|| "treesync".into());
    let sender = p.role == Role::ServerSends;
    let argv = operand::command_line(rsh.as_bytes(), &p.host, program.as_bytes(), sender);
    let Some((cmd, args)) = argv.split_first() else {
        return Err(Fatal::Usage("empty remote shell command".into()));
    };
    let mut child = Command::new(cmd)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Fatal::Protocol(format!("cannot start {}: {e}", cmd.to_string_lossy())))?;
    let (Some(cin), Some(cout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(Fatal::closed());
    };
    let started = std::time::Instant::now();
    let (cin, sent) = wire::Counted::new(cin);
    let (cout, received) = wire::Counted::new(cout);
    let mut w = BufWriter::new(cin);
    if o.verbose > 0 && !o.itemize && !o.quiet {
        let way = if sender { "receiving" } else { "sending" };
        writeln!(out, "{way} incremental file list").map_err(Fatal::output)?;
    }
    let hello = Hello {
        version: frame::VERSION,
        role: p.role,
        flags,
        verbose: o.verbose,
        sources: p.sources.clone(),
        dest: p.dest.clone(),
    };
    let result = converse(o, flags, &hello, &mut w, cout, out, err);
    drop(w);
    let waited = child.wait();
    let (status, total) = result?;
    if o.verbose > 0 && !o.quiet {
        let (s, r) = (sent.load(Relaxed), received.load(Relaxed));
        let text = wire::summary(s, r, started.elapsed(), total, o.human);
        out.write_all(text.as_bytes()).map_err(Fatal::output)?;
    }
    match waited {
        Ok(s) if s.success() || status != 0 => Ok(status),
        Ok(s) => Err(Fatal::Protocol(format!("remote end exited with {s}"))),
        Err(e) => Err(Fatal::io(e)),
    }
}

/// The conversation of a client; returns the exit status and the total size listed.
fn converse(
    o: &Options,
    flags: u32,
    hello: &Hello,
    w: &mut dyn Write,
    cout: impl Read + Send + 'static,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(u8, u64), Fatal> {
    frame::write(w, &Frame::Hello(hello.clone())).map_err(Fatal::io)?;
    w.flush().map_err(Fatal::io)?;
    let mut r = BufReader::new(cout);
    expect_hello(&mut r)?;
    let cs = charset_of(flags);
    if hello.role == Role::ServerReceives {
        let (tx, rx) = channel();
        std::thread::spawn(move || read_requests(r, tx));
        let mut s = sender::Sender::new(flags, cs, w, Some(out), &rx);
        s.chmod = o.chmod.clone().map(|c| (c, o.umask));
        let status = s.run(&hello.sources)?;
        let status = if s.partial && status == 0 { 23 } else { status };
        return Ok((status, s.total_size));
    }
    let mut rc = new_receiver(flags, o.verbose, o.umask, &hello.dest, &hello.sources, r, w);
    rc.console = Console::Local { out, err };
    rc.chmod = o.chmod.clone();
    let status = rc.run()?;
    frame::write(rc.w, &Frame::Done { status }).map_err(Fatal::io)?;
    rc.w.flush().map_err(Fatal::io)?;
    rc.expect_end()?;
    Ok((status, rc.total_size))
}

fn expect_hello(r: &mut dyn Read) -> Result<Hello, Fatal> {
    match frame::read(r).map_err(Fatal::from_read)? {
        Frame::Hello(h) => Ok(h),
        _ => Err(Fatal::protocol("the other end did not say hello")),
    }
}

fn new_receiver<'a, R: Read>(
    flags: u32,
    verbose: u8,
    umask: u32,
    dest: &[u8],
    sources: &[Vec<u8>],
    r: R,
    w: &'a mut dyn Write,
) -> Receiver<'a, R> {
    Receiver {
        flags,
        verbose,
        cs: charset_of(flags),
        umask,
        is_root: rustix::process::geteuid().is_root(),
        dest: PathBuf::from(std::ffi::OsStr::from_bytes(dest)),
        sources: sources.len(),
        top_names: operand::top_names(sources),
        r: BufReader::new(r),
        w,
        console: Console::Peer,
        stack: Vec::new(),
        pending: Default::default(),
        lines: Lines::default(),
        count: 0,
        dir_times: Vec::new(),
        partial: false,
        io_error: false,
        rename: None,
        created: false,
        started: false,
        total_size: 0,
        chmod: None,
    }
}

/// The sender's reader: requests, the receiver's output and its final status, queued for
/// the sending thread.
fn read_requests(mut r: impl Read, tx: Tx<Incoming>) {
    loop {
        let msg = match frame::read(&mut r) {
            Ok(Frame::Request { index, signature }) => Incoming::Request { index, signature },
            Ok(Frame::Log { stream, text }) => Incoming::Log(stream, peer_text(text)),
            Ok(Frame::Done { status }) => {
                let _ = tx.send(Incoming::Done(status));
                return;
            }
            Ok(_) => Incoming::Broken(Fatal::protocol("unexpected frame from the receiver")),
            Err(e) => Incoming::Broken(Fatal::from_read(e)),
        };
        let broken = matches!(msg, Incoming::Broken(_));
        if tx.send(msg).is_err() || broken {
            return;
        }
    }
}

/// `treesync --server [--sender]`: the remote end, on this process's stdin/stdout. Returns
/// the exit status (errors are also sent to the client, as a `Log` and a `Done`).
pub fn serve(args: &[OsString], umask: u32) -> u8 {
    let sender = args.iter().any(|a| a == "--sender");
    let stdout = io::stdout();
    let mut w = BufWriter::new(stdout.lock());
    let result = serve_on(sender, umask, io::stdin(), &mut w);
    match result {
        Ok(status) => status,
        Err(f) => {
            let text = format!("treesync [server]: {f}\n").into_bytes();
            let _ = frame::write(
                &mut w,
                &Frame::Log {
                    stream: Stream::Err,
                    text,
                },
            );
            let _ = frame::write(
                &mut w,
                &Frame::Done {
                    status: f.exit_status(),
                },
            );
            let _ = w.flush();
            f.exit_status()
        }
    }
}

fn serve_on(
    sender: bool,
    umask: u32,
    input: impl Read + Send + 'static,
    w: &mut dyn Write,
) -> Result<u8, Fatal> {
    let mut input = input;
    let hello = expect_hello(&mut input)?;
    if (hello.role == Role::ServerSends) != sender {
        return Err(Fatal::protocol("the client asked for the other direction"));
    }
    let reply = Hello {
        sources: Vec::new(),
        dest: Vec::new(),
        ..hello.clone()
    };
    frame::write(w, &Frame::Hello(reply)).map_err(Fatal::io)?;
    w.flush().map_err(Fatal::io)?;
    if sender {
        let (tx, rx) = channel();
        std::thread::spawn(move || read_requests(input, tx));
        let mut s = sender::Sender::new(hello.flags, charset_of(hello.flags), w, None, &rx);
        s.run(&hello.sources)?;
        s.w.flush().map_err(Fatal::io)?;
        return Ok(if s.partial { 23 } else { 0 });
    }
    let mut rc = new_receiver(
        hello.flags,
        hello.verbose,
        umask,
        &hello.dest,
        &hello.sources,
        input,
        w,
    );
    let status = rc.run()?;
    frame::write(rc.w, &Frame::Done { status }).map_err(Fatal::io)?;
    rc.w.flush().map_err(Fatal::io)?;
    Ok(status)
}

/// Text the peer sends for our terminal, made harmless as rsync makes it: a control byte
/// other than newline and tab (an escape sequence that would clear the screen or retitle the
/// window) is written `\#ooo`, its octal value.
fn peer_text(text: Vec<u8>) -> Vec<u8> {
    if !text.iter().any(|&b| is_control(b)) {
        return text;
    }
    let mut v = Vec::with_capacity(text.len() + 8);
    for b in text {
        if is_control(b) {
            v.extend_from_slice(format!("\\#{b:03o}").as_bytes());
        } else {
            v.push(b);
        }
    }
    v
}

fn is_control(b: u8) -> bool {
    (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_text_escapes_control_bytes_but_keeps_lines() {
        assert_eq!(peer_text(b"a\tb\n".to_vec()), b"a\tb\n");
        assert_eq!(peer_text(b"\x1b[2Jx\x07\n".to_vec()), b"\\#033[2Jx\\#007\n");
        assert_eq!(peer_text(b"\x7f".to_vec()), b"\\#177");
    }
}
