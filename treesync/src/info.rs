//! rsync's `--info` levels that decide treesync's own messages: `-v` sets `NAME`, `DEL`,
//! `FLIST`, `SYMSAFE` (and the others listed by `--info=help`) to 1 and `-vv` `NAME` to 2;
//! `--info=ITEM[LEVEL]` items apply after the `-v`s, wherever they are given (so
//! `--info=all0 -v` is silent, as rsync). `NONREG` is 1 unless silenced. Items with nothing
//! of treesync's to say (`BACKUP`, `COPY`, `MISC`, `MOUNT`, `REMOVE`, `SKIP`) are accepted.

/// The levels of the items treesync has messages for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Info {
    /// Names of updated entries (`-v`'s lines).
    pub name: u8,
    /// `deleting NAME`.
    pub del: u8,
    /// `sending incremental file list`, and `-v`'s closing total.
    pub flist: u8,
    /// `skipping non-regular file`.
    pub nonreg: u8,
    /// `SYMSAFE` (accepted; `-v`'s `ignoring unsafe symlink` follows `-v` itself, as rsync
    /// 3.5 prints it under `-v` and not under `--info=symsafe1` alone).
    pub symsafe: u8,
    /// `STATS`: `-v`'s closing `total size` line (from level 1).
    pub summary: u8,
}

impl Default for Info {
    fn default() -> Self {
        Info::for_verbose(0)
    }
}

impl Info {
    /// The levels `-v` given `v` times sets.
    pub fn for_verbose(v: u8) -> Info {
        let one = u8::from(v >= 1);
        Info {
            name: v.min(2),
            del: one,
            flist: one,
            nonreg: 1,
            symsafe: one,
            summary: one,
        }
    }

    /// Sets `item` (lower case, without its level) to `level`; false if it is not an item.
    pub fn set(&mut self, item: &str, level: u8) -> bool {
        match item {
            "name" => self.name = level,
            "del" => self.del = level,
            "flist" => self.flist = level,
            "nonreg" => self.nonreg = level,
            "symsafe" => self.symsafe = level,
            "stats" => self.summary = level,
            "all" | "none" => {
                let l = if item == "none" { 0 } else { level };
                *self = Info {
                    name: l,
                    del: l,
                    flist: l,
                    nonreg: l,
                    symsafe: l,
                    summary: l,
                };
            }
            "backup" | "copy" | "misc" | "mount" | "remove" | "skip" | "progress" => {}
            _ => return false,
        }
        true
    }
}
