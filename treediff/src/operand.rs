//! The two command-line operands and what they name, in one place: a file, a directory,
//! standard input (`-`), `/dev/null` (a file like any other: empty, dated as the device is),
//! or nothing at all (a missing operand, which only `-N` turns into an absent side).
//!
//! GNU diff's rules, as black-box runs of diff 3.8 show them:
//!
//! - FILE FILE compares the two files; DIR DIR the two directories.
//! - FILE DIR compares FILE with `DIR/basename(FILE)`, DIR FILE compares `DIR/basename(FILE)`
//!   with FILE; the directory's name loses its trailing slashes and gets one (`D/` and `D//`
//!   give `D/f`, `/` gives `/f`). That file must exist, `-N` or not.
//! - `-` with a directory is refused (`cannot compare '-' to a directory`); `- -` compares
//!   standard input with itself.
//! - A missing operand is an error (`NAME: No such file or directory`, each one named),
//!   unless `-N` is given and the other operand exists: then it is an absent file, or, facing
//!   a directory, an empty directory. `--unidirectional-new-file` does so for the first
//!   operand only.
//! - Any other failure to stat an operand (`f/` when `f` is a file: `Not a directory`) is an
//!   error naming it.

use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

/// An operand as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// `-`: standard input.
    Stdin,
    /// A path, as the operator wrote it (symlinks followed, as GNU diff follows them).
    Path(PathBuf),
}

impl Operand {
    /// The operand for a command-line argument.
    pub fn from_arg(arg: &OsStr) -> Operand {
        if arg.as_bytes() == b"-" {
            Operand::Stdin
        } else {
            Operand::Path(PathBuf::from(arg))
        }
    }

    /// The name GNU diff prints for it.
    pub fn name(&self) -> &[u8] {
        match self {
            Operand::Stdin => b"-",
            Operand::Path(p) => p.as_os_str().as_bytes(),
        }
    }
}

/// What an operand names on disk.
#[derive(Debug)]
pub enum Found {
    /// Standard input.
    Stdin,
    /// A directory.
    Dir,
    /// Anything else that can be read: a regular file, `/dev/null`, a FIFO.
    File,
    /// Nothing there.
    Missing,
    /// It could not be examined.
    Error(io::Error),
}

/// Looks at an operand (following symlinks).
pub fn inspect(op: &Operand) -> Found {
    inspect_as(op, true)
}

/// Looks at an operand, following a symlink unless `follow` is false (`--no-dereference`:
/// a symlink is then a file, never a directory).
fn inspect_as(op: &Operand, follow: bool) -> Found {
    let stat = if follow {
        std::fs::metadata
    } else {
        std::fs::symlink_metadata
    };
    match op {
        Operand::Stdin => Found::Stdin,
        Operand::Path(p) => match stat(p) {
            Ok(m) if m.is_dir() => Found::Dir,
            Ok(_) => Found::File,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Found::Missing,
            Err(e) => Found::Error(e),
        },
    }
}

/// Where one side of a file comparison comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input.
    Stdin,
    /// A file named by this path.
    Path(PathBuf),
    /// Nothing (a missing operand under `-N`): empty, dated the Epoch.
    Absent,
}

/// One side of a file comparison: where it comes from and the name GNU diff prints for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSide {
    /// The name in headers and messages.
    pub name: Vec<u8>,
    /// Where the bytes come from.
    pub input: Input,
}

/// One side of a directory comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirSide {
    /// The operand as given (`A/`), for `Only in A/: x` at the top level.
    pub name: Vec<u8>,
    /// The directory, or `None` for a missing operand under `-N` (an empty directory).
    pub path: Option<PathBuf>,
}

/// What the two operands ask to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pair {
    /// Two files (or a file and a directory's file of the same name).
    Files(FileSide, FileSide),
    /// Two directories.
    Dirs(DirSide, DirSide),
}

/// Why the operands cannot be compared: one message per problem, each to be printed as
/// `TOOL: MESSAGE` (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub Vec<String>);

/// ENOENT, as the system reports it (`No such file or directory`).
pub(crate) fn not_found() -> io::Error {
    io::Error::from(rustix::io::Errno::NOENT)
}

/// `NAME: strerror` as GNU prints a failed system call on an operand.
pub fn io_message(name: &[u8], e: &io::Error) -> String {
    format!("{}: {}", String::from_utf8_lossy(name), strerror(e))
}

/// The C library's text for an error, without Rust's ` (os error N)` suffix.
pub fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// `DIR/basename(file)` as GNU names it: `DIR` without trailing slashes, then one slash.
pub fn in_dir(dir: &[u8], file: &[u8]) -> Vec<u8> {
    let base = basename(file);
    let mut v = trim_slashes(dir).to_vec();
    if v != b"/" {
        v.push(b'/');
    }
    v.extend_from_slice(base);
    v
}

/// [`in_dir`] under `--ignore-file-name-case`: the name itself if `DIR` has it, else the
/// spelling of it `DIR` has (the greatest in byte order, as GNU picks among several).
fn in_dir_folded(dir: &[u8], file: &[u8]) -> Vec<u8> {
    let exact = in_dir(dir, file);
    if std::fs::symlink_metadata(path_of(&exact)).is_ok() {
        return exact;
    }
    let want = basename(file).to_ascii_lowercase();
    let entries = fstree::Dir::open_ambient(&path_of(dir), fstree::Atime::Update)
        .and_then(|d| d.entries())
        .unwrap_or_default();
    let found = entries
        .into_iter()
        .map(|e| e.name.into_vec())
        .filter(|n| n.to_ascii_lowercase() == want)
        .max();
    match found {
        Some(name) => in_dir(dir, &name),
        None => exact,
    }
}

/// A directory name without trailing slashes (`/` stays `/`).
pub fn trim_slashes(dir: &[u8]) -> &[u8] {
    match dir.iter().rposition(|&c| c != b'/') {
        Some(i) => &dir[..=i],
        None => &dir[..dir.len().min(1)],
    }
}

fn basename(file: &[u8]) -> &[u8] {
    let t = trim_slashes(file);
    match t.iter().rposition(|&c| c == b'/') {
        Some(i) if t.len() > 1 => &t[i + 1..],
        _ => t,
    }
}

fn path_of(name: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(name))
}

/// Which missing operands stand for an absent (empty) side: `-N` allows both,
/// `--unidirectional-new-file` only the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Absent {
    /// The first operand may be missing.
    pub old: bool,
    /// The second operand may be missing.
    pub new: bool,
}

/// Decides what `old` and `new` compare, GNU diff's way.
pub fn pair(old: &Operand, new: &Operand, absent: Absent) -> Result<Pair, Refused> {
    let lookup = Lookup {
        follow: true,
        fold: false,
        stdin_closed: false,
    };
    pair_as(old, new, absent, lookup)
}

/// How operands are looked up: symlinks followed (not under `--no-dereference`), and a
/// file's name looked up in the other operand's directory whatever its case
/// (`--ignore-file-name-case`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lookup {
    /// Follow symlinks among the operands.
    pub follow: bool,
    /// Match `DIR/FILE` whatever the case.
    pub fold: bool,
    /// Standard input was read by an earlier pair (`--from-file`, `--to-file`): GNU closed
    /// it, so `-` cannot be examined (`-: Bad file descriptor`; under `-N`, an absent file).
    pub stdin_closed: bool,
}

/// [`pair`], the operands looked up as `lookup` says.
pub fn pair_as(
    old: &Operand,
    new: &Operand,
    absent: Absent,
    lookup: Lookup,
) -> Result<Pair, Refused> {
    let look = |op: &Operand| match op {
        Operand::Stdin if lookup.stdin_closed => Found::Missing,
        _ => inspect_as(op, lookup.follow),
    };
    let (fo, fnew) = (look(old), look(new));
    let mut errors = Vec::new();
    for (op, found, other, ok) in [(old, &fo, &fnew, absent.old), (new, &fnew, &fo, absent.new)] {
        match found {
            Found::Error(e) => errors.push(io_message(op.name(), e)),
            Found::Missing if !ok || matches!(other, Found::Missing | Found::Error(_)) => {
                let e = match op {
                    Operand::Stdin => io::Error::from(rustix::io::Errno::BADF),
                    Operand::Path(_) => not_found(),
                };
                errors.push(io_message(op.name(), &e));
            }
            _ => {}
        }
    }
    if !errors.is_empty() {
        return Err(Refused(errors));
    }
    let file = |op: &Operand, found: &Found| FileSide {
        name: op.name().to_vec(),
        input: match (op, found) {
            (_, Found::Missing) => Input::Absent,
            (Operand::Stdin, _) => Input::Stdin,
            (Operand::Path(p), _) => Input::Path(p.clone()),
        },
    };
    let dir = |op: &Operand, found: &Found| DirSide {
        name: op.name().to_vec(),
        path: match (op, found) {
            (Operand::Path(p), Found::Dir) => Some(p.clone()),
            _ => None,
        },
    };
    let in_dir_side = |d: &Operand, f: &Operand| {
        let name = match lookup.fold {
            true => in_dir_folded(d.name(), f.name()),
            false => in_dir(d.name(), f.name()),
        };
        FileSide {
            input: Input::Path(path_of(&name)),
            name,
        }
    };
    let stdin_vs_dir = || Refused(vec!["cannot compare '-' to a directory".to_string()]);
    Ok(match (&fo, &fnew) {
        (Found::Dir, Found::Dir | Found::Missing) | (Found::Missing, Found::Dir) => {
            Pair::Dirs(dir(old, &fo), dir(new, &fnew))
        }
        (Found::Stdin, Found::Dir) | (Found::Dir, Found::Stdin) => return Err(stdin_vs_dir()),
        (Found::Dir, _) => Pair::Files(in_dir_side(old, new), file(new, &fnew)),
        (_, Found::Dir) => Pair::Files(file(old, &fo), in_dir_side(new, old)),
        _ => Pair::Files(file(old, &fo), file(new, &fnew)),
    })
}

/// True when `op` names a directory (symlinks followed).
pub fn is_dir(op: &Operand) -> bool {
    matches!(inspect(op), Found::Dir)
}

/// True when neither operand is a file or standard input: treediff's own tree comparison
/// (which reports missing roots itself) applies.
pub fn are_trees(old: &Operand, new: &Operand) -> bool {
    let tree = |op: &Operand| matches!(inspect(op), Found::Dir | Found::Missing | Found::Error(_));
    tree(old) && tree(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const NONE: Absent = Absent {
        old: false,
        new: false,
    };
    const BOTH: Absent = Absent {
        old: true,
        new: true,
    };
    const OLD: Absent = Absent {
        old: true,
        new: false,
    };

    fn scratch() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("f"), "x\n").expect("write f");
        std::fs::create_dir(dir.path().join("d")).expect("mkdir d");
        dir
    }

    fn op(dir: &Path, rel: &str) -> Operand {
        Operand::Path(dir.join(rel))
    }

    fn bytes(p: &Path) -> Vec<u8> {
        p.as_os_str().as_bytes().to_vec()
    }

    #[test]
    fn names_in_a_directory_are_joined_as_gnu_joins_them() {
        assert_eq!(in_dir(b"D", b"f"), b"D/f");
        assert_eq!(in_dir(b"D//", b"./x/f"), b"D/f");
        assert_eq!(in_dir(b"/", b"f"), b"/f");
        assert_eq!(in_dir(b".", b"/tmp/f"), b"./f");
        assert_eq!(trim_slashes(b"///"), b"/");
    }

    #[test]
    fn a_file_and_a_directory_compare_the_file_with_its_namesake() {
        let t = scratch();
        let (f, d) = (op(t.path(), "f"), op(t.path(), "d"));
        let Ok(Pair::Files(a, b)) = pair(&f, &d, NONE) else {
            panic!("files expected");
        };
        assert_eq!(
            b.name,
            [bytes(&t.path().join("d")), b"/f".to_vec()].concat()
        );
        assert_eq!(a.input, Input::Path(t.path().join("f")));
        let Ok(Pair::Files(a, _)) = pair(&d, &f, NONE) else {
            panic!("files expected");
        };
        assert_eq!(
            a.name,
            [bytes(&t.path().join("d")), b"/f".to_vec()].concat()
        );
    }

    #[test]
    fn missing_operands_are_errors_unless_new_file_and_the_other_exists() {
        let t = scratch();
        let (f, d, no) = (op(t.path(), "f"), op(t.path(), "d"), op(t.path(), "no"));
        let Err(Refused(m)) = pair(&no, &f, NONE) else {
            panic!("refused expected");
        };
        assert!(m[0].ends_with("no: No such file or directory"), "{m:?}");
        let Ok(Pair::Files(a, _)) = pair(&no, &f, BOTH) else {
            panic!("files expected");
        };
        assert_eq!(a.input, Input::Absent);
        assert!(pair(&no, &f, OLD).is_ok() && pair(&f, &no, OLD).is_err());
        assert!(matches!(
            pair(&d, &no, BOTH),
            Ok(Pair::Dirs(_, DirSide { path: None, .. }))
        ));
        let Err(Refused(m)) = pair(&no, &op(t.path(), "no2"), BOTH) else {
            panic!("refused expected");
        };
        assert_eq!(m.len(), 2);
        assert!(pair(&Operand::Stdin, &d, NONE).is_err());
        assert!(are_trees(&d, &no) && !are_trees(&d, &f) && !are_trees(&Operand::Stdin, &d));
    }
}
