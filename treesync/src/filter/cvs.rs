//! `-C`/`--cvs-exclude`'s global list, as `man rsync` gives it: CVS's default ignore names
//! (perishable, so they never keep a directory deleted from SRC alive in DEST), then the
//! names in `$HOME/.cvsignore` and in `$CVSIGNORE`, all split on white space.

use std::os::unix::ffi::OsStrExt;

use super::{Action, Mods, Rule};

/// CVS's default ignore list (rsync's copy).
const DEFAULTS: &str = "RCS SCCS CVS CVS.adm RCSLOG cvslog.* tags TAGS .make.state \
    .nse_depinfo *~ #* .#* ,* _$* *$ *.old *.bak *.BAK *.orig *.rej .del-* *.a *.olb *.o \
    *.obj *.so *.exe *.Z *.elc *.ln core .svn/ .git/ .hg/ .bzr/";

/// The `-C` rules, each an exclude with `mods` (the defaults also perishable).
pub(super) fn rules(mods: Mods) -> Vec<Rule> {
    let perishable = Mods {
        perishable: true,
        ..mods
    };
    let mut out: Vec<Rule> = DEFAULTS
        .split_ascii_whitespace()
        .flat_map(|w| Rule::new(Action::Exclude, w.as_bytes(), perishable))
        .collect();
    let home = std::env::var_os("HOME")
        .map(|h| std::path::Path::new(&h).join(".cvsignore"))
        .and_then(|p| std::fs::read(p).ok())
        .unwrap_or_default();
    let env = std::env::var_os("CVSIGNORE").unwrap_or_default();
    for text in [&home[..], env.as_bytes()] {
        for w in text
            .split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
        {
            out.extend(Rule::new(Action::Exclude, w, mods));
        }
    }
    out
}
