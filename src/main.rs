//! `git-track`: a thin entry point; all work happens in `cli` and the library.

#![forbid(unsafe_code)]

mod cli;

fn main() {
    std::process::exit(cli::main());
}
