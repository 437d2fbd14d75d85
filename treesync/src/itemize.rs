//! rsync's `--itemize-changes` lines: `YXcstpoguax NAME[ -> TARGET]`.
//!
//! `Y` is `>` (file content written), `c` (a non-file created or replaced), `.` (attributes
//! only) or `*` (a message: `*deleting`). `X` is the type: `f`, `d`, `L`, `D` (device), `S`
//! (special). The nine attribute columns are `c` (checksum or link target differs), `s` (size),
//! `t`/`T` (mtime set to the source's / to the transfer time because `-t` is off), `p`, `o`,
//! `g`, `u` (atime), `a`, `x` (never: no ACLs or xattrs here). A new entry shows `+` in all
//! nine. Directories are named with a trailing `/`; symlinks get ` -> TARGET` (rsync's `%L`).
//!
//! Names are escaped as rsync does on its output: a byte that is not printable ASCII becomes
//! `\#ooo` (octal), and so does a backslash that would otherwise look like an escape.

/// The type column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// Regular file.
    File,
    /// Directory.
    Dir,
    /// Symlink.
    Link,
    /// Block or character device.
    Device,
    /// FIFO or socket.
    Special,
}

impl Type {
    fn letter(self) -> u8 {
        match self {
            Type::File => b'f',
            Type::Dir => b'd',
            Type::Link => b'L',
            Type::Device => b'D',
            Type::Special => b'S',
        }
    }
}

/// What changed on one entry; turned into the 11 columns by [`Change::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Change {
    /// The entry did not exist (or had another type) and is created.
    pub new: bool,
    /// File content was (re)written (`>`), or a non-file was recreated (`c`).
    pub transferred: bool,
    /// Checksum/link target column.
    pub checksum: bool,
    /// Size column.
    pub size: bool,
    /// Mtime column: `Some(true)` = `t`, `Some(false)` = `T`, `None` = `.`.
    pub time: Option<bool>,
    /// Permissions column.
    pub perms: bool,
    /// Owner column.
    pub owner: bool,
    /// Group column.
    pub group: bool,
    /// Access-time column.
    pub atime: bool,
    /// POSIX ACLs differ (`-A`).
    pub acl: bool,
    /// Extended attributes differ (`-X`).
    pub xattr: bool,
}

impl Change {
    /// Whether anything at all changes (an unchanged entry is not listed under a single `-i`).
    pub fn is_change(&self) -> bool {
        self.new
            || self.transferred
            || self.checksum
            || self.size
            || self.time.is_some()
            || self.perms
            || self.owner
            || self.group
            || self.atime
            || self.acl
            || self.xattr
    }

    /// The 11-character code.
    pub fn code(&self, ty: Type) -> [u8; 11] {
        let y = if self.transferred || self.new {
            if ty == Type::File { b'>' } else { b'c' }
        } else {
            b'.'
        };
        if self.new {
            let mut c = [b'+'; 11];
            c[0] = y;
            c[1] = ty.letter();
            return c;
        }
        let flag = |on: bool, ch: u8| if on { ch } else { b'.' };
        [
            y,
            ty.letter(),
            flag(self.checksum, b'c'),
            flag(self.size, b's'),
            match self.time {
                Some(true) => b't',
                Some(false) => b'T',
                None => b'.',
            },
            flag(self.perms, b'p'),
            flag(self.owner, b'o'),
            flag(self.group, b'g'),
            flag(self.atime, b'u'),
            flag(self.acl, b'a'),
            flag(self.xattr, b'x'),
        ]
    }
}

/// How names are escaped: rsync follows the locale's idea of a printable character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Charset {
    /// C/POSIX locale: every byte outside printable ASCII (and tab) is escaped.
    #[default]
    Ascii,
    /// A UTF-8 locale: valid UTF-8 sequences are printed as they are.
    Utf8,
    /// `-8`: every byte from 0x80 up is printed as it is, whatever the locale.
    EightBit,
}

impl Charset {
    /// The charset of a locale name (`LC_ALL`, else `LC_CTYPE`, else `LANG`).
    pub fn from_locale(name: Option<&str>) -> Charset {
        match name {
            Some(n) if n.to_ascii_lowercase().replace('-', "").contains("utf8") => Charset::Utf8,
            _ => Charset::Ascii,
        }
    }
}

/// Append `name` escaped as rsync prints names (observed): control bytes other than tab, DEL,
/// and bytes that are not printable in the locale become `\#ooo`; backslashes are printed as
/// they are.
pub fn push_name(out: &mut Vec<u8>, name: &[u8], cs: Charset) {
    let esc = |out: &mut Vec<u8>, b: u8| out.extend_from_slice(format!("\\#{b:03o}").as_bytes());
    if cs == Charset::EightBit {
        for &b in name {
            if (b < 0x20 && b != b'\t') || b == 0x7f {
                esc(out, b);
            } else {
                out.push(b);
            }
        }
        return;
    }
    for chunk in name.utf8_chunks() {
        for &b in chunk.valid().as_bytes() {
            if (b < 0x20 && b != b'\t') || b == 0x7f || (b >= 0x80 && cs == Charset::Ascii) {
                esc(out, b);
            } else {
                out.push(b);
            }
        }
        for &b in chunk.invalid() {
            esc(out, b);
        }
    }
}

/// One full itemize line (with newline): code, space, name (`/` added for directories), and
/// ` -> target` for symlinks.
pub fn line(code: &[u8; 11], name: &[u8], ty: Type, target: Option<&[u8]>, cs: Charset) -> Vec<u8> {
    let mut l = Vec::with_capacity(name.len() + 16);
    l.extend_from_slice(code);
    l.push(b' ');
    push_name(&mut l, name, cs);
    if ty == Type::Dir && !name.ends_with(b"/") {
        l.push(b'/');
    }
    if let Some(t) = target {
        l.extend_from_slice(b" -> ");
        push_name(&mut l, t, cs);
    }
    l.push(b'\n');
    l
}

/// The `*deleting   NAME` line (`NAME/` for a directory).
pub fn deleting(name: &[u8], is_dir: bool, cs: Charset) -> Vec<u8> {
    let mut l = b"*deleting   ".to_vec();
    push_name(&mut l, name, cs);
    if is_dir {
        l.push(b'/');
    }
    l.push(b'\n');
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: Change, t: Type) -> String {
        String::from_utf8(c.code(t).to_vec()).unwrap()
    }

    // Expected strings copied from rsync 3.5 runs.
    #[test]
    fn codes_match_rsync() {
        let new = Change {
            new: true,
            ..Default::default()
        };
        assert_eq!(code(new, Type::File), ">f+++++++++");
        assert_eq!(code(new, Type::Dir), "cd+++++++++");
        assert_eq!(code(new, Type::Link), "cL+++++++++");
        assert_eq!(code(new, Type::Special), "cS+++++++++");
        let dir_time = Change {
            time: Some(true),
            ..Default::default()
        };
        assert_eq!(code(dir_time, Type::Dir), ".d..t......");
        let size_t = Change {
            transferred: true,
            size: true,
            time: Some(false),
            ..Default::default()
        };
        assert_eq!(code(size_t, Type::File), ">f.sT......");
        let cs = Change {
            transferred: true,
            checksum: true,
            size: true,
            ..Default::default()
        };
        assert_eq!(code(cs, Type::File), ">fcs.......");
        let link = Change {
            transferred: true,
            checksum: true,
            time: Some(false),
            ..Default::default()
        };
        assert_eq!(code(link, Type::Link), "cLc.T......");
        let perms = Change {
            perms: true,
            ..Default::default()
        };
        assert_eq!(code(perms, Type::File), ".f...p.....");
        let atime = Change {
            atime: true,
            ..Default::default()
        };
        assert_eq!(code(atime, Type::File), ".f......u..");
        assert!(!Change::default().is_change());
    }

    const U: Charset = Charset::Utf8;

    #[test]
    fn c_locale_escapes_every_high_byte() {
        let mut v = Vec::new();
        push_name(&mut v, "utf\u{e9}".as_bytes(), Charset::Ascii);
        assert_eq!(v, b"utf\\#303\\#251");
        assert_eq!(Charset::from_locale(Some("C.UTF-8")), Charset::Utf8);
        assert_eq!(Charset::from_locale(Some("en_US.utf8")), Charset::Utf8);
        assert_eq!(Charset::from_locale(Some("C")), Charset::Ascii);
        assert_eq!(Charset::from_locale(None), Charset::Ascii);
    }

    #[test]
    fn lines() {
        let new = Change {
            new: true,
            ..Default::default()
        };
        assert_eq!(
            line(&new.code(Type::Link), b"l", Type::Link, Some(b"t"), U),
            b"cL+++++++++ l -> t\n"
        );
        assert_eq!(
            line(&new.code(Type::Dir), b"./", Type::Dir, None, U),
            b"cd+++++++++ ./\n"
        );
        assert_eq!(
            line(&new.code(Type::Dir), b"a b", Type::Dir, None, U),
            b"cd+++++++++ a b/\n"
        );
        assert_eq!(deleting(b"old", true, U), b"*deleting   old/\n");
        assert_eq!(
            line(&new.code(Type::File), b"a\nb", Type::File, None, U),
            b">f+++++++++ a\\#012b\n"
        );
    }
}
