//! The engine: a deletion pass (with `--delete`), then one depth-first pass that creates,
//! rewrites or fixes the attributes of every entry, directory by directory.
//!
//! Order of output, matched to rsync 3.5 (local, incremental recursion) on small trees:
//! every `*deleting` line comes first (rsync's generator deletes ahead of the receiver's
//! output); within a deleted directory its contents come before it, and within one directory
//! entries are visited in reverse of rsync's sort (files by name, then directories by name).
//! Then the transfer: for each directory its own line, then its non-directories sorted by
//! name, then each subdirectory (line, then its contents) in name order. Names sort by bytes.
//!
//! Work: the walk (the calling thread) lists, creates and deletes directories in that order;
//! each directory's non-directories go to the rayon pool as jobs (a directory this run created
//! goes whole, so two workers do not contend for one directory's lock), and the results, the
//! walk's own output and each directory's final attributes (set once its contents are done)
//! pass through the ordered queue of [`crate::pipeline`]. `--progress` numbers are counted as
//! lines are printed, so they run in output order.
//!
//! The engine is split by concern, each a set of `Engine` methods or the types they share:
//! [`operand`] maps each command-line SRC onto DEST; [`directory`] walks a directory (create,
//! list, delete, print its line, hand out its files, recurse, then fix its attributes);
//! [`listing`] reads a source directory as rsync's sender does; [`delete`] is `--delete` and
//! making way for a file where DEST has a directory; [`entry`] decides what one
//! non-directory needs; [`attrs`] computes and fixes mode, owner and times; [`transfer`]
//! writes new entries; [`report`] words what happened; [`source`] is a listed source entry.

mod attrs;
mod backup;
mod basis;
mod bwlimit;
pub use basis::BasisKind;
mod delay;
mod delete;
mod directory;
mod entry;
mod hardlink;
mod inplace;
mod list;
mod listing;
mod missing;
mod operand;
mod relative;
mod report;
mod rules;
mod source;
mod transfer;
mod xattrs;

use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::pipeline::Sink;
use crate::stats::Stats;
use crate::{Error, Options, Outcome};

struct Engine<'a> {
    o: &'a Options,
    manifest: Option<(fstree::manifest::Manifest, PathBuf)>,
    is_root: bool,
    /// Set by the first fatal write error: workers skip what is left, the walk stops.
    stop: AtomicBool,
    /// `--delete-after`: each DEST directory's deletions (the directory, SRC's names in it,
    /// its path), done in walk order once everything is transferred.
    deferred: Mutex<Vec<delete::Deferred>>,
    /// The DEST directory the current operand's paths are relative to (`--delete-after`
    /// reopens its directories beneath it).
    dest_root: Mutex<Option<fstree::Dir>>,
    /// `--max-delete`: deletions attempted, and those skipped once the limit was reached.
    deleted: AtomicU64,
    deletes_skipped: AtomicU64,
    /// An error reading SRC's listing: `--delete` stops (see `delete::sender_io_error`), and
    /// whether that was said.
    io_error: AtomicBool,
    io_error_said: AtomicBool,
    /// `--link-dest`, `--copy-dest`, `--compare-dest`, opened once DEST exists.
    bases: std::sync::OnceLock<basis::Bases>,
    /// `--backup-dir`, opened (and made) once DEST exists; `None` without one.
    backup_root: std::sync::OnceLock<Option<fstree::Dir>>,
    /// `-H`: the hard-link groups met so far.
    links: Mutex<hardlink::Links>,
    /// The first bad rule met in a per-directory merge file (the run stops, exit 1).
    filter_error: Mutex<Option<String>>,
    /// `--append-verify`'s lines for files it rewrote whole (with their paths), printed after
    /// their directory's files as rsync's redo pass prints them.
    redo: Mutex<Vec<(Vec<u8>, Vec<u8>)>>,
    /// `--delay-updates`: the files waiting in `.~tmp~` for the end of the run.
    delayed: Mutex<Vec<delay::Delayed>>,
    /// `--bwlimit`: the pace of the writes.
    bw: Option<bwlimit::Throttle>,
}

/// See [`crate::run`].
pub fn run(
    o: &Options,
    sources: &[OsString],
    dest_arg: &OsString,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(Outcome, Stats), Error> {
    if sources.is_empty() {
        return Err(Error::Usage("missing SRC or DEST".into()));
    }
    let manifest = load_manifest(o, &sources[0])?;
    let engine = Engine {
        o,
        manifest,
        is_root: o
            .super_user
            .unwrap_or_else(|| rustix::process::geteuid().is_root()),
        stop: AtomicBool::new(false),
        deferred: Mutex::new(Vec::new()),
        dest_root: Mutex::new(None),
        links: Mutex::new(hardlink::Links::default()),
        bases: std::sync::OnceLock::new(),
        backup_root: std::sync::OnceLock::new(),
        deleted: AtomicU64::new(0),
        deletes_skipped: AtomicU64::new(0),
        io_error: AtomicBool::new(false),
        io_error_said: AtomicBool::new(false),
        filter_error: Mutex::new(None),
        redo: Mutex::new(Vec::new()),
        delayed: Mutex::new(Vec::new()),
        bw: o.bwlimit.map(bwlimit::Throttle::new),
    };
    // `-q`: nothing on standard output at all (rsync's -q silences -v, -i, --stats too).
    let mut quiet = io::sink();
    let out: &mut dyn Write = if o.quiet { &mut quiet } else { out };
    for w in o.usermap.warnings.iter().chain(&o.groupmap.warnings) {
        let _ = writeln!(err, "{w}");
    }
    let mut sink = Sink::new(out, err);
    if let Some(p) = &o.log_file {
        let f = fs::OpenOptions::new().create(true).append(true).open(p);
        sink.log = Some(f.map_err(|e| Error::Dest {
            op: "open log-file",
            path: p.clone(),
            source: e,
        })?);
        sink.log_lines(b"building file list\n");
    }
    if o.info.flist > 0 && !o.itemize {
        writeln!(sink.out, "sending incremental file list").map_err(Error::Output)?;
    }
    let dest_bytes = dest_arg.as_bytes();
    let dest_path = PathBuf::from(dest_arg);
    let dest_meta = fs::metadata(&dest_path).ok();
    let into_dir = sources.len() > 1
        || dest_bytes.ends_with(b"/")
        || dest_meta.as_ref().is_some_and(|m| m.is_dir());
    let engine = &engine;
    if o.list_only {
        engine.list_sources(&mut sink, sources)?;
        sink.drain(0)?;
        return engine.finish(&mut sink);
    }
    rayon::in_place_scope(|sc| -> Result<(), Error> {
        if o.relative {
            return engine.relative_all(sc, &mut sink, sources, &dest_path);
        }
        let mut sources = sources.to_vec();
        operand::sort_named(&mut sources);
        for s in &sources {
            engine.one_source(sc, &mut sink, s, &dest_path, into_dir)?;
            sink.drain(0)?;
        }
        Ok(())
    })?;
    engine.finish(&mut sink)
}

/// `--manifest`: SRC's mtree manifest (the first source's), trusted with `-c`.
fn load_manifest(
    o: &Options,
    first: &OsString,
) -> Result<Option<(fstree::manifest::Manifest, PathBuf)>, Error> {
    let Some(p) = &o.manifest else {
        return Ok(None);
    };
    let bad = |e: Box<dyn std::error::Error + Send + Sync>| Error::Manifest {
        path: p.clone(),
        source: e,
    };
    let f = fs::File::open(p).map_err(|e| bad(Box::new(e)))?;
    let m =
        fstree::manifest::Manifest::read(io::BufReader::new(f)).map_err(|e| bad(Box::new(e)))?;
    Ok(Some((m, PathBuf::from(first))))
}

impl Engine<'_> {
    /// After the walk: the hard links and deletions put off till the end, the closing lines
    /// (`--info=progress2`, `--stats` or `-v`'s total, `--max-delete`'s note) and the outcome.
    fn finish(&self, sink: &mut Sink<'_, '_>) -> Result<(Outcome, Stats), Error> {
        let o = self.o;
        if o.hard_links {
            let r = self.lead_the_rest();
            sink.take(r)?;
        }
        self.finish_delayed(sink)?;
        self.delete_deferred(sink)?;
        if o.progress2 {
            progress_total(sink, o.human).map_err(Error::Output)?;
        }
        if o.stats {
            sink.stats.write(sink.out, o.human).map_err(Error::Output)?;
        } else if o.info.summary > 0 {
            let total = crate::stats::size(sink.stats.total_size, o.human);
            writeln!(sink.out, "\ntotal size is {total}").map_err(Error::Output)?;
        }
        if sink.log.is_some() {
            let total = sink.stats.total_size;
            sink.log_lines(format!("total size {total}\n").as_bytes());
        }
        sink.out.flush().map_err(Error::Output)?;
        let skipped = self.deletes_skipped.load(Ordering::Relaxed);
        if skipped > 0 {
            let _ = writeln!(
                sink.err,
                "Deletions stopped due to --max-delete limit ({skipped} skipped)"
            );
        }
        let outcome = if sink.partial {
            Outcome::Partial
        } else if sink.vanished {
            Outcome::Vanished
        } else if skipped > 0 {
            Outcome::MaxDelete
        } else {
            Outcome::Done
        };
        Ok((outcome, sink.stats))
    }
}

/// `--info=progress2`'s last line: the bytes transferred and their share of the total size
/// (rates and times are not measured: they read 0, as `--progress`'s lines do).
fn progress_total(sink: &mut Sink<'_, '_>, human: u8) -> io::Result<()> {
    let st = &sink.stats;
    let pct = match st.total_size {
        0 => 0,
        t => u128::from(st.transferred_size) * 100 / u128::from(t),
    };
    writeln!(
        sink.out,
        "\r{:>15} {pct:>3}%    0.00kB/s    0:00:00 (xfr#{}, to-chk=0/{})",
        crate::stats::size(st.transferred_size, human),
        st.transferred,
        st.files.total()
    )
}

impl Engine<'_> {
    /// The basis trees (`--link-dest` ...), none until DEST is known.
    fn bases(&self) -> Option<&basis::Bases> {
        self.bases.get().filter(|b| !b.is_empty())
    }

    fn stopped(&self) -> bool {
        self.stop.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// After a fatal write error: emit everything pending (which ends in that error's
    /// result, and so in [`Error::FileIo`]) instead of starting more work.
    fn check_stop(&self, sink: &mut Sink<'_, '_>) -> Result<(), Error> {
        if self.stopped() {
            sink.drain(0)?;
            return Err(Error::FileIo);
        }
        // A signal: finish what is under way (each file is renamed into place whole or its
        // temporary removed), start nothing more.
        if toolkit::signals::caught().is_some() {
            sink.drain(0)?;
            return Err(Error::Interrupted);
        }
        Ok(())
    }
}
