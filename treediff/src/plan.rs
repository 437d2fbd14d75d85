//! From two sorted sides to the ordered list of things to write.
//!
//! The two node lists are merged by path; each path yields zero or more [`Action`]s. The order
//! of the output is the order of whole paths in bytes (git's order), with two adjustments that
//! make the patch applicable front to back by a sequential applier such as GNU patch:
//!
//! - a removed directory (`rmdir`) comes *after* everything beneath it, and
//! - when a directory is replaced by a file or symlink, the new file comes after the directory's
//!   removal; when a file is replaced by a directory, the file's deletion comes first.
//!
//! This is done with a sort key of `u16`s: the path's bytes, and for "after the subtree"
//! entries a `/` followed by 256, which sorts after every byte. In GNU mode `/` is mapped to 0
//! so the order is GNU diff's per-directory name order (`a/x` before `a.b`).

use fstree::Kind;

use crate::side::Node;

/// One unit of output, referring to nodes of the old and new side by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A regular file or symlink on both sides (same kind): compare, maybe diff.
    Pair(usize, usize),
    /// A file or symlink only in new (or replacing something of another kind).
    Add(usize),
    /// A file or symlink only in old (or replaced by something of another kind).
    Delete(usize),
    /// A directory only in new.
    Mkdir(usize),
    /// A directory only in old.
    Rmdir(usize),
    /// A directory on both sides whose permission bits differ (reported, not carried).
    DirMode(usize, usize),
    /// A type change shown as one line (GNU mode): old index, new index.
    KindChange(usize, usize),
    /// A fifo, socket or device on the old (`true`) or new side: reported, never read.
    Special(bool, usize),
    /// An exact rename found by `-M`: old index, new index.
    Rename(usize, usize),
    /// A directory on both sides that the new tree leaves empty where the old one had
    /// entries: patch tools remove directories their deletions leave empty, so the patch
    /// says that this one stays (new index).
    Emptied(usize),
}

/// Which output order and type-change spelling to plan for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// git: whole-path byte order, type changes as delete + add.
    Git,
    /// GNU diff: per-directory name order, type changes as one `File X is a ...` line and no
    /// descent into the directory side.
    Gnu,
}

/// An action with its sort key.
#[derive(Debug)]
pub struct Planned {
    key: Vec<u16>,
    rank: u8,
    /// The action.
    pub action: Action,
}

fn key(path: &[u8], after_subtree: bool, order: Order) -> Vec<u16> {
    let sep = if order == Order::Gnu {
        0
    } else {
        u16::from(b'/')
    };
    let mut k: Vec<u16> = path
        .iter()
        .map(|&b| if b == b'/' { sep } else { u16::from(b) })
        .collect();
    if after_subtree {
        k.push(sep);
        k.push(256);
    }
    k
}

/// True when some node lies beneath `dir` (nodes sorted by whole-path bytes).
pub fn has_children(nodes: &[Node], dir: &[u8]) -> bool {
    let mut prefix = dir.to_vec();
    prefix.push(b'/');
    let i = nodes.partition_point(|n| n.path.as_slice() < prefix.as_slice());
    nodes.get(i).is_some_and(|n| n.path.starts_with(&prefix))
}

fn is_under(path: &[u8], dir: &[u8]) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path[dir.len()] == b'/'
}

/// Merges the sides into the ordered action list.
pub fn plan(old: &[Node], new: &[Node], order: Order) -> Vec<Action> {
    let mut p = Planner {
        old,
        new,
        order,
        out: Vec::new(),
        hidden_old: Vec::new(),
        hidden_new: Vec::new(),
    };
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let (o, n) = match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a.path == b.path => {
                (i, j) = (i + 1, j + 1);
                (Some((i - 1, a)), Some((j - 1, b)))
            }
            (Some(a), Some(b)) if a.path < b.path => {
                i += 1;
                (Some((i - 1, a)), None)
            }
            (Some(a), None) => {
                i += 1;
                (Some((i - 1, a)), None)
            }
            (_, Some(b)) => {
                j += 1;
                (None, Some((j - 1, b)))
            }
            (None, None) => break,
        };
        // In GNU mode, a type change hides the directory side's subtree.
        let o = o.filter(|(_, a)| !p.hidden_old.iter().any(|h| is_under(&a.path, h)));
        let n = n.filter(|(_, b)| !p.hidden_new.iter().any(|h| is_under(&b.path, h)));
        match (o, n) {
            (None, None) => {}
            (Some((oi, a)), None) => p.gone(oi, a),
            (None, Some((ni, b))) => p.added(ni, b),
            (Some((oi, a)), Some((ni, b))) => p.both(oi, a, ni, b),
        }
    }
    let mut out = p.out;
    out.sort_by(|a, b| a.key.cmp(&b.key).then(a.rank.cmp(&b.rank)));
    out.into_iter().map(|p| p.action).collect()
}

/// The merge in progress: the actions so far and the subtrees a GNU type change hides.
struct Planner<'n> {
    old: &'n [Node],
    new: &'n [Node],
    order: Order,
    out: Vec<Planned>,
    hidden_old: Vec<Vec<u8>>,
    hidden_new: Vec<Vec<u8>>,
}

impl Planner<'_> {
    fn push(&mut self, path: &[u8], after: bool, rank: u8, action: Action) {
        self.out.push(Planned {
            key: key(path, after, self.order),
            rank,
            action,
        });
    }

    /// Only on the old side.
    fn gone(&mut self, oi: usize, a: &Node) {
        match a.kind {
            Kind::Dir => self.push(&a.path, true, 0, Action::Rmdir(oi)),
            Kind::File | Kind::Symlink => self.push(&a.path, false, 0, Action::Delete(oi)),
            _ => self.push(&a.path, false, 0, Action::Special(true, oi)),
        }
    }

    /// Only on the new side.
    fn added(&mut self, ni: usize, b: &Node) {
        match b.kind {
            Kind::Dir => self.push(&b.path, false, 1, Action::Mkdir(ni)),
            Kind::File | Kind::Symlink => self.push(&b.path, false, 1, Action::Add(ni)),
            _ => self.push(&b.path, false, 1, Action::Special(false, ni)),
        }
    }

    /// On both sides.
    fn both(&mut self, oi: usize, a: &Node, ni: usize, b: &Node) {
        let p = &a.path;
        if !a.kind.is_supported() || !b.kind.is_supported() {
            self.unsupported(oi, a, ni, b);
        } else if a.kind == b.kind {
            match a.kind {
                Kind::Dir => {
                    if a.mode != b.mode {
                        self.push(p, false, 0, Action::DirMode(oi, ni));
                    }
                    if has_children(self.old, p) && !has_children(self.new, p) {
                        self.push(p, true, 1, Action::Emptied(ni));
                    }
                }
                _ => self.push(p, false, 0, Action::Pair(oi, ni)),
            }
        } else if self.order == Order::Gnu {
            self.push(p, false, 0, Action::KindChange(oi, ni));
            if a.kind == Kind::Dir {
                self.hidden_old.push(p.clone());
            }
            if b.kind == Kind::Dir {
                self.hidden_new.push(p.clone());
            }
        } else {
            self.kind_change(oi, a, ni, b);
        }
    }

    /// A special file (FIFO, socket, device) on one side or both: reported, the other side
    /// deleted or added.
    fn unsupported(&mut self, oi: usize, a: &Node, ni: usize, b: &Node) {
        let p = &a.path;
        if !a.kind.is_supported() {
            self.push(p, false, 0, Action::Special(true, oi));
        } else if a.kind == Kind::Dir {
            self.push(p, true, 0, Action::Rmdir(oi));
        } else {
            self.push(p, false, 0, Action::Delete(oi));
        }
        if !b.kind.is_supported() {
            self.push(p, false, 1, Action::Special(false, ni));
        } else if b.kind == Kind::Dir {
            self.push(p, false, 1, Action::Mkdir(ni));
        } else {
            self.push(p, false, 1, Action::Add(ni));
        }
    }

    /// A type change in git's order: the old entry goes, then the new one comes.
    fn kind_change(&mut self, oi: usize, a: &Node, ni: usize, b: &Node) {
        let p = &a.path;
        match (a.kind, b.kind) {
            (Kind::Dir, _) => {
                self.push(p, true, 0, Action::Rmdir(oi));
                self.push(p, true, 1, Action::Add(ni));
            }
            (_, Kind::Dir) => {
                self.push(p, false, 0, Action::Delete(oi));
                self.push(p, false, 1, Action::Mkdir(ni));
            }
            _ => {
                self.push(p, false, 0, Action::Delete(oi));
                self.push(p, false, 1, Action::Add(ni));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fstree::Timestamp;

    fn node(path: &str, kind: Kind) -> Node {
        Node {
            path: path.as_bytes().to_vec(),
            kind,
            mode: if kind == Kind::Dir { 0o755 } else { 0o644 },
            size: 0,
            mtime: Timestamp::default(),
            link: None,
            sha256: None,
            content: crate::side::Content::Unknown,
            id: None,
        }
    }

    fn sorted(mut v: Vec<Node>) -> Vec<Node> {
        v.sort_by(|a, b| a.path.cmp(&b.path));
        v
    }

    #[test]
    fn dir_replaced_by_file_deletes_contents_first() {
        let old = sorted(vec![
            node("d", Kind::Dir),
            node("d/x", Kind::File),
            node("d.c", Kind::File),
        ]);
        let new = sorted(vec![node("d", Kind::File), node("d.c", Kind::File)]);
        let got = plan(&old, &new, Order::Git);
        // old: d(0) d.c(1) d/x(2); new: d(0) d.c(1)
        assert_eq!(
            got,
            vec![
                Action::Pair(1, 1),
                Action::Delete(2),
                Action::Rmdir(0),
                Action::Add(0)
            ]
        );
    }

    #[test]
    fn file_replaced_by_dir_deletes_file_first() {
        let old = sorted(vec![node("d", Kind::File)]);
        let new = sorted(vec![node("d", Kind::Dir), node("d/x", Kind::File)]);
        let got = plan(&old, &new, Order::Git);
        assert_eq!(
            got,
            vec![Action::Delete(0), Action::Mkdir(0), Action::Add(1)]
        );
    }

    #[test]
    fn nested_rmdirs_come_deepest_first_and_gnu_order_is_per_directory() {
        let old = sorted(vec![
            node("a", Kind::Dir),
            node("a/b", Kind::Dir),
            node("a.c", Kind::File),
        ]);
        let got = plan(&old, &[], Order::Git);
        // old sorted: a(0) a.c(1) a/b(2)
        assert_eq!(
            got,
            vec![Action::Delete(1), Action::Rmdir(2), Action::Rmdir(0)]
        );
        let got = plan(&old, &[], Order::Gnu);
        assert_eq!(
            got,
            vec![Action::Rmdir(2), Action::Rmdir(0), Action::Delete(1)]
        );
    }

    #[test]
    fn gnu_type_change_hides_the_directory_side() {
        let old = sorted(vec![node("t", Kind::File)]);
        let new = sorted(vec![node("t", Kind::Dir), node("t/in", Kind::File)]);
        assert_eq!(plan(&old, &new, Order::Gnu), vec![Action::KindChange(0, 0)]);
    }
}
