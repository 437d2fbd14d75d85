//! Modes from a patch: what a file may become, and which modes are refused or skipped.
//!
//! A patch applied as root must not create set-id programs, so the permission bits of a file
//! follow git's rule, whatever the patch says: 0755 when the owner may execute (`100755`,
//! `104755`, `100700`...), else 0644 (`100600`, `107666`...). Set-id and sticky bits never
//! come from input; neither do they for `# treediff: mkdir` directories (0777 at most). The
//! type bits must say a regular file (`100`) or a symlink (`120`): `140755` or `040755` would
//! otherwise make a regular file of what the patch calls a socket or a directory, and are
//! refused. A submodule (`160000`, git's `Subproject commit` sections) is skipped with a
//! warning, as git apply skips it outside a repository; the rest of the patch applies. Under
//! the name `patch` GNU patch decides instead: any type bits make a regular file (with the
//! same permission rule), and a submodule's section finds "not a regular file".

use std::io::Write;

use treepatch::{FilePatch, Operation};

use crate::Error;

/// The type bits of a git mode.
const TYPE: u32 = 0o170000;
/// A regular file's type bits.
const REGULAR: u32 = 0o100000;
/// A symlink's type bits.
const SYMLINK: u32 = 0o120000;
/// A submodule's (git's "gitlink").
const GITLINK: u32 = 0o160000;

/// The permission bits a file gets from a git mode: git's rule (0755 or 0644).
pub(super) fn file_perm(git_mode: u32) -> u32 {
    if git_mode & 0o100 != 0 { 0o755 } else { 0o644 }
}

/// The permission bits of a directory from `# treediff: mkdir`: no set-id, no sticky bit.
pub(super) fn dir_perm(mode: u32) -> u32 {
    mode & 0o777
}

/// The permission bits of a file the patch writes: the patch's new mode where it creates the
/// file or changes the mode, else the file's own (`old_perm`), else the patch's new mode, else
/// 0644. A mode from the patch goes through [`file_perm`].
pub(super) fn new_mode(fp: &FilePatch, old_perm: Option<u32>) -> u32 {
    match (fp.op, fp.old_mode, fp.new_mode, old_perm) {
        (Operation::Create, _, Some(n), _) => file_perm(n),
        (Operation::Create, _, None, _) => 0o644,
        (_, o, Some(n), _) if o != Some(n) => file_perm(n),
        (_, _, _, Some(m)) => m,
        (_, _, Some(n), None) => file_perm(n),
        _ => 0o644,
    }
}

/// Whether a file patch gives a submodule's mode (`160000`).
pub(super) fn is_submodule(fp: &FilePatch) -> bool {
    [fp.old_mode, fp.new_mode]
        .into_iter()
        .flatten()
        .any(|m| m & TYPE == GITLINK)
}

/// Whether a file patch is for a submodule (skipped, with a warning on `err`); an error for a
/// mode whose type is neither a regular file, a symlink nor a submodule.
pub(super) fn skip_submodule(fp: &FilePatch, err: &mut dyn Write) -> Result<bool, Error> {
    let modes = [fp.old_mode, fp.new_mode];
    for m in modes.into_iter().flatten() {
        if !matches!(m & TYPE, REGULAR | SYMLINK | GITLINK) {
            return Err(Error::Refused {
                line: fp.line,
                message: format!(
                    "refusing mode {m:06o}: a patch may make regular files (100644, 100755) and symlinks (120000), nothing else"
                ),
            });
        }
    }
    if !is_submodule(fp) {
        return Ok(false);
    }
    let name = fp.new_path.as_ref().or(fp.old_path.as_ref());
    let name = String::from_utf8_lossy(name.map_or(&[][..], Vec::as_slice));
    writeln!(
        err,
        "applypatch: warning: patch line {}: skipping submodule {name} (Subproject commit): submodules are not patched",
        fp.line
    )
    .map_err(Error::Output)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_follow_gits_rule_and_never_carry_set_id_bits() {
        for (git, perm) in [
            (0o100755, 0o755),
            (0o104755, 0o755),
            (0o102755, 0o755),
            (0o106755, 0o755),
            (0o107777, 0o755),
            (0o101755, 0o755),
            (0o100700, 0o755),
            (0o100644, 0o644),
            (0o100600, 0o644),
            (0o107666, 0o644),
        ] {
            assert_eq!(file_perm(git), perm, "{git:o}");
        }
        assert_eq!(dir_perm(0o3775), 0o775);
    }

    #[test]
    fn only_files_symlinks_and_submodules_have_a_type() {
        let fp = |m| FilePatch {
            new_mode: Some(m),
            new_path: Some(b"b/sub".to_vec()),
            ..FilePatch::default()
        };
        let mut err = Vec::new();
        for bad in [0o140755, 0o040755, 0o020644, 0o000755, 0o060644] {
            assert!(skip_submodule(&fp(bad), &mut err).is_err(), "{bad:o}");
        }
        assert!(!skip_submodule(&fp(0o100644), &mut err).unwrap());
        assert!(!skip_submodule(&fp(0o120000), &mut err).unwrap());
        assert!(err.is_empty());
        assert!(skip_submodule(&fp(0o160000), &mut err).unwrap());
        assert!(String::from_utf8_lossy(&err).contains("skipping submodule b/sub"));
    }
}
