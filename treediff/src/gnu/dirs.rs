//! Two directories compared as GNU diff compares them: the names of both, merged in byte
//! order; a name on one side only is `Only in DIR: NAME` (with `-N`, a file there is compared
//! with an empty one; with `--unidirectional-new-file`, only a file of the second); two files are compared ([`super::files`]) with a `diff OPTIONS A/x B/x`
//! line before their changes; two directories are `Common subdirectories: A/x and B/x`, or,
//! with `-r`, compared in turn at that place in the order; two symbolic links are compared by
//! target (`Symbolic links A/l and B/l differ`); anything else is `File A/x is a KIND while
//! file B/x is a KIND`.
//!
//! Names: `Only in` names the directory as the operand wrote it (`Only in A/: x`) at the top
//! and as joined below it (`Only in A/sub: y`); files are named by the operand without its
//! trailing slashes, `/`, and the path beneath. Symbolic links inside the directories are
//! followed, as GNU follows them (a dangling one present on both sides is
//! `NAME: No such file or directory`, exit status 2), unless `--no-dereference`. The walk
//! keeps an explicit stack of levels, so depth costs heap, not stack.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

use fstree::{Atime, Dir, Kind};

use super::files::{self, Side, Source, Stdin};
use super::{GnuConfig, switches};
use crate::operand::{DirSide, Input, strerror, trim_slashes};
use crate::{Error, Exit};

/// One side of a directory being compared.
#[derive(Clone)]
struct Place {
    /// Its name in `Only in NAME: x`.
    shown: Vec<u8>,
    /// What names beneath it start with (`shown` without trailing slashes).
    base: Vec<u8>,
    /// The open directory, or `None` when this side is absent (`-N`).
    dir: Option<Dir>,
}

impl Place {
    fn child(&self, name: &OsStr) -> Vec<u8> {
        let mut v = self.base.clone();
        if v != b"/" {
            v.push(b'/');
        }
        v.extend_from_slice(name.as_bytes());
        v
    }
}

/// A directory pair being listed, and how far the listing has got.
struct Level {
    old: Place,
    new: Place,
    names: Vec<Name>,
    next: usize,
}

/// What one side has under a name: nothing, a kind, or why it could not be examined.
type Has = Option<Result<Kind, String>>;

/// A name, what each side has under it, and the new side's spelling of the name (the same
/// bytes unless `--ignore-file-name-case` paired two spellings).
type Name = (OsString, Has, Has, OsString);

/// The run's state besides the stack.
struct Walk<'a, W: ?Sized, E: ?Sized> {
    cfg: &'a GnuConfig,
    out: &'a mut W,
    err: &'a mut E,
    status: Exit,
    stdin: Stdin,
}

/// Compares the directories `a` and `b`.
pub fn compare<W: Write + ?Sized, E: Write + ?Sized>(
    cfg: &GnuConfig,
    a: &DirSide,
    b: &DirSide,
    out: &mut W,
    err: &mut E,
) -> Result<Exit, Error> {
    let mut walk = Walk {
        cfg,
        out,
        err,
        status: Exit::Same,
        stdin: Stdin::default(),
    };
    let top = |d: &DirSide, w: &mut Walk<'_, W, E>| Place {
        shown: d.name.clone(),
        base: trim_slashes(&d.name).to_vec(),
        dir: d.path.as_deref().and_then(|p| w.open_top(p, &d.name)),
    };
    let (old, new) = (top(a, &mut walk), top(b, &mut walk));
    if walk.status == Exit::Trouble {
        return Ok(Exit::Trouble);
    }
    // The same directory twice has no differences (GNU does not even list it, unless side
    // by side, where every line is listed).
    let listing = cfg.style == super::Style::SideBySide && cfg.report != super::Report::Brief;
    if let (Some(o), Some(n), false) = (&old.dir, &new.dir, listing)
        && let (Ok(o), Ok(n)) = (o.stat(), n.stat())
        && o.same_object(&n)
    {
        return Ok(Exit::Same);
    }
    let mut top = walk.level(old, new);
    // `-S FILE`: the top level starts at FILE (subdirectories are compared whole).
    if let Some(start) = &cfg.starting_file {
        top.names.retain(|n| n.0.as_bytes() >= start.as_slice());
    }
    let mut stack = vec![top];
    while let Some(level) = stack.last_mut() {
        let Some((name, ho, hn, new_name)) = level.names.get(level.next).cloned() else {
            stack.pop();
            continue;
        };
        level.next += 1;
        let (old, new) = (level.old.clone(), level.new.clone());
        // A name is examined through a symlink when it will be compared: when both sides
        // have it, or when -N compares it with an absent file.
        let both = ho.is_some() && hn.is_some();
        let absent = cfg.absent();
        let (ho, hn) = (
            ho.and(walk.kind(&old, &name, both || absent.new)),
            hn.and(walk.kind(&new, &new_name, both || absent.old)),
        );
        if [&ho, &hn].iter().any(|h| matches!(h, Some(Err(_)))) {
            for message in [ho, hn].into_iter().flatten().filter_map(Result::err) {
                walk.unexamined(&message);
            }
            continue;
        }
        let (ko, kn) = (ho.and_then(Result::ok), hn.and_then(Result::ok));
        if let Some((o, n)) = walk.entry(&old, &new, (&name, &new_name), ko, kn)?
            && !walk.is_loop(&stack, &o, &n)
        {
            let next = walk.level(o, n);
            stack.push(next);
        }
    }
    Ok(walk.status)
}

impl<W: Write + ?Sized, E: Write + ?Sized> Walk<'_, W, E> {
    fn trouble(&mut self, name: &[u8], e: &std::io::Error) {
        let name = String::from_utf8_lossy(name);
        // GNU's messages come in order with the output before them (`diff -r a b 2>&1`).
        let _ = self.out.flush();
        let _ = writeln!(self.err, "{}: {name}: {}", self.cfg.tool, strerror(e));
        self.status = Exit::Trouble;
    }

    /// True, and reported (`A/x: recursive directory loop`), when `o` or `n` is a directory
    /// already being compared above it on its side (a symlink to an ancestor, followed).
    fn is_loop(&mut self, stack: &[Level], o: &Place, n: &Place) -> bool {
        let id = |p: &Place| p.dir.as_ref().and_then(|d| d.stat().ok());
        let (io, inew) = (id(o), id(n));
        let mut looped = false;
        for (place, me, old_side) in [(o, io, true), (n, inew, false)] {
            let Some(me) = me else { continue };
            let seen = stack.iter().any(|l| {
                let p = if old_side { &l.old } else { &l.new };
                id(p).is_some_and(|a| a.same_object(&me))
            });
            if seen {
                let name = String::from_utf8_lossy(&place.shown).into_owned();
                self.unexamined(&format!("{name}: recursive directory loop"));
                looped = true;
            }
        }
        looped
    }

    fn unexamined(&mut self, message: &str) {
        let _ = self.out.flush();
        let _ = writeln!(self.err, "{}: {message}", self.cfg.tool);
        self.status = Exit::Trouble;
    }

    fn differ(&mut self) {
        self.status = self.status.max(Exit::Differ);
    }

    fn line(&mut self, parts: &[&[u8]]) -> Result<(), Error> {
        files::message(self.cfg, self.out, parts)
    }

    fn open_top(&mut self, path: &Path, name: &[u8]) -> Option<Dir> {
        match Dir::open_ambient(path, Atime::Update) {
            Ok(d) => Some(d),
            Err(e) => {
                self.trouble(name, &e);
                None
            }
        }
    }

    /// The names of both sides (excluded ones left out), merged in byte order.
    fn level(&mut self, old: Place, new: Place) -> Level {
        let mut names: Vec<Name> = Vec::new();
        for (side, place) in [(0, &old), (1, &new)] {
            let Some(dir) = &place.dir else { continue };
            let listed = match dir.entries() {
                Ok(l) => l,
                Err(e) => {
                    self.trouble(&place.base, &e);
                    continue;
                }
            };
            for entry in listed {
                // GNU matches -x patterns against the name alone, at any depth; with
                // --ignore-file-name-case whatever the case (the patterns are lowercased).
                let folded;
                let name = if self.cfg.ignore_file_name_case {
                    folded = OsString::from_vec(entry.name.as_bytes().to_ascii_lowercase());
                    &folded
                } else {
                    &entry.name
                };
                if !self.cfg.exclude.is_excluded(Path::new(name)) {
                    let has = Some(Ok(Kind::File));
                    names.push(match side {
                        0 => (entry.name.clone(), has, None, entry.name),
                        _ => (entry.name.clone(), None, has, entry.name),
                    });
                }
            }
        }
        let names = merge(names, self.cfg.ignore_file_name_case);
        Level {
            old,
            new,
            names,
            next: 0,
        }
    }

    /// What `place` has under `name`: a kind, following a symlink when dereferencing and
    /// `compared` (a name that will only be `Only in` is never examined through its link).
    fn kind(&self, place: &Place, name: &OsStr, compared: bool) -> Has {
        let dir = place.dir.as_ref()?;
        let kind = if self.cfg.dereference && compared {
            dir.stat_following(name).map(|m| Some(m.kind))
        } else {
            dir.lstat(name).map(|m| m.map(|m| m.kind))
        };
        match kind {
            Ok(k) => k.map(Ok),
            Err(e) => Some(Err(format!(
                "{}: {}",
                String::from_utf8_lossy(&place.child(name)),
                strerror(&e)
            ))),
        }
    }

    /// GNU's word for the type of `name` in `place` (`stat`'s: an empty file is a `regular
    /// empty file`).
    fn type_word(&self, place: &Place, name: &OsStr, kind: Kind) -> &'static str {
        let empty = || {
            let dir = place.dir.as_ref()?;
            let meta = if self.cfg.dereference {
                dir.stat_following(name).ok()
            } else {
                dir.lstat(name).ok().flatten()
            };
            meta.map(|m| m.size == 0)
        };
        match kind {
            Kind::File if empty() == Some(true) => "regular empty file",
            k => k.describe(),
        }
    }

    /// Reports one name; returns the directory pair to descend into, if any.
    fn entry(
        &mut self,
        old: &Place,
        new: &Place,
        (name, new_name): (&OsStr, &OsStr),
        ko: Option<Kind>,
        kn: Option<Kind>,
    ) -> Result<Option<(Place, Place)>, Error> {
        let (on, nn) = (old.child(name), new.child(new_name));
        let one_side = ko.xor(kn);
        // A name in OLD only means an absent NEW side, and the other way round.
        let allowed = if ko.is_some() {
            self.cfg.absent().new
        } else {
            self.cfg.absent().old
        };
        if allowed && one_side == Some(Kind::Symlink) {
            // GNU reads the link on both sides, the absent one too.
            let absent = if ko.is_some() { &nn } else { &on };
            let absent = String::from_utf8_lossy(absent).into_owned();
            self.unexamined(&format!("{absent}: No such file or directory"));
            return Ok(None);
        }
        if one_side.is_some_and(|k| !allowed || !matches!(k, Kind::File | Kind::Dir)) {
            let (place, name) = if ko.is_some() {
                (old, name)
            } else {
                (new, new_name)
            };
            self.differ();
            self.line(&[b"Only in ", &place.shown, b": ", name.as_bytes()])?;
            return Ok(None);
        }
        match (ko, kn) {
            (Some(Kind::Dir) | None, Some(Kind::Dir) | None) => {
                if !self.cfg.recursive {
                    self.line(&[b"Common subdirectories: ", &on, b" and ", &nn])?;
                    return Ok(None);
                }
                let (o, n) = (self.sub(old, name, ko), self.sub(new, new_name, kn));
                Ok(o.zip(n))
            }
            (Some(Kind::File) | None, Some(Kind::File) | None) => {
                self.files(old, new, (name, new_name), (ko.is_some(), kn.is_some()))?;
                Ok(None)
            }
            (Some(Kind::Symlink), Some(Kind::Symlink)) => {
                self.symlinks(old, new, (name, new_name))?;
                Ok(None)
            }
            (a, b) => {
                let (Some(a), Some(b)) = (a, b) else {
                    return Ok(None);
                };
                self.differ();
                let a = self.type_word(old, name, a).as_bytes();
                let b = self.type_word(new, new_name, b).as_bytes();
                let labels = &self.cfg.labels;
                let on = labels.first().cloned().unwrap_or(on);
                let nn = labels.get(1).cloned().unwrap_or(nn);
                self.line(&[
                    b"File ",
                    &on,
                    b" is a ",
                    a,
                    b" while file ",
                    &nn,
                    b" is a ",
                    b,
                ])?;
                Ok(None)
            }
        }
    }

    /// The subdirectory `name` of `p` to descend into (with no handle where `p` has none);
    /// `None`, reported, when it cannot be opened.
    fn sub(&mut self, p: &Place, name: &OsStr, kind: Option<Kind>) -> Option<Place> {
        let full = p.child(name);
        let dir = match (&p.dir, kind) {
            (Some(d), Some(_)) => {
                let opened = if self.cfg.dereference {
                    d.open_dir_following(name)
                } else {
                    d.open_dir(name)
                };
                match opened {
                    Ok(d) => Some(d),
                    Err(e) => {
                        self.trouble(&full, &e);
                        return None;
                    }
                }
            }
            _ => None,
        };
        Some(Place {
            shown: full.clone(),
            base: full,
            dir,
        })
    }

    fn files(
        &mut self,
        old: &Place,
        new: &Place,
        (old_name, new_name): (&OsStr, &OsStr),
        present: (bool, bool),
    ) -> Result<(), Error> {
        let side = |p: &Place, name: &OsStr, here: bool, label: Option<&Vec<u8>>| Side {
            name: label.cloned().unwrap_or_else(|| p.child(name)),
            labeled: label.is_some(),
            path: p.child(name),
            source: match (&p.dir, here) {
                (Some(d), true) => {
                    Source::Beneath(d.clone(), name.to_os_string(), self.cfg.dereference)
                }
                _ => Source::Operand(Input::Absent),
            },
        };
        let a = side(old, old_name, present.0, self.cfg.labels.first());
        let b = side(new, new_name, present.1, self.cfg.labels.get(1));
        let line = switches::diff_line(&self.cfg.switches, &a.name, &b.name);
        let s = files::compare(
            self.cfg,
            &a,
            &b,
            &mut self.stdin,
            Some(&line),
            self.out,
            self.err,
        )?;
        self.status = self.status.max(s);
        Ok(())
    }

    fn symlinks(
        &mut self,
        old: &Place,
        new: &Place,
        (old_name, new_name): (&OsStr, &OsStr),
    ) -> Result<(), Error> {
        let target = |p: &Place, name: &OsStr, w: &mut Self| {
            let r = p.dir.as_ref().map(|d| d.read_link(name));
            match r {
                Some(Ok(t)) => Some(t),
                Some(Err(e)) => {
                    w.trouble(&p.child(name), &e);
                    None
                }
                None => None,
            }
        };
        let (a, b) = (target(old, old_name, self), target(new, new_name, self));
        if let (Some(a), Some(b)) = (a, b)
            && a != b
        {
            self.differ();
            let (on, nn) = (old.child(old_name), new.child(new_name));
            self.line(&[b"Symbolic links ", &on, b" and ", &nn, b" differ"])?;
        }
        Ok(())
    }
}

/// The names of both sides (each `(name, old, None, name)` or `(name, None, new, name)`)
/// merged into one list in byte order, a name both sides have paired; with `fold`
/// (`--ignore-file-name-case`), in order of their ASCII-lowercased bytes, and among the
/// spellings of one name GNU's pairing: the same spelling on both sides first, then the
/// others in byte order (the old side's spelling first in the tuple), the rest alone.
fn merge(mut names: Vec<Name>, fold: bool) -> Vec<Name> {
    let key = |n: &Name| {
        if fold {
            n.0.as_bytes().to_ascii_lowercase()
        } else {
            n.0.as_bytes().to_vec()
        }
    };
    names.sort_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then_with(|| a.0.as_bytes().cmp(b.0.as_bytes()))
    });
    let mut out: Vec<Name> = Vec::with_capacity(names.len());
    let mut rest = names.as_mut_slice();
    while let Some(first) = rest.first() {
        let k = key(first);
        let len = rest.iter().take_while(|n| key(n) == k).count();
        let (group, tail) = std::mem::take(&mut rest).split_at_mut(len);
        pair_spellings(group, &mut out);
        rest = tail;
    }
    out
}

/// Pairs the entries of one name's spellings ([`merge`]) into `out`.
fn pair_spellings(group: &mut [Name], out: &mut Vec<Name>) {
    let take = |n: &mut Name| std::mem::replace(n, (OsString::new(), None, None, OsString::new()));
    let (mut olds, mut news): (Vec<Name>, Vec<Name>) = (Vec::new(), Vec::new());
    for n in group.iter_mut() {
        if n.1.is_some() {
            olds.push(take(n));
        } else {
            news.push(take(n));
        }
    }
    let mut unpaired = Vec::new();
    for mut o in olds {
        match news.iter().position(|n| n.0 == o.0) {
            Some(i) => {
                let n = news.remove(i);
                (o.2, o.3) = (n.2, n.3);
                out.push(o);
            }
            None => unpaired.push(o),
        }
    }
    let mut news = news.into_iter();
    for mut o in unpaired {
        match news.next() {
            Some(n) => {
                (o.2, o.3) = (n.2, n.3);
                out.push(o);
            }
            None => out.push(o),
        }
    }
    out.extend(news);
}
