//! `xtask OUTDIR`: writes `OUTDIR/man/TOOL.1` and `OUTDIR/completions/` (bash, zsh, fish) for
//! every tool, from the same clap definitions the binaries parse with, so the manual cannot
//! drift from the flags. Run by `make install` (and `make docs`).

use std::path::PathBuf;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

fn main() -> anyhow::Result<()> {
    let out = PathBuf::from(std::env::args_os().nth(1).context("usage: xtask OUTDIR")?);
    let commands = [
        snap::cli::Cli::command(),
        treediff::cli::Cli::command(),
        treesync::cli::Cli::command(),
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
    Ok(())
}
