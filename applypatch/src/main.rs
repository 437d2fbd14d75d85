//! `applypatch`: apply a GNU or git patch, all or nothing, never outside the target directory;
//! under the name `patch` (or with `--gnu`), GNU patch 2.7.6. See the library.

use std::io::Write;
use std::process::ExitCode;

use applypatch::cli::{self, Name};
use toolkit::OnBrokenPipe;

fn main() -> ExitCode {
    let mut argv = std::env::args_os();
    let argv0 = argv.next();
    let name = Name::from_argv0(argv0.as_deref());
    let tool = name.tool(argv0.as_deref());
    let args: Vec<_> = argv.collect();
    let cli = match cli::parse(&tool, &args) {
        Ok(cli) => cli,
        Err(text) => return refuse(&text.0, text.1),
    };
    let env = |k: &str| std::env::var(k).ok();
    let opts = match cli.options(name == Name::Patch, &env) {
        Ok(opts) => opts,
        Err(r) => return refuse(&r.text(&tool), 2),
    };
    // `applypatch ... | head -1`: the reader leaving early must not stop the run half-way.
    let mut out = fstree::error::QuietOnBrokenPipe::new(std::io::stdout().lock());
    let mut err = std::io::stderr().lock();
    let result =
        applypatch::open_input_for(&opts, cli.patch_input()).and_then(|patch| match opts.gnu {
            true => applypatch::run_gnu(patch, &opts, &mut out, &mut err),
            false => applypatch::run(patch, &opts, &mut out, &mut err),
        });
    let _ = out.flush();
    if opts.gnu
        && let Err(e) = &result
    {
        // GNU patch's words for trouble: `patch: **** WHAT`.
        let _ = writeln!(err, "{tool}: **** {}", applypatch::describe(e));
        return ExitCode::from(applypatch::EXIT_TROUBLE as u8);
    }
    toolkit::finish("applypatch", result, OnBrokenPipe::Report)
}

/// Prints `text` on stderr and exits with `code` (0 for `--help` and `--version`, printed on
/// stdout; GNU patch exits 0 even when stdout is full, so a failed write is not an error).
fn refuse(text: &str, code: u8) -> ExitCode {
    let _ = if code == 0 {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes()).and_then(|()| out.flush())
    } else {
        std::io::stderr().lock().write_all(text.as_bytes())
    };
    ExitCode::from(code)
}
