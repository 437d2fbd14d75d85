//! Staging: each planned file's new content is written, during the check, to a hidden
//! temporary (`.NAME.XXXXXXXX.tmp~`) in the deepest directory on its way that is and stays a
//! directory, with its final mode, so that memory stays bounded by the largest file and the
//! commit only renames. The first [`INLINE_TEMPS`] are written on the main thread; after that
//! a staging thread writes them while the next files are read and patched.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use fstree::Dir;

use super::{Content, Planned, Shape, Tree, TreeError, ancestor_ends, key, prefix};

/// How many temporaries are written on the main thread before the staging thread starts:
/// handing work to a thread costs more than it saves on a small patch (measured on the
/// 600-file Linux edit patch: 107 ms inline, 119 ms with the thread).
pub(super) const INLINE_TEMPS: usize = 1000;

/// A new content for the staging thread to write to a temporary in `dir` (`dir_rel` beneath
/// the root) for the file `name` there; the answer names the path by its [`key`].
struct Job {
    key: Vec<u8>,
    dir: Dir,
    dir_rel: PathBuf,
    name: std::ffi::OsString,
    full: PathBuf,
    data: Vec<u8>,
    mode: u32,
    style: fstree::TempStyle,
}

/// What the staging thread answers for a [`Job`]: the path's key, and the temporary written
/// (relative to the root) or why none was (nothing is left behind then).
type Answer = (Vec<u8>, Result<PathBuf, fstree::Error>);

/// The staging thread: creating inodes is most of the cost of applying a large patch, and it
/// overlaps with reading and patching the next files. Jobs are done in order; the channel is
/// bounded, so memory stays a few files' worth.
pub(super) struct Writer {
    jobs: Option<mpsc::SyncSender<Job>>,
    done: mpsc::Receiver<Answer>,
    thread: Option<JoinHandle<()>>,
    pending: usize,
}

impl Writer {
    fn start() -> Writer {
        let (jobs, rx) = mpsc::sync_channel::<Job>(2);
        let (tx, done) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            for job in rx {
                let written = write_temp(
                    &job.dir, &job.name, &job.full, &job.data, job.mode, job.style,
                )
                .map(|tmp| job.dir_rel.join(tmp));
                if tx.send((job.key, written)).is_err() {
                    break;
                }
            }
        });
        Writer {
            jobs: Some(jobs),
            done,
            thread: Some(thread),
            pending: 0,
        }
    }
}

/// Writes `data` with permission bits `mode` to a new hidden temporary for the file `name` in
/// `dir` (`full` is its path, for messages) and returns the temporary's name. A temporary that
/// could not be written whole is removed.
fn write_temp(
    dir: &Dir,
    name: &OsStr,
    full: &Path,
    data: &[u8],
    mode: u32,
    style: fstree::TempStyle,
) -> Result<std::ffi::OsString, fstree::Error> {
    let failed = |op, e| fstree::Error::new(op, full, e);
    let mut temp = dir
        .create_temp(name, style, 0o600)
        .map_err(|e| failed(fstree::Op::Create, e))?
        .with_path(full.to_path_buf());
    temp.file
        .write_all(data)
        .map_err(|e| failed(fstree::Op::Write, e))?;
    temp.set_mode(mode)?;
    Ok(temp.keep().1)
}

impl Tree {
    /// Takes the staging thread's answers: all of them (`wait`), or those already there.
    fn collect(&mut self, wait: bool) -> Result<(), TreeError> {
        let mut first_err = None;
        while let Some(w) = self.writer.as_mut()
            && w.pending > 0
        {
            let answer = if wait {
                w.done.recv().ok()
            } else {
                w.done.try_recv().ok()
            };
            let Some((k, written)) = answer else { break };
            w.pending -= 1;
            match written {
                Ok(tmp) => self.staged(&k, tmp),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        match first_err {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// Records that the content of the path with key `k` is now in the temporary `tmp`.
    fn staged(&mut self, k: &[u8], tmp: PathBuf) {
        if let Some(Planned::File { content, .. }) = self.over.get_mut(k)
            && *content == Content::Writing
        {
            *content = Content::Staged(tmp.clone());
        }
        // Otherwise (never: a content being written is not replaced before it is settled)
        // the temporary is removed with the others when the tree is dropped.
        self.note_temp(tmp);
    }

    /// Whether the temporary `tmp` is named for this run (the journal lists its directory).
    pub(super) fn is_run_temp(&self, tmp: &Path) -> bool {
        matches!((&self.journal, tmp.file_name()), (Some(Ok(j)), Some(name)) if j.is_ours(name))
    }

    /// Counts a new temporary of this run, or remembers one named otherwise.
    fn note_temp(&mut self, tmp: PathBuf) {
        if self.is_run_temp(&tmp) {
            self.outstanding += 1;
        } else {
            self.temps.insert(tmp);
        }
    }

    /// Notes that the temporary `tmp` was renamed into place or removed.
    pub(super) fn temp_gone(&mut self, tmp: &Path) {
        if self.is_run_temp(tmp) {
            self.outstanding = self.outstanding.saturating_sub(1);
        } else {
            self.temps.remove(tmp);
        }
    }

    /// Waits for every temporary to be written; the first error, if any.
    pub fn settle(&mut self) -> Result<(), TreeError> {
        self.collect(true)
    }

    /// The directory a temporary for `p` goes into: the deepest ancestor that is a directory on
    /// disk and stays one (so the rename into place never crosses a file system).
    fn staging_dir<'p>(&self, p: &'p Path) -> Result<&'p Path, TreeError> {
        let k = key(p);
        for i in ancestor_ends(&k).rev() {
            let a = prefix(p, i);
            let stays = matches!(self.over.get(&k[..i]), None | Some(Planned::Dir { .. }));
            // An ancestor that is not a directory on disk (or lies beneath one the patch
            // replaces, so cannot even be looked at) is no place for a temporary: go up.
            if stays && matches!(self.disk_shape(a), Ok(Shape::Dir)) {
                return Ok(a);
            }
        }
        Ok(Path::new(""))
    }

    /// Hands `data` with permission bits `mode` to the staging thread (or, for the first
    /// [`INLINE_TEMPS`], writes it here), for a new hidden temporary for `p`.
    pub(super) fn stage(
        &mut self,
        p: &Path,
        data: Vec<u8>,
        mode: u32,
    ) -> Result<Content, TreeError> {
        if self.writer.is_none() && self.inline < INLINE_TEMPS {
            self.inline += 1;
            return self.stage_now(p, &data, mode).map(Content::Staged);
        }
        self.collect(false)?;
        let (dir_rel, dir, full) = self.staging_dir_fd(p)?;
        let style = self.temp_style(&dir_rel);
        let job = Job {
            key: key(p),
            dir,
            dir_rel,
            name: p.file_name().unwrap_or_default().to_os_string(),
            full,
            data,
            mode,
            style,
        };
        let w = self.writer.get_or_insert_with(Writer::start);
        let sent = match &w.jobs {
            Some(jobs) => jobs.send(job).map_err(|mpsc::SendError(job)| job),
            None => Err(job),
        };
        match sent {
            Ok(()) => {
                w.pending += 1;
                Ok(Content::Writing)
            }
            // The thread is gone (it panicked): write here instead.
            Err(job) => self.stage_now(p, &job.data, mode).map(Content::Staged),
        }
    }

    /// The directory a temporary for `p` goes into ([`Tree::staging_dir`]), open, and `p`'s
    /// full path for messages.
    fn staging_dir_fd(&self, p: &Path) -> Result<(PathBuf, Dir, PathBuf), TreeError> {
        let dir_rel = self.staging_dir(p)?.to_path_buf();
        let full = self.root.display(p);
        let dir = self
            .dir_fd(&dir_rel)
            .map_err(|e| fstree::Error::new(fstree::Op::Create, full.clone(), e.source))?;
        Ok((dir_rel, dir, full))
    }

    /// Writes `data` with permission bits `mode` to a new hidden temporary for `p`, now, and
    /// returns the temporary's path.
    fn stage_now(&mut self, p: &Path, data: &[u8], mode: u32) -> Result<PathBuf, TreeError> {
        let (dir_rel, dir, full) = self.staging_dir_fd(p)?;
        let name = p.file_name().unwrap_or_default();
        let style = self.temp_style(&dir_rel);
        let tmp = dir_rel.join(write_temp(&dir, name, &full, data, mode, style)?);
        self.note_temp(tmp.clone());
        Ok(tmp)
    }

    /// Removes a temporary this tree no longer needs.
    pub(super) fn unstage(&mut self, tmp: &Path) {
        // One that cannot be removed now is left to the drop (this run's: the journal's sweep).
        if self.is_run_temp(tmp) {
            if self.remove_temp(tmp) {
                self.temp_gone(tmp);
            }
        } else if self.temps.remove(tmp) && !self.remove_temp(tmp) {
            self.temps.insert(tmp.to_path_buf());
        }
    }

    /// Removes the temporary `tmp`, best effort: through the directory the check opened (still
    /// the one it was written in, whatever its name leads to now), else, when that cannot be
    /// had (out of descriptors), from the root again after giving back the cached ones.
    /// Whether it is gone.
    pub(super) fn remove_temp(&self, tmp: &Path) -> bool {
        let gone = |r: std::io::Result<()>| match r {
            Ok(()) => true,
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        };
        match self.parent_fd(tmp) {
            Ok((dir, name)) => gone(dir.remove_file(name)),
            Err(_) => {
                self.dirs.clear();
                match self.root.remove_file(tmp) {
                    Ok(()) => true,
                    Err(e) => e.source.kind() == std::io::ErrorKind::NotFound,
                }
            }
        }
    }

    /// Stops the staging thread after the jobs it was given, so that every temporary it made
    /// is known (and removed with the others by the caller).
    pub(super) fn stop_writer(&mut self) {
        let Some(w) = self.writer.as_mut() else {
            return;
        };
        w.jobs = None;
        if let Some(t) = w.thread.take() {
            let _ = t.join();
        }
        let made: Vec<PathBuf> = w.done.try_iter().filter_map(|(_, w)| w.ok()).collect();
        for tmp in made {
            self.note_temp(tmp);
        }
    }
}
