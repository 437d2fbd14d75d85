//! Man pages for the two shell scripts (`checkpoint-build`, `prepare-checkpoint-build`), made
//! from their own `--help`, so the manual cannot drift from the script either.
//!
//! The help text is kept as the script prints it: the usage line becomes SYNOPSIS, unindented
//! `Word:` lines (`Options:`) become sections, and the rest is set verbatim (no filling), with
//! roff's control characters escaped.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

/// The scripts, with the one-line summary of their NAME section.
pub const SCRIPTS: [(&str, &str); 2] = [
    (
        "checkpoint-build",
        "rebuild changed sources incrementally from a checkpoint",
    ),
    (
        "prepare-checkpoint-build",
        "take a checkpoint of a build (sources and outputs)",
    ),
];

/// Runs `sh SCRIPT --help` and returns what it printed.
pub fn help_of(script: &Path) -> anyhow::Result<String> {
    let out = Command::new("sh")
        .arg(script)
        .arg("--help")
        .output()
        .with_context(|| format!("cannot run sh {}", script.display()))?;
    if !out.status.success() {
        bail!("sh {} --help failed: {}", script.display(), out.status);
    }
    String::from_utf8(out.stdout)
        .with_context(|| format!("{}: help is not UTF-8", script.display()))
}

/// The man page (section 1) for `name`, whose `--help` printed `help`.
pub fn render(name: &str, summary: &str, version: &str, help: &str) -> anyhow::Result<String> {
    let mut lines = help.lines();
    let usage = lines
        .next()
        .and_then(|l| l.strip_prefix("Usage: "))
        .with_context(|| format!("{name} --help does not start with `Usage: `"))?;
    let args = usage.strip_prefix(name).unwrap_or(usage).trim_start();
    let mut page = format!(
        ".TH {} 1 \"\" \"checkpoint-tools {version}\"\n.SH NAME\n{} \\- {}\n\
         .SH SYNOPSIS\n.B {}\n{}\n.SH DESCRIPTION\n.nf\n",
        name.to_uppercase(),
        escape(name),
        escape(summary),
        escape(name),
        escape(args),
    );
    for line in lines.skip_while(|l| l.is_empty()) {
        match section_title(line) {
            Some(title) => page.push_str(&format!(".fi\n.SH {}\n.nf\n", title.to_uppercase())),
            None => {
                page.push_str(&escape(line));
                page.push('\n');
            }
        }
    }
    page.push_str(".fi\n");
    Ok(page)
}

/// `Options:` alone on an unindented line is a section title.
fn section_title(line: &str) -> Option<&str> {
    let word = line.strip_suffix(':')?;
    (!word.is_empty() && word.chars().all(|c| c.is_ascii_alphabetic())).then_some(word)
}

/// Text for a roff line: backslashes and hyphens escaped, a leading `.` or `'` made literal.
fn escape(text: &str) -> String {
    let body = text.replace('\\', "\\e").replace('-', "\\-");
    if body.starts_with('.') || body.starts_with('\'') {
        format!("\\&{body}")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../checkpoint")
            .join(name)
    }

    /// The page of each script carries its synopsis, its sections and every line of its help.
    #[test]
    fn each_script_page_holds_its_whole_help() {
        for (name, summary) in SCRIPTS {
            let help = help_of(&script(name)).expect("help");
            let page = render(name, summary, "0.1.0", &help).expect("page");
            assert!(page.starts_with(&format!(".TH {} 1", name.to_uppercase())));
            assert!(page.contains(".SH SYNOPSIS\n"), "{page}");
            assert!(page.contains(".SH OPTIONS\n"), "{page}");
            for line in help.lines().skip(1).filter(|l| section_title(l).is_none()) {
                assert!(page.contains(&escape(line)), "{name}: missing {line:?}");
            }
        }
    }

    #[test]
    fn roff_control_characters_are_escaped() {
        assert_eq!(escape(".checkpoint-build"), "\\&.checkpoint\\-build");
        assert_eq!(escape("'q' a\\b"), "\\&'q' a\\eb");
        assert_eq!(section_title("Options:"), Some("Options"));
        assert_eq!(section_title("Tools: snap is"), None);
        assert_eq!(section_title("  Options:"), None);
    }

    #[test]
    fn a_help_without_usage_is_refused() {
        assert!(render("x", "y", "1", "no usage here\n").is_err());
    }
}
