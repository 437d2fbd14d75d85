//! `-V`/`--version`, in rsync's layout: scripts parse its first line (`rsync  version X
//! protocol version N`) and probe the `Capabilities:` list, and `-VV` gives the same facts as
//! JSON, which rsync's own tooling reads. The facts are treesync's: a capability is listed
//! without `no` only where treesync has it (local transfers; no protocol, daemon, batch files
//! or iconv), so a script that checks for `ACLs` or `inplace` learns the truth.

use std::fmt::Write;

/// The rsync release whose command line treesync follows, and its protocol number.
const RSYNC_VERSION: &str = "3.5.0";
const PROTOCOL: &str = "32";

/// Each capability rsync reports, its JSON key, and whether treesync has it.
const CAPABILITIES: &[(&str, &str, bool)] = &[
    ("64-bit files", "file_bits", true),
    ("64-bit inums", "inum_bits", true),
    ("64-bit timestamps", "timestamp_bits", true),
    ("64-bit long ints", "long_int_bits", true),
    ("socketpairs", "socketpairs", false),
    ("symlinks", "symlinks", true),
    ("symtimes", "symtimes", true),
    ("hardlinks", "hardlinks", true),
    ("hardlink-specials", "hardlink_specials", false),
    ("hardlink-symlinks", "hardlink_symlinks", false),
    ("IPv6", "IPv6", false),
    ("atimes", "atimes", true),
    ("batchfiles", "batchfiles", false),
    ("inplace", "inplace", true),
    ("append", "append", true),
    ("ACLs", "ACLs", true),
    ("ACL-at", "ACL_at", false),
    ("xattrs", "xattrs", true),
    ("secluded-args", "secluded_args", false),
    ("iconv", "iconv", false),
    ("prealloc", "prealloc", true),
    ("stop-at", "stop_at", false),
    ("crtimes", "crtimes", false),
];

/// How many times `args` (after the program name, up to `--`) ask for the version: `-V`,
/// `--version`, or a `V` inside a cluster of short flags (`-aVV`).
pub(super) fn asked(args: &[std::ffi::OsString]) -> usize {
    let mut n = 0;
    for a in args.iter().skip(1).map(|a| a.as_encoded_bytes()) {
        match a {
            b"--" => break,
            b"--version" => n += 1,
            [b'-', b'-', ..] => {}
            [b'-', short @ ..] => n += short.iter().filter(|&&c| c == b'V').count(),
            _ => {}
        }
    }
    n
}

/// The text `-V` (`times` 1) or `-VV` (2 or more) prints, naming the program `name`.
pub(super) fn text(name: &str, times: usize) -> String {
    if times >= 2 {
        return json(name);
    }
    let ours = env!("CARGO_PKG_VERSION");
    let mut s = match name {
        // What scripts parse, then who answers.
        "rsync" => format!(
            "rsync  version {RSYNC_VERSION}  protocol version {PROTOCOL}\n\
             (treesync {ours}: rsync's command line, local transfers)\n"
        ),
        _ => format!(
            "treesync  version {ours}  (rsync {RSYNC_VERSION}'s command line, local \
             transfers; protocol version {PROTOCOL})\n"
        ),
    };
    s.push_str("Capabilities:\n");
    let words: Vec<String> = CAPABILITIES
        .iter()
        .map(|(word, _, has)| match has {
            true => (*word).to_string(),
            false => format!("no {word}"),
        })
        .collect();
    let mut line = String::from("   ");
    for (i, w) in words.iter().enumerate() {
        let piece = if i + 1 < words.len() {
            format!(" {w},")
        } else {
            format!(" {w}")
        };
        if line.len() + piece.len() > 76 {
            s.push_str(&line);
            s.push('\n');
            line = String::from("   ");
        }
        line.push_str(&piece);
    }
    s.push_str(&line);
    s.push('\n');
    s
}

fn json(name: &str) -> String {
    let mut s = format!(
        "{{\n  \"program\": \"{name}\",\n  \"version\": \"{RSYNC_VERSION}\",\n  \
         \"protocol\": \"{PROTOCOL}.0\",\n  \"implementation\": \"treesync {}\",\n  \
         \"capabilities\": {{\n",
        env!("CARGO_PKG_VERSION")
    );
    let last = CAPABILITIES.len() - 1;
    for (i, (_, key, has)) in CAPABILITIES.iter().enumerate() {
        let value = match (key.ends_with("_bits"), has) {
            (true, _) => "64".to_string(),
            (false, has) => has.to_string(),
        };
        let _ = writeln!(
            s,
            "    \"{key}\": {value}{}",
            if i < last { "," } else { "" }
        );
    }
    s.push_str("  }\n}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_version_requests_and_prints_rsyncs_first_line() {
        let args = |v: &[&str]| v.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(asked(&args(&["rsync", "-a", "x", "y"])), 0);
        assert_eq!(asked(&args(&["rsync", "-V"])), 1);
        assert_eq!(asked(&args(&["rsync", "-aVV"])), 2);
        assert_eq!(asked(&args(&["rsync", "--version", "-V"])), 2);
        assert_eq!(asked(&args(&["rsync", "--", "-V"])), 0);
        let t = text("rsync", 1);
        assert!(
            t.starts_with("rsync  version 3.5.0  protocol version 32\n"),
            "{t}"
        );
        assert!(t.contains(" ACLs,") && t.contains(" no batchfiles,"), "{t}");
        let j = text("rsync", 2);
        assert!(
            j.contains("\"ACLs\": true,") && j.contains("\"file_bits\": 64,"),
            "{j}"
        );
        assert!(j.trim_end().ends_with('}'));
    }
}
