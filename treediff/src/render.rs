//! Turning one planned [`Action`] into output bytes, messages and counts. Runs in parallel on
//! many actions at once; each call reads only the files of its own action, and the caller
//! writes the results in plan order.
//!
//! Files are compared size first, then bytes (or, with a manifest for the old side, the new
//! file's SHA-256 against the recorded one), and only files that differ are diffed. A file is
//! binary, as git decides, when one side has a NUL byte in its first 8000 bytes.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use fstree::Kind;
use fstree::error::display_path;
use treepatch::write::{self as pw, GitHeader};
use treepatch::{LineKind, Operation, binary};

use crate::hunk::{TextDiff, write_all_lines};
use crate::plan::{Action, has_children};
use crate::side::{Content, Node, join};
use crate::{Config, Format, Output, TextMode};

/// Everything a render needs besides the action.
pub struct Ctx<'a> {
    /// The run's settings.
    pub cfg: &'a Config,
    /// Old side nodes.
    pub old: &'a [Node],
    /// New side nodes.
    pub new: &'a [Node],
    /// GNU-style name of the old root (`a` for `a/`), for GNU headers and brief lines.
    pub old_label: Vec<u8>,
    /// GNU-style name of the new root.
    pub new_label: Vec<u8>,
    /// The old side's root handle, when its scan opened one ([`crate::side::read`]).
    pub old_root: Option<fstree::Dir>,
    /// The new side's root handle.
    pub new_root: Option<fstree::Dir>,
}

/// One line of `--stat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatLine {
    /// The name shown (`a => b` for a rename).
    pub name: Vec<u8>,
    /// Added lines.
    pub added: u64,
    /// Removed lines.
    pub removed: u64,
    /// For a binary file, its old and new sizes.
    pub binary: Option<(u64, u64)>,
}

/// The result of rendering one action.
#[derive(Debug, Default)]
pub struct Rendered {
    /// Bytes for stdout.
    pub out: Vec<u8>,
    /// Messages for stderr (without the `treediff: ` prefix).
    pub messages: Vec<String>,
    /// The action found a difference.
    pub differs: bool,
    /// Something could not be examined (exit status 2).
    pub trouble: bool,
    /// The `--stat` line, when there is one.
    pub stat: Option<StatLine>,
}

/// The first bytes git looks at for a NUL.
const BINARY_PROBE: usize = 8000;

fn is_binary(data: &[u8]) -> bool {
    data[..data.len().min(BINARY_PROBE)].contains(&0)
}

fn gnu_name(label: &[u8], rel: &[u8]) -> Vec<u8> {
    let mut v = label.to_vec();
    v.push(b'/');
    v.extend_from_slice(rel);
    v
}

impl Ctx<'_> {
    fn root(&self, old_side: bool) -> &Path {
        if old_side {
            &self.cfg.old
        } else {
            &self.cfg.new
        }
    }

    /// Reads the content of a node: a symlink's target or a file's bytes.
    fn content<'n>(
        &self,
        node: &'n Node,
        old_side: bool,
        r: &mut Rendered,
    ) -> Option<Cow<'n, [u8]>> {
        if node.kind == Kind::Symlink {
            return Some(Cow::Borrowed(node.link.as_deref().unwrap_or_default()));
        }
        let path = join(self.root(old_side), &node.path);
        let root = if old_side {
            &self.old_root
        } else {
            &self.new_root
        };
        match crate::side::read(root.as_ref(), self.root(old_side), node) {
            Ok(data) => Some(Cow::Owned(data)),
            Err(e) => {
                r.messages
                    .push(format!("cannot read {}: {e}", display_path(&path)));
                r.trouble = true;
                None
            }
        }
    }

    fn text_mode(&self, a: &[u8], b: &[u8]) -> bool {
        self.cfg.text == TextMode::Always || (!is_binary(a) && !is_binary(b))
    }

    /// The memory rendering `action` is expected to need: the regular files it reads, and
    /// about as much again for what it writes (a new or deleted file is written whole).
    pub fn cost(&self, action: Action) -> usize {
        let file = |n: &Node| {
            if n.kind == Kind::File {
                usize::try_from(n.size).unwrap_or(usize::MAX)
            } else {
                0
            }
        };
        let read = match action {
            Action::Pair(o, n) if self.new[n].content != Content::Same => {
                file(&self.old[o]).saturating_add(file(&self.new[n]))
            }
            Action::Add(n) => file(&self.new[n]),
            Action::Delete(o) => file(&self.old[o]),
            _ => 0,
        };
        read.saturating_mul(2)
    }

    /// Renders one action.
    pub fn render(&self, action: Action) -> Rendered {
        let mut r = Rendered::default();
        // Writing into a Vec cannot fail; the io::Result is only the writers' signature.
        let _ = self.render_into(action, &mut r);
        r
    }

    fn render_into(&self, action: Action, r: &mut Rendered) -> std::io::Result<()> {
        match action {
            Action::Pair(o, n) => self.pair(&self.old[o], &self.new[n], r),
            Action::Add(n) => self.one_side(&self.new[n], false, r),
            Action::Delete(o) => self.one_side(&self.old[o], true, r),
            Action::Rename(o, n) => self.rename(&self.old[o], &self.new[n], r),
            Action::Mkdir(n) => self.dir(&self.new[n], false, r),
            Action::Rmdir(o) => self.dir(&self.old[o], true, r),
            Action::Emptied(n) => self.emptied(&self.new[n], r),
            Action::DirMode(o, n) => {
                let (a, b) = (&self.old[o], &self.new[n]);
                r.differs = true;
                r.messages.push(format!(
                    "not carried: permissions of directory {} changed from {:o} to {:o}",
                    display_path(&join(&self.cfg.new, &b.path)),
                    a.mode,
                    b.mode
                ));
                Ok(())
            }
            Action::KindChange(o, n) => {
                let (a, b) = (&self.old[o], &self.new[n]);
                r.differs = true;
                let (on, nn) = (
                    gnu_name(&self.old_label, &a.path),
                    gnu_name(&self.new_label, &b.path),
                );
                if self.cfg.output == Output::Brief || self.cfg.output == Output::Patch {
                    pw::write_gnu_kind_differ(
                        &mut r.out,
                        &on,
                        a.kind.describe(),
                        &nn,
                        b.kind.describe(),
                    )?;
                }
                Ok(())
            }
            Action::Special(old_side, i) => {
                let node = if old_side { &self.old[i] } else { &self.new[i] };
                let path = join(self.root(old_side), &node.path);
                r.trouble = true;
                r.differs = true;
                r.messages.push(format!(
                    "{} is a {}: not compared",
                    display_path(&path),
                    node.kind.describe()
                ));
                Ok(())
            }
        }
    }

    fn brief(&self, old: &[u8], new: &[u8], r: &mut Rendered) -> std::io::Result<()> {
        let (on, nn) = (
            gnu_name(&self.old_label, old),
            gnu_name(&self.new_label, new),
        );
        pw::write_gnu_files_differ(&mut r.out, &on, &nn)
    }

    fn pair(&self, a: &Node, b: &Node, r: &mut Rendered) -> std::io::Result<()> {
        let Some((old_bytes, new_bytes, same)) = self.compare(a, b, r) else {
            return Ok(());
        };
        let mode_change = a.git_mode() != b.git_mode();
        if a.kind == Kind::File && a.mode != b.mode && !mode_change {
            r.differs = true;
            r.messages.push(format!(
                "not carried: permissions of {} changed from {:o} to {:o} (patches carry only the executable bit)",
                display_path(&join(&self.cfg.new, &b.path)),
                a.mode,
                b.mode
            ));
        }
        if same && !mode_change {
            return Ok(());
        }
        r.differs = true;
        if self.cfg.output == Output::Brief {
            return self.brief(&a.path, &b.path, r);
        }
        if same {
            return self.mode_change(a, b, r);
        }
        let old = match old_bytes.or_else(|| self.content(a, true, r)) {
            Some(o) => o,
            None => return Ok(()),
        };
        let new = match new_bytes.or_else(|| self.content(b, false, r)) {
            Some(n) => n,
            None => return Ok(()),
        };
        self.content_change(a, b, &old, &new, Operation::Modify, r)
    }

    /// Are `a` and `b` (present on both sides) the same content? With the contents it had to
    /// read to know (for reuse); `None` when one could not be read (reported in `r`).
    fn compare<'n>(&self, a: &'n Node, b: &'n Node, r: &mut Rendered) -> Option<Compared<'n>> {
        if a.kind == Kind::Symlink {
            return Some((None, None, a.link == b.link));
        }
        if b.content != Content::Unknown {
            return Some((None, None, b.content == Content::Same));
        }
        if a.size != b.size {
            return Some((None, None, false));
        }
        if let Some(digest) = a.sha256 {
            let nb = self.content(b, false, r)?;
            let same = fstree::content::sha256_bytes(&nb) == digest;
            return Some((None, Some(nb), same));
        }
        let ob = self.content(a, true, r)?;
        let nb = self.content(b, false, r)?;
        let same = ob == nb;
        Some((Some(ob), Some(nb), same))
    }

    /// A file whose mode alone changed: git's mode lines (`--format=gnu` cannot carry it).
    fn mode_change(&self, a: &Node, b: &Node, r: &mut Rendered) -> std::io::Result<()> {
        if self.cfg.format == Format::Gnu {
            r.messages.push(format!(
                "--format=gnu cannot carry: mode of {} changed from {:o} to {:o}",
                display_path(&join(&self.cfg.new, &b.path)),
                a.mode,
                b.mode
            ));
            return Ok(());
        }
        if self.cfg.output == Output::Stat {
            r.stat = Some(StatLine {
                name: b.path.clone(),
                added: 0,
                removed: 0,
                binary: None,
            });
            return Ok(());
        }
        let h = GitHeader {
            old: &a.path,
            new: &b.path,
            old_mode: a.git_mode(),
            new_mode: b.git_mode(),
            ..GitHeader::default()
        };
        pw::write_git_header(&mut r.out, &h)
    }

    /// Writes the patch for a file whose content changed (or that is created or deleted).
    fn content_change(
        &self,
        a: &Node,
        b: &Node,
        old: &[u8],
        new: &[u8],
        op: Operation,
        r: &mut Rendered,
    ) -> std::io::Result<()> {
        let text = self.text_mode(old, new);
        let diff = if text { TextDiff::new(old, new) } else { None };
        if self.cfg.output == Output::Stat {
            let name = if op == Operation::Delete {
                &a.path
            } else {
                &b.path
            };
            r.stat = Some(stat_line(name.clone(), diff.as_ref(), old, new, op));
            return Ok(());
        }
        let change = Change { a, b, old, new, op };
        match self.cfg.format {
            Format::Gnu => self.gnu_change(&change, diff.as_ref(), r),
            _ => self.git_change(&change, diff.as_ref(), r),
        }
    }

    /// [`Renderer::content_change`] in `diff -ruN`'s format, saying what that format cannot
    /// carry (symlinks go to [`Renderer::gnu_symlink`]).
    fn gnu_change(
        &self,
        c: &Change<'_>,
        diff: Option<&TextDiff<'_>>,
        r: &mut Rendered,
    ) -> std::io::Result<()> {
        let (a, b, op) = (c.a, c.b, c.op);
        let (on, nn) = (
            gnu_name(&self.old_label, &a.path),
            gnu_name(&self.new_label, &b.path),
        );
        if a.kind == Kind::Symlink || b.kind == Kind::Symlink {
            return self.gnu_symlink(a, b, op, r);
        }
        if diff.is_none() {
            r.messages.push(format!(
                "--format=gnu cannot carry: binary file {}",
                display_path(&join(&self.cfg.new, &b.path))
            ));
            return pw::write_gnu_binary_differ(&mut r.out, &on, &nn);
        }
        let empty = match op {
            Operation::Create if c.new.is_empty() => Some("new"),
            Operation::Delete if c.old.is_empty() => Some("deleted"),
            _ => None,
        };
        if let Some(what) = empty {
            r.messages.push(format!(
                "--format=gnu cannot carry: {what} empty file {}",
                display_path(&join(&self.cfg.new, &b.path))
            ));
            return Ok(());
        }
        let t = |n: &Node| pw::FileTime {
            secs: n.mtime.secs,
            nanos: n.mtime.nanos,
        };
        let ot = (op != Operation::Create).then(|| t(a));
        let nt = (op != Operation::Delete).then(|| t(b));
        pw::write_gnu_header(&mut r.out, &on, ot, &nn, nt)?;
        self.hunks(diff, c.old, c.new, op, r)
    }

    /// [`Renderer::content_change`] in git's extended format: the header with both blob ids,
    /// then the hunks or a `GIT binary patch`.
    fn git_change(
        &self,
        c: &Change<'_>,
        diff: Option<&TextDiff<'_>>,
        r: &mut Rendered,
    ) -> std::io::Result<()> {
        let (a, b, op) = (c.a, c.b, c.op);
        let id = |side: &[u8], absent: bool| match absent {
            true => *binary::NULL_ID_HEX,
            false => binary::hex(&binary::git_blob_sha1(side)),
        };
        let ida = id(c.old, op == Operation::Create);
        let idb = id(c.new, op == Operation::Delete);
        let h = GitHeader {
            old: &a.path,
            new: &b.path,
            op,
            old_mode: a.git_mode(),
            new_mode: b.git_mode(),
            index: Some((&ida, &idb)),
            ..GitHeader::default()
        };
        pw::write_git_header(&mut r.out, &h)?;
        if c.old.is_empty() && c.new.is_empty() {
            return Ok(());
        }
        match diff {
            None => pw::write_git_binary(&mut r.out, c.old, c.new),
            Some(d) => {
                pw::write_git_names(&mut r.out, &h)?;
                self.hunks(Some(d), c.old, c.new, op, r)
            }
        }
    }

    fn hunks(
        &self,
        d: Option<&TextDiff<'_>>,
        old: &[u8],
        new: &[u8],
        op: Operation,
        r: &mut Rendered,
    ) -> std::io::Result<()> {
        match op {
            Operation::Create => write_all_lines(&mut r.out, new, LineKind::Add).map(drop),
            Operation::Delete => write_all_lines(&mut r.out, old, LineKind::Remove).map(drop),
            _ => match d {
                Some(d) => d.write_hunks(&mut r.out, self.cfg.context),
                None => Ok(()),
            },
        }
    }

    fn gnu_symlink(
        &self,
        a: &Node,
        b: &Node,
        op: Operation,
        r: &mut Rendered,
    ) -> std::io::Result<()> {
        let (on, nn) = (
            gnu_name(&self.old_label, &a.path),
            gnu_name(&self.new_label, &b.path),
        );
        let shown = if op == Operation::Delete {
            join(&self.cfg.old, &a.path)
        } else {
            join(&self.cfg.new, &b.path)
        };
        r.messages.push(format!(
            "--format=gnu cannot carry: symbolic link {}",
            display_path(&shown)
        ));
        match op {
            Operation::Modify => pw::write_gnu_symlinks_differ(&mut r.out, &on, &nn),
            Operation::Create => only_in(&mut r.out, &nn),
            _ => only_in(&mut r.out, &on),
        }
    }

    fn one_side(&self, node: &Node, old_side: bool, r: &mut Rendered) -> std::io::Result<()> {
        r.differs = true;
        if self.cfg.output == Output::Brief {
            return self.brief(&node.path, &node.path, r);
        }
        let Some(data) = self.content(node, old_side, r) else {
            return Ok(());
        };
        let (old, new, op): (&[u8], &[u8], _) = if old_side {
            (&data, b"", Operation::Delete)
        } else {
            (b"", &data, Operation::Create)
        };
        self.content_change(node, node, old, new, op, r)
    }

    fn rename(&self, a: &Node, b: &Node, r: &mut Rendered) -> std::io::Result<()> {
        r.differs = true;
        if self.cfg.output == Output::Brief {
            self.brief(&a.path, &a.path, r)?;
            return self.brief(&b.path, &b.path, r);
        }
        if self.cfg.output == Output::Stat {
            let mut name = a.path.clone();
            name.extend_from_slice(b" => ");
            name.extend_from_slice(&b.path);
            r.stat = Some(StatLine {
                name,
                added: 0,
                removed: 0,
                binary: None,
            });
            return Ok(());
        }
        let h = GitHeader {
            old: &a.path,
            new: &b.path,
            op: Operation::Rename,
            old_mode: a.git_mode(),
            new_mode: b.git_mode(),
            ..GitHeader::default()
        };
        pw::write_git_header(&mut r.out, &h)
    }

    /// A directory both trees have that the new one leaves empty: a git patch keeps it with
    /// an `mkdir` line (its files' deletions would take it away); GNU's format cannot.
    fn emptied(&self, node: &Node, r: &mut Rendered) -> std::io::Result<()> {
        match (self.cfg.output, self.cfg.format) {
            (Output::Patch, Format::Git) => pw::write_mkdir(
                &mut r.out,
                &[b"b/", node.path.as_slice()].concat(),
                node.mode,
            ),
            (Output::Patch, Format::Gnu) => {
                r.messages.push(format!(
                    "--format=gnu cannot carry: directory {} left empty",
                    display_path(&join(&self.cfg.new, &node.path))
                ));
                Ok(())
            }
            (Output::Brief | Output::Stat, _) => Ok(()),
        }
    }

    fn dir(&self, node: &Node, old_side: bool, r: &mut Rendered) -> std::io::Result<()> {
        r.differs = true;
        let side = if old_side { self.old } else { self.new };
        let label = if old_side {
            &self.old_label
        } else {
            &self.new_label
        };
        let empty = !has_children(side, &node.path);
        match (self.cfg.output, self.cfg.format) {
            (Output::Brief, _) => {
                if empty {
                    only_in(&mut r.out, &gnu_name(label, &node.path))?;
                }
                Ok(())
            }
            (Output::Stat, _) => Ok(()),
            (Output::Patch, Format::Gnu) => {
                if empty {
                    let what = if old_side { "deleted" } else { "new" };
                    r.messages.push(format!(
                        "--format=gnu cannot carry: {what} empty directory {}",
                        display_path(&join(self.root(old_side), &node.path))
                    ));
                }
                Ok(())
            }
            (Output::Patch, Format::Git) => {
                if old_side {
                    pw::write_rmdir(&mut r.out, &[b"a/", node.path.as_slice()].concat())
                } else {
                    pw::write_mkdir(
                        &mut r.out,
                        &[b"b/", node.path.as_slice()].concat(),
                        node.mode,
                    )
                }
            }
        }
    }
}

fn lines(data: &[u8]) -> u64 {
    crate::hunk::count_lines(data) as u64
}

/// `Only in DIR: NAME` for a GNU-style full name.
fn only_in<W: Write + ?Sized>(w: &mut W, full: &[u8]) -> std::io::Result<()> {
    let cut = full.iter().rposition(|&b| b == b'/').unwrap_or(0);
    pw::write_gnu_only_in(w, &full[..cut], &full[(cut + 1).min(full.len())..])
}

/// What [`Renderer::compare`] learned: the old and new contents it read, and whether they are
/// the same.
type Compared<'n> = (Option<Cow<'n, [u8]>>, Option<Cow<'n, [u8]>>, bool);

/// One file's change as [`Renderer::content_change`] hands it on: both nodes, both contents.
struct Change<'c> {
    a: &'c Node,
    b: &'c Node,
    old: &'c [u8],
    new: &'c [u8],
    op: Operation,
}

/// The `--stat` line of a file's change (`diff`: its line diff, `None` for binary).
fn stat_line(
    name: Vec<u8>,
    diff: Option<&TextDiff<'_>>,
    old: &[u8],
    new: &[u8],
    op: Operation,
) -> StatLine {
    let (added, removed, binary) = match diff {
        Some(_) if op == Operation::Create => (lines(new), 0, None),
        Some(_) if op == Operation::Delete => (0, lines(old), None),
        Some(d) => (d.added(), d.removed(), None),
        None => (0, 0, Some((old.len() as u64, new.len() as u64))),
    };
    StatLine {
        name,
        added,
        removed,
        binary,
    }
}
