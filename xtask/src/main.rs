//! `xtask OUTDIR`: writes `OUTDIR/man/TOOL.1` and `OUTDIR/completions/` (bash, zsh, fish) for
//! every tool, from the same clap definitions the binaries parse with, so the manual cannot
//! drift from the flags, and the two scripts' pages from their `--help` ([`script_man`]). Run
//! by `make install` (and `make docs`).

mod script_man;

use std::path::PathBuf;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

fn main() -> anyhow::Result<()> {
    let out = PathBuf::from(std::env::args_os().nth(1).context("usage: xtask OUTDIR")?);
    let commands = [
        snap::cli::Cli::command(),
        treediff::cli::Cli::command(),
        treesync::cli::command(),
        applypatch::cli::Cli::command(),
    ];
    std::fs::create_dir_all(out.join("man"))?;
    std::fs::create_dir_all(out.join("completions"))?;
    for mut cmd in commands {
        let name = cmd.get_name().to_owned();
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
        std::fs::write(out.join("man").join(format!("{name}.1")), page)?;
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            clap_complete::generate_to(shell, &mut cmd, &name, out.join("completions"))?;
        }
    }
    let scripts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../checkpoint");
    for (name, summary) in script_man::SCRIPTS {
        let help = script_man::help_of(&scripts.join(name))?;
        let page = script_man::render(name, summary, env!("CARGO_PKG_VERSION"), &help)?;
        std::fs::write(out.join("man").join(format!("{name}.1")), page)?;
    }
    Ok(())
}
