//! `--help` and `--version` under the name `diff`: GNU diff's layout (scripts and test suites
//! read the `Usage:` line and the version's first line, `diff (GNU diffutils) 3.8`), with
//! treediff's own words for each option and a line saying what answers.

/// The version of GNU diff whose behaviour treediff follows under the name `diff`.
pub const GNU_DIFF_VERSION: &str = "3.8";

/// `diff --version`: GNU's first line, then ours.
pub fn version() -> String {
    format!(
        "diff (GNU diffutils) {GNU_DIFF_VERSION}\n\
         treediff {} (checkpoint-tools), answering under the name diff with GNU diff \
         {GNU_DIFF_VERSION}'s behaviour.\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// `diff --help`, `program` being argv[0] as given.
pub fn help(program: &str) -> String {
    format!("Usage: {program} [OPTION]... FILES\n{HELP}")
}

const HELP: &str = "\
Compare FILES line by line.

Mandatory arguments to long options are mandatory for short options too.
      --normal                  write a normal diff (the default)
  -q, --brief                   say only whether the files differ
  -s, --report-identical-files  say when two files are the same
  -c, -C NUM, --context[=NUM]   write NUM (default 3) lines of copied context
  -u, -U NUM, --unified[=NUM]   write NUM (default 3) lines of unified context
  -e, --ed                      write an ed script
  -n, --rcs                     write an RCS format diff
  -y, --side-by-side            write in two columns
  -W, --width=NUM               write at most NUM (default 130) print columns
      --left-column             write only the left column of common lines
      --suppress-common-lines   leave common lines out
  -p, --show-c-function         name the C function each change is in
  -F, --show-function-line=RE   name the latest line matching RE
      --label LABEL             use LABEL instead of a file name and time
                                  (twice: the second file's)
  -t, --expand-tabs             expand tabs to spaces in the output
  -T, --initial-tab             line up tabs by starting each line with a tab
      --tabsize=NUM             tab stops every NUM (default 8) print columns
      --suppress-blank-empty    no space or tab before an empty output line
  -l, --paginate                lay the output out in pages, as pr does

  -r, --recursive                 compare subdirectories found too
      --no-dereference            do not follow symbolic links
  -N, --new-file                  treat an absent file as empty
      --unidirectional-new-file   treat an absent first file as empty
      --ignore-file-name-case     ignore case in file names
      --no-ignore-file-name-case  consider case in file names
  -x, --exclude=PAT               leave out files matching PAT
  -X, --exclude-from=FILE         leave out files matching a pattern in FILE
  -S, --starting-file=FILE        start a directory comparison at FILE
      --from-file=FILE1           compare FILE1 with every operand;
                                    FILE1 may be a directory
      --to-file=FILE2             compare every operand with FILE2;
                                    FILE2 may be a directory

  -i, --ignore-case               ignore case in file contents
  -E, --ignore-tab-expansion      ignore changes from tab expansion
  -Z, --ignore-trailing-space     ignore white space at line ends
  -b, --ignore-space-change       ignore changes in the amount of white space
  -w, --ignore-all-space          ignore all white space
  -B, --ignore-blank-lines        ignore changes whose lines are all blank
  -I, --ignore-matching-lines=RE  ignore changes whose lines all match RE

  -a, --text                      treat every file as text
      --strip-trailing-cr         strip a carriage return at line ends
      --binary                    read and write data in binary mode

  -D, --ifdef=NAME                write merged files with '#ifdef NAME' lines
      --GTYPE-group-format=GFMT   format GTYPE input groups with GFMT
      --line-format=LFMT          format every input line with LFMT
      --LTYPE-line-format=LFMT    format LTYPE input lines with LFMT
    These format options give fine control over the output; they
      imply -D; see the GNU diff manual.
    LTYPE is 'old', 'new', or 'unchanged'.
    GTYPE is LTYPE or 'changed'.

  -d, --minimal            try hard to find a smaller set of changes
      --horizon-lines=NUM  keep NUM lines of the common prefix and suffix
      --speed-large-files  assume large files and many scattered small changes
      --color[=WHEN]       color the output; WHEN is 'never', 'always', or 'auto';
                             plain --color means --color='auto'
      --palette=PALETTE    the colors --color uses; PALETTE is a
                             colon-separated list of terminfo capabilities

      --help               print this help and exit
  -v, --version            print version information and exit

FILES are 'FILE1 FILE2' or 'DIR1 DIR2' or 'DIR FILE' or 'FILE DIR'.
If --from-file or --to-file is given, there are no restrictions on FILE(s).
If a FILE is '-', read standard input.
Exit status is 0 if inputs are the same, 1 if different, 2 if trouble.

This is treediff (checkpoint-tools) answering under the name diff; it never runs pr.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_lines_are_the_ones_scripts_read() {
        assert!(version().starts_with("diff (GNU diffutils) 3.8\n"));
        assert!(help("./diff").starts_with("Usage: ./diff [OPTION]... FILES\n"));
    }
}
