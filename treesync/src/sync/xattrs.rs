//! `-X`/`--xattrs` and `-A`/`--acls`: extended attributes and POSIX ACLs of regular files and
//! directories (Linux allows user attributes on nothing else). `-X` carries the `user.`
//! namespace, and as root every namespace but `system.`; `-A` carries the ACLs, which the
//! kernel keeps as `system.posix_acl_access` and `system.posix_acl_default`. A new entry gets
//! SRC's set (and loses an inherited default ACL SRC lacks); an existing one is made equal,
//! itemized `x` for attributes and `a` for ACLs, as rsync.

use std::io;
use std::os::fd::AsFd;

use fstree::xattr::{self, Xattrs};

use super::Engine;

/// The names POSIX ACLs are kept under.
fn is_acl(name: &[u8]) -> bool {
    name == b"system.posix_acl_access" || name == b"system.posix_acl_default"
}

impl Engine<'_> {
    /// Are attributes or ACLs carried at all?
    pub(super) fn carries_xattrs(&self) -> bool {
        self.o.xattrs || self.o.acls
    }

    /// Is the attribute `name` carried by this run?
    fn carried(&self, name: &[u8]) -> bool {
        if is_acl(name) {
            return self.o.acls;
        }
        self.o.xattrs
            && (name.starts_with(b"user.") || (self.is_root && !name.starts_with(b"system.")))
    }

    /// SRC's carried attributes (`fd`: the open file or directory).
    pub(super) fn xattrs_of(&self, fd: impl AsFd) -> io::Result<Xattrs> {
        xattr::list(fd, |n| self.carried(n))
    }

    /// Makes DEST's (`dest`) carried attributes `want`; says whether ACLs and whether other
    /// attributes differed. A dry run only compares.
    pub(super) fn sync_xattrs(&self, want: &Xattrs, dest: impl AsFd) -> io::Result<(bool, bool)> {
        let dest = dest.as_fd();
        let (acl, other) = self.compare_xattrs(want, dest)?;
        if (acl || other) && !self.o.dry_run {
            xattr::set(dest, want, |n| self.carried(n))?;
        }
        Ok((acl, other))
    }

    /// Do DEST's (`dest`) ACLs, and its other carried attributes, differ from `want`?
    fn compare_xattrs(&self, want: &Xattrs, dest: impl AsFd) -> io::Result<(bool, bool)> {
        let have = xattr::list(dest, |n| self.carried(n))?;
        let part = |l: &Xattrs, acl: bool| -> Xattrs {
            l.iter()
                .filter(|(n, _)| is_acl(n) == acl)
                .cloned()
                .collect()
        };
        Ok((
            part(want, true) != part(&have, true),
            part(want, false) != part(&have, false),
        ))
    }

    /// For the line of a regular file about to be rewritten: how SRC's attributes compare
    /// with those of DEST's old copy (`s`'s name in `d`). Unreadable ones count as the same.
    pub(super) fn xattr_change(
        &self,
        s: &super::source::Src,
        d: &fstree::Dir,
        change: &mut crate::itemize::Change,
    ) {
        let src = s.open().and_then(|(f, _)| self.xattrs_of(&f));
        let dest = d.open_file_nonblocking(&s.name, fstree::Atime::Keep);
        if let (Ok(want), Ok((f, _))) = (src, dest)
            && let Ok((acl, other)) = self.compare_xattrs(&want, &f)
        {
            (change.acl, change.xattr) = (acl, other);
        }
    }
}

impl Engine<'_> {
    /// An up-to-date regular file or directory `s` whose DEST copy is `dest`: its attributes
    /// made SRC's, what differed noted in `change` (problems reported in `r`).
    pub(super) fn fix_xattrs(
        &self,
        r: &mut crate::pipeline::Res,
        s: &super::source::Src,
        dest: impl AsFd,
        change: &mut crate::itemize::Change,
    ) {
        use super::source::Kind;
        let src = match s.kind {
            Kind::File => s.open().map(|(f, _)| std::os::fd::OwnedFd::from(f)),
            Kind::Dir => s.open_dir().and_then(|d| d.as_fd().try_clone_to_owned()),
            _ => return,
        };
        let done = src
            .and_then(|f| self.xattrs_of(&f))
            .and_then(|want| self.sync_xattrs(&want, dest));
        match done {
            Ok((acl, other)) => (change.acl, change.xattr) = (acl, other),
            Err(e) => r.io_error("set xattrs", &s.rel, &e),
        }
    }
}
