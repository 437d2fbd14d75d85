//! Human-readable rendering of byte strings for failure messages: valid UTF-8 stays readable,
//! control characters and invalid bytes are escaped, so a name with a newline or a Latin-1
//! byte is visible and unambiguous.

use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Renders bytes as a double-quoted-free, escaped string: `\n`, `\t`, `\r`, `\\`, `\"`,
/// other control characters and invalid UTF-8 as `\xNN`; printable UTF-8 as is.
pub fn show(bytes: impl AsRef<[u8]>) -> String {
    let bytes = bytes.as_ref();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                c if c.is_control() => {
                    let mut buf = [0; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(out, "\\x{b:02x}");
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// [`show`] for a path.
pub fn show_path(path: impl AsRef<Path>) -> String {
    show(path.as_ref().as_os_str().as_bytes())
}

/// A short rendering of file contents: the whole thing when small, else its head and length.
pub(crate) fn show_content(bytes: &[u8]) -> String {
    const MAX: usize = 60;
    if bytes.len() <= MAX {
        format!("\"{}\"", show(bytes))
    } else {
        format!("\"{}\"... ({} bytes)", show(&bytes[..MAX]), bytes.len())
    }
}
