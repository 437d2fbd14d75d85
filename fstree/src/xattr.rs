//! Extended attributes of an open file or directory, for `treesync -X` (and `-A`, whose POSIX
//! ACLs the kernel keeps as the `system.posix_acl_access`/`_default` attributes): list them
//! with their values, and make another object's attributes equal to a list. Through the
//! descriptor only, so a name swapped meanwhile cannot redirect them.

use std::io;
use std::os::fd::AsFd;

use rustix::fs::XattrFlags;
use rustix::io::Errno;

/// Attribute names and values, sorted by name.
pub type Xattrs = Vec<(Vec<u8>, Vec<u8>)>;

/// The attributes of `fd` whose names `keep` accepts, sorted by name. A file system without
/// extended attributes has none.
pub fn list(fd: impl AsFd, keep: impl Fn(&[u8]) -> bool) -> io::Result<Xattrs> {
    let fd = fd.as_fd();
    let names = loop {
        let len = match rustix::fs::flistxattr_query(fd) {
            Ok(n) => n,
            Err(Errno::NOTSUP) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut buf = vec![0u8; len];
        match rustix::fs::flistxattr(fd, &mut buf[..]) {
            Ok(n) => {
                buf.truncate(n);
                break buf;
            }
            // It grew between the two calls: ask again.
            Err(Errno::RANGE) => continue,
            Err(e) => return Err(e.into()),
        }
    };
    let mut out = Vec::new();
    for name in names
        .split(|&b| b == 0)
        .filter(|n| !n.is_empty() && keep(n))
    {
        if let Some(value) = get(fd, name)? {
            out.push((name.to_vec(), value));
        }
    }
    out.sort();
    Ok(out)
}

/// The value of `name`, or `None` when it went away meanwhile.
fn get(fd: std::os::fd::BorrowedFd<'_>, name: &[u8]) -> io::Result<Option<Vec<u8>>> {
    let c =
        std::ffi::CString::new(name).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    loop {
        let len = match rustix::fs::fgetxattr_query(fd, &c) {
            Ok(n) => n,
            Err(Errno::NODATA) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut buf = vec![0u8; len];
        match rustix::fs::fgetxattr(fd, &c, &mut buf[..]) {
            Ok(n) => {
                buf.truncate(n);
                return Ok(Some(buf));
            }
            Err(Errno::RANGE) => continue,
            Err(Errno::NODATA) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
    }
}

/// Makes the attributes of `fd` among those `keep` accepts equal to `want`: sets what is
/// missing or different, removes what `want` lacks. Returns whether anything changed.
pub fn set(fd: impl AsFd, want: &Xattrs, keep: impl Fn(&[u8]) -> bool) -> io::Result<bool> {
    let fd = fd.as_fd();
    let have = list(fd, &keep)?;
    if &have == want {
        return Ok(false);
    }
    for (name, value) in want {
        if have.iter().any(|(n, v)| n == name && v == value) {
            continue;
        }
        let c = std::ffi::CString::new(name.as_slice())
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        rustix::fs::fsetxattr(fd, &c, value, XattrFlags::empty())?;
    }
    for (name, _) in have
        .iter()
        .filter(|(n, _)| !want.iter().any(|(w, _)| w == n))
    {
        let c = std::ffi::CString::new(name.as_slice())
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        match rustix::fs::fremovexattr(fd, &c) {
            Ok(()) | Err(Errno::NODATA) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_sets_and_removes_user_attributes() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        std::fs::write(&a, b"x").unwrap();
        std::fs::write(&b, b"y").unwrap();
        let fa = std::fs::File::open(&a).unwrap();
        let fb = std::fs::File::open(&b).unwrap();
        let user = |n: &[u8]| n.starts_with(b"user.");
        if rustix::fs::fsetxattr(&fa, "user.one", b"1", XattrFlags::empty()).is_err() {
            eprintln!("no user xattrs on this file system; skipped");
            return;
        }
        rustix::fs::fsetxattr(&fb, "user.gone", b"g", XattrFlags::empty()).unwrap();
        let want = list(&fa, user).unwrap();
        assert_eq!(want, vec![(b"user.one".to_vec(), b"1".to_vec())]);
        assert!(set(&fb, &want, user).unwrap());
        assert_eq!(list(&fb, user).unwrap(), want);
        assert!(!set(&fb, &want, user).unwrap());
    }
}
