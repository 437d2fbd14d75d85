//! The patch model: what one patch says about one path, independent of how it is spelled.
//!
//! A patch is a sequence of [`Item`]s. Most are [`FilePatch`]es (one `diff --git` section or one
//! GNU `---`/`+++` pair); the others are the tree-level lines GNU diff and `treediff` write
//! between file patches: the empty-directory extension lines (`# treediff: mkdir PATH MODE`,
//! `# treediff: rmdir PATH`) and the notices that announce a change without carrying it
//! (`Only in DIR: NAME`, `Binary files A and B differ`), which a reader must report, not drop.
//!
//! Paths are raw bytes as they appear after unquoting, with their `a/`/`b/` prefixes still on
//! (stripping is the applier's business, `-p N`). Line contents are raw bytes without the line
//! terminator; a line whose terminator is missing in the file is marked, so `\ No newline at
//! end of file` round-trips.

/// Git file modes as they appear in `new file mode`, `old mode`, `index ... MODE`.
pub mod mode {
    /// A regular, non-executable file.
    pub const FILE: u32 = 0o100644;
    /// A regular executable file.
    pub const EXEC: u32 = 0o100755;
    /// A symbolic link; its content is the target.
    pub const SYMLINK: u32 = 0o120000;
}

/// One item of a patch, in the order it appears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// Changes to one path (or a pair of paths for a rename or copy).
    File(FilePatch),
    /// `# treediff: mkdir PATH MODE`: create an (empty) directory with these permission bits.
    Mkdir {
        /// Path, prefix included (`b/dir`), unquoted.
        path: Vec<u8>,
        /// Permission bits, e.g. `0o755`.
        mode: u32,
        /// 1-based line number in the patch (0 when built in memory).
        line: usize,
    },
    /// `# treediff: rmdir PATH`: remove an (empty) directory.
    Rmdir {
        /// Path, prefix included (`a/dir`), unquoted.
        path: Vec<u8>,
        /// 1-based line number in the patch (0 when built in memory).
        line: usize,
    },
    /// A line that stands for a change the patch does not carry (`Only in a: x`,
    /// `Binary files a/x and b/x differ`, `File a/p is a fifo while ...`).
    Notice {
        /// The whole line, without its newline.
        text: Vec<u8>,
        /// 1-based line number in the patch.
        line: usize,
    },
}

/// What a file patch does to its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Operation {
    /// Change an existing file in place (content and/or mode).
    #[default]
    Modify,
    /// Create a new file (`new file mode`, or `--- /dev/null`).
    Create,
    /// Delete a file (`deleted file mode`, or `+++ /dev/null`).
    Delete,
    /// Move `old_path` to `new_path`, then apply the hunks (if any).
    Rename,
    /// Copy `old_path` to `new_path`, then apply the hunks (if any).
    Copy,
}

/// Changes to one path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilePatch {
    /// The old path with its prefix (`a/x`), or `None` for `/dev/null`.
    pub old_path: Option<Vec<u8>>,
    /// The new path with its prefix (`b/x`), or `None` for `/dev/null`.
    pub new_path: Option<Vec<u8>>,
    /// What to do; see [`Operation`].
    pub op: Operation,
    /// Git mode of the old file (`old mode`, `deleted file mode`, or the `index` line's mode).
    pub old_mode: Option<u32>,
    /// Git mode of the new file (`new mode`, `new file mode`, or the `index` line's mode).
    pub new_mode: Option<u32>,
    /// Full or abbreviated blob ids from the `index OLD..NEW` line, as hex bytes.
    pub index: Option<(Vec<u8>, Vec<u8>)>,
    /// `similarity index N%` of a rename or copy.
    pub similarity: Option<u8>,
    /// True when the section came from `diff --git` (paths default to `-p1`).
    pub git: bool,
    /// True when the section was read from a context diff (`diff -c`): GNU patch writes the
    /// rejects of such a section as a context diff too.
    pub context: bool,
    /// Text hunks, in order.
    pub hunks: Vec<Hunk>,
    /// A `GIT binary patch` body, when present (then `hunks` is empty).
    pub binary: Option<BinaryPatch>,
    /// An ed script (`diff -e`), when the section is one (then `hunks` is empty): commands
    /// for [`crate::ed::apply`], never for a real `ed`.
    pub ed: Option<Box<EdScript>>,
    /// 1-based line number of the section's first header line (0 when built in memory).
    pub line: usize,
}

/// One `@@ -A,B +C,D @@` hunk.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hunk {
    /// First line of the old range (1-based; 0 for an empty range).
    pub old_start: u64,
    /// Number of old lines (context + removed).
    pub old_len: u64,
    /// First line of the new range (1-based; 0 for an empty range).
    pub new_start: u64,
    /// Number of new lines (context + added).
    pub new_len: u64,
    /// Text after the closing `@@` (function context), without the leading space.
    pub section: Vec<u8>,
    /// The lines, in order.
    pub lines: Vec<Line>,
    /// 1-based line number of the `@@` line (0 when built in memory).
    pub line: usize,
}

/// The role of one hunk line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// ` `: present in both old and new.
    Context,
    /// `-`: only in old.
    Remove,
    /// `+`: only in new.
    Add,
}

/// One hunk line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Context, removed or added.
    pub kind: LineKind,
    /// The line's bytes without the `\n` (a `\r` before it is kept: it is content).
    pub text: Vec<u8>,
    /// True when this line has no newline in its file (`\ No newline at end of file` follows).
    pub no_newline: bool,
}

/// A `GIT binary patch` body: the forward block and, optionally, the reverse one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryPatch {
    /// Turns the old content into the new.
    pub forward: BinaryBlock,
    /// Turns the new content into the old (git always writes it; may be absent in the wild).
    pub reverse: Option<BinaryBlock>,
}

/// One `literal N` or `delta N` block, already base85-decoded and inflated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinaryBlock {
    /// The full new content.
    Literal(Vec<u8>),
    /// A git delta (see `binary::apply_delta`) to apply to the other side's content.
    Delta(Vec<u8>),
}

/// An ed script (boxed in [`FilePatch`]: most patches have none).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EdScript {
    /// The commands, in order.
    pub commands: Vec<EdCommand>,
}

/// One command of an ed script, from the subset GNU `diff -e` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdCommand {
    /// What it does.
    pub op: EdOp,
    /// 1-based line number of the command in the patch.
    pub line: usize,
}

/// The ed commands understood (see [`crate::ed`]). A line address of `None` means the
/// current line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdOp {
    /// `[N]a`: add `text` after line N (0: before the first line).
    Append {
        /// The line to add after.
        at: Option<u64>,
        /// The lines, without their newlines.
        text: Vec<Vec<u8>>,
    },
    /// `[N]i`: add `text` before line N.
    Insert {
        /// The line to add before.
        at: Option<u64>,
        /// The lines, without their newlines.
        text: Vec<Vec<u8>>,
    },
    /// `[N[,M]]c`: replace lines N to M by `text`.
    Change {
        /// First and last line replaced.
        range: Option<(u64, u64)>,
        /// The lines, without their newlines.
        text: Vec<Vec<u8>>,
    },
    /// `[N[,M]]d`: delete lines N to M.
    Delete {
        /// First and last line deleted.
        range: Option<(u64, u64)>,
    },
    /// `s/.//`: drop the first byte of the current line (how `diff -e` writes a line that is
    /// a lone `.`: as `..`, fixed after the text).
    Unescape,
}
