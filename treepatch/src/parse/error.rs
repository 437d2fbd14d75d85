//! What can go wrong reading a patch, as one error type for the whole parser.
//!
//! Every variant carries the 1-based patch line it is about (a hunk error also carries the
//! line of its `@@` header), because the person reading the message has to find the place in a
//! patch that may be thousands of lines long. The messages are what `applypatch` prints after
//! `patch line N:`, and the integration tests match their wording, so rewording one is a
//! change of the tools' output.

use std::io;

use crate::binary::BinaryError;
use crate::quote::QuoteError;

/// Why a patch could not be read. Every variant carries the 1-based patch line it is about.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Reading the patch failed.
    #[error("patch line {line}: read error")]
    Io {
        /// The line being read.
        line: usize,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A `@@` line that is not `@@ -A[,B] +C[,D] @@`.
    #[error("patch line {line}: malformed hunk header")]
    BadHunkHeader {
        /// The `@@` line.
        line: usize,
    },
    /// A number in a hunk header, mode or size is too large.
    #[error("patch line {line}: number out of range")]
    NumberRange {
        /// The offending line.
        line: usize,
    },
    /// The patch ended inside a hunk.
    #[error("patch line {line}: patch ends inside the hunk that starts at line {hunk_line}")]
    Truncated {
        /// The last line of the patch (or the line where the binary body stopped).
        line: usize,
        /// The hunk's `@@` line.
        hunk_line: usize,
    },
    /// A line inside a hunk that is not ` `, `-`, `+`, `\` or empty, or that does not fit the
    /// counts of the hunk header.
    #[error("patch line {line}: malformed line in the hunk that starts at line {hunk_line}")]
    BadHunkLine {
        /// The offending line.
        line: usize,
        /// The hunk's `@@` line.
        hunk_line: usize,
    },
    /// A quoted name that cannot be read.
    #[error("patch line {line}: bad quoted file name")]
    BadName {
        /// The offending line.
        line: usize,
        /// What is wrong with it.
        #[source]
        source: QuoteError,
    },
    /// A file name that cannot be found in a header line.
    #[error("patch line {line}: cannot read the file names")]
    NoName {
        /// The offending line.
        line: usize,
    },
    /// A mode that is not an octal number.
    #[error("patch line {line}: bad file mode")]
    BadMode {
        /// The offending line.
        line: usize,
    },
    /// A `GIT binary patch` body that cannot be decoded.
    #[error("patch line {line}: bad binary patch")]
    Binary {
        /// The offending line.
        line: usize,
        /// What is wrong with it.
        #[source]
        source: BinaryError,
    },
    /// In a git section, `---` not followed by `+++`.
    #[error("patch line {line}: '---' line without a '+++' line after it")]
    MissingNewName {
        /// The `---` line.
        line: usize,
    },
    /// An ed command outside the subset `diff -e` writes (which is all we apply).
    #[error(
        "patch line {line}: ed command refused: only the commands diff -e writes (a, c, d, i, s/.//, w, q) are applied, and never by running ed"
    )]
    EdCommand {
        /// The command's line.
        line: usize,
    },
}
