//! The command line: one file per command, each with its clap `Args` (whose doc comments
//! are the help text) and a `run` that calls the library and returns an [`Output`].
//! `report/` is the one command with a folder (a file per section of its page).
//!
//! Shared by all commands: `output` (text or JSON, colour, warnings and hints, progress)
//! `errors` (the library's errors as `error:`/`hint:` lines and exit codes) and `failure`
//! (that form of an error, and the exit codes).

mod agent_setup;
mod archive;
mod attach;
mod cancel;
mod check;
mod checkpoints;
mod compare;
mod completions;
mod demo;
mod done;
mod edit;
mod errors;
mod exec;
pub(crate) mod failure;
mod fetch;
mod filter;
mod graph;
mod hooks;
mod import;
mod init;
mod list;
mod log;
#[cfg(test)]
mod manpage;
mod merge;
mod new;
mod output;
mod overlap;
mod pick;
mod prune;
mod push;
mod ready;
mod remove;
mod reopen;
mod report;
mod scope;
mod setup;
mod show;
mod status;
mod sync;

use crate::cli::failure::{EXIT_FATAL, EXIT_USAGE, Failure};
use clap::{Parser, Subcommand};
use git_track::progress::{Progress, Silent};
use git_track::repo::Repo;
use output::{Meter, Output, When};
use std::cell::RefCell;
use std::io::{self, Write};
use std::mem::ManuallyDrop;
use std::path::PathBuf;

/// Run several streams of work in one repository and merge them back in a planned order.
///
/// A track is a named stream of work: a branch, a linked worktree for the agent or person
/// doing it, and declared scope globs (the paths it may change), stored in git refs under
/// refs/tracks/ so the definitions travel with git push and git fetch.
#[derive(Parser)]
#[command(
    name = "git-track",
    bin_name = "git track",
    version,
    arg_required_else_help = true,
    max_term_width = 100,
    after_help = "Run 'git track <command> -h' for a command's options; 'git track --help' opens the manual."
)]
pub struct Cli {
    /// Run as if git-track was started in <path> (repeatable, like git -C)
    #[arg(short = 'C', value_name = "path", global = true)]
    change_dir: Vec<PathBuf>,

    /// Colour the output: always, never, or auto (only on a terminal; the default, which
    /// color.track, color.ui and NO_COLOR can turn off). --color alone means always
    #[arg(long, value_name = "when", global = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "always")]
    color: Option<When>,

    /// Show progress on stderr even when it is not a terminal
    #[arg(long, global = true, overrides_with = "no_progress")]
    progress: bool,

    /// Show no progress, even on a terminal
    #[arg(long, global = true)]
    no_progress: bool,

    /// Print no progress and no notes on stderr (warnings and errors still)
    #[arg(short, long, global = true)]
    quiet: bool,

    #[command(subcommand)]
    command: Command,
}

// Deferred: parsing builds only the command named (see `parse`).
#[derive(Subcommand)]
#[command(defer = true)]
enum Command {
    Init(init::Args),
    New(new::Args),
    Import(import::Args),
    List(list::Args),
    Show(show::Args),
    Edit(edit::Args),
    Remove(remove::Args),
    Done(done::Args),
    Cancel(cancel::Args),
    Archive(archive::Args),
    Reopen(reopen::Args),
    Log(log::Args),
    Merge(merge::Args),
    Checkpoints(checkpoints::Args),
    Demo(demo::Args),
    Check(check::Args),
    Hooks(hooks::Args),
    Scope(scope::Args),
    Overlap(overlap::Args),
    Status(status::Args),
    Graph(graph::Args),
    Ready(ready::Args),
    Compare(compare::Args),
    Pick(pick::Args),
    Sync(sync::Args),
    Push(push::Args),
    Fetch(fetch::Args),
    Attach(attach::Args),
    Setup(setup::Args),
    Exec(exec::Args),
    AgentSetup(agent_setup::Args),
    Prune(prune::Args),
    Report(report::Args),
    Completions(completions::Args),
    #[command(name = "__complete", hide = true)]
    Complete(completions::CompleteArgs),
}

impl Command {
    /// Does this invocation ask for JSON?
    fn json(&self) -> bool {
        match self {
            Command::New(a) => a.json,
            Command::Import(a) => a.json,
            Command::List(a) => a.json,
            Command::Show(a) => a.json,
            Command::Log(a) => a.json,
            Command::Check(a) => a.wants_json(),
            Command::Hooks(a) => a.wants_json(),
            Command::Scope(a) => a.json,
            Command::Overlap(a) => a.json,
            Command::Status(a) => a.json,
            Command::Merge(a) => a.json,
            Command::Checkpoints(a) => a.json,
            Command::Graph(a) => a.wants_json(),
            Command::Ready(a) => a.json,
            Command::Compare(a) => a.json,
            Command::Pick(a) => a.json,
            Command::Sync(a) => a.json,
            Command::Init(_)
            | Command::Edit(_)
            | Command::Remove(_)
            | Command::Demo(_)
            | Command::Done(_)
            | Command::Cancel(_)
            | Command::Archive(_)
            | Command::Reopen(_) => false,
            Command::Push(a) => a.json,
            Command::Fetch(a) => a.json,
            Command::Attach(a) => a.json,
            Command::Setup(a) => a.json,
            Command::Exec(a) => a.json,
            Command::AgentSetup(a) => a.json,
            Command::Prune(a) => a.json,
            Command::Report(_) | Command::Completions(_) | Command::Complete(_) => false,
        }
    }

    /// Does this command usually write a commit or move a ref (both stamped with the
    /// time, after objects were looked up)? Only a hint for what to prepare early: a
    /// wrong answer costs time, nothing else.
    fn records(&self) -> bool {
        matches!(
            self,
            Command::Init(_)
                | Command::New(_)
                | Command::Import(_)
                | Command::Edit(_)
                | Command::Remove(_)
                | Command::Done(_)
                | Command::Cancel(_)
                | Command::Archive(_)
                | Command::Reopen(_)
                | Command::Merge(_)
                | Command::Pick(_)
                | Command::Sync(_)
                | Command::Fetch(_)
                | Command::Attach(_)
                | Command::Prune(_)
        )
    }
}

/// Runs the command line and returns the exit code.
pub fn main() -> i32 {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    for dir in &cli.change_dir {
        if let Err(e) = std::env::set_current_dir(dir) {
            return report(&anyhow::Error::from(Failure::fatal(format!(
                "cannot change to '{}': {e}",
                dir.display()
            ))));
        }
    }
    let json = cli.command.json();
    let wanted = if cli.progress {
        Some(true)
    } else if cli.no_progress {
        Some(false)
    } else {
        None
    };
    let meter = Meter::new(wanted, cli.quiet);
    let progress: &dyn Progress = match &meter {
        Some(m) => m,
        None => &Silent,
    };
    let color_config = RefCell::new(None);
    let result = run(cli.command, progress, &color_config);
    output::decide_color(cli.color, color_config.borrow().as_deref(), json);
    match result {
        Ok(output) => match output.emit(json, cli.quiet) {
            Ok(()) => output.code,
            // A reader that went away (`| head`) is not an error.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => output.code,
            Err(e) => report(&anyhow::Error::from(e)),
        },
        Err(e) => report(&e),
    }
}

/// Runs one command; `color_config` receives the repository's colour setting.
fn run(
    command: Command,
    progress: &dyn Progress,
    color_config: &RefCell<Option<String>>,
) -> anyhow::Result<Output> {
    // Found only when needed: the demo builds its own repository and works outside any.
    let warn = !matches!(&command, Command::Merge(a) if a.resolves());
    // What a writing command needs first, begun on threads. Not for the others: an
    // agent's pre-edit check runs before every edit and looks up no packed object.
    let records = command.records();
    // `new` finds its commits in the commit-graph where there is one, and then reads no
    // pack index whole (see `Repo::resolve_commit_via_graph`).
    let is_new = matches!(command, Command::New(_));
    let repo = || -> anyhow::Result<Opened> {
        let repo = Opened(ManuallyDrop::new(Repo::discover()?));
        if records && !(is_new && matches!(repo.commit_graph(), Ok(Some(_)))) {
            repo.warm_object_lookups();
        }
        color_config.replace(repo.settings.color.clone());
        if warn {
            warn_of_interrupted_merge(&repo);
        }
        Ok(repo)
    };
    match command {
        Command::Demo(a) => demo::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Complete(a) => completions::complete(a),
        Command::Init(a) => init::run(&*repo()?, a),
        Command::New(a) => new::run(&*repo()?, a),
        Command::Import(a) => import::run(&*repo()?, a),
        Command::List(a) => list::run(&*repo()?, a),
        Command::Show(a) => show::run(&*repo()?, a),
        Command::Edit(a) => edit::run(&*repo()?, a),
        Command::Remove(a) => remove::run(&*repo()?, a),
        Command::Done(a) => done::run(&*repo()?, a),
        Command::Cancel(a) => cancel::run(&*repo()?, a),
        Command::Archive(a) => archive::run(&*repo()?, a),
        Command::Reopen(a) => reopen::run(&*repo()?, a),
        Command::Log(a) => log::run(&*repo()?, a),
        Command::Check(a) => check::run(&*repo()?, a),
        Command::Hooks(a) => hooks::run(&*repo()?, a),
        Command::Scope(a) => scope::run(&*repo()?, a),
        Command::Overlap(a) => overlap::run(&*repo()?, a, progress),
        Command::Status(a) => status::run(&*repo()?, a, progress),
        Command::Merge(a) => merge::run(&*repo()?, a, progress),
        Command::Report(a) => report::run(&*repo()?, a, progress),
        Command::Checkpoints(a) => checkpoints::run(&*repo()?, a),
        Command::Graph(a) => graph::run(&*repo()?, a),
        Command::Ready(a) => ready::run(&*repo()?, a),
        Command::Compare(a) => compare::run(&*repo()?, a, progress),
        Command::Pick(a) => pick::run(&*repo()?, a),
        Command::Sync(a) => sync::run(&*repo()?, a),
        Command::Push(a) => push::run(&*repo()?, a),
        Command::Fetch(a) => fetch::run(&*repo()?, a),
        Command::Attach(a) => attach::run(&*repo()?, a),
        Command::Setup(a) => setup::run(&*repo()?, a),
        Command::Exec(a) => exec::run(&*repo()?, a, progress),
        Command::AgentSetup(a) => agent_setup::run(&*repo()?, a),
        Command::Prune(a) => prune::run(&*repo()?, a, progress),
    }
}

/// The repository a command runs in, never freed: the process exits once the command
/// returns, and freeing a repository's caches and mapped files (0.5 to 0.9 ms of a 9 ms
/// `git track new` on git.git) is work the exit does anyway. What else dropping does is
/// done ([`Repo::finish`]).
struct Opened(ManuallyDrop<Repo>);

impl std::ops::Deref for Opened {
    type Target = Repo;
    fn deref(&self) -> &Repo {
        &self.0
    }
}

impl Drop for Opened {
    fn drop(&mut self) {
        self.0.finish();
    }
}

/// Every command reports a merge run left behind by a killed process (on stderr, so
/// `--json` output stays one document), except the merge commands that deal with it.
fn warn_of_interrupted_merge(repo: &Repo) {
    let stderr = io::stderr();
    let mut err = stderr.lock();
    match git_track::merge::in_progress(repo) {
        Ok(Some(p)) if p.is_interrupted() => {
            let _ = output::prefixed(
                &mut err,
                "warning: ",
                &format!(
                    "a git track merge was interrupted at step {} ({}): its process is gone",
                    p.step,
                    p.track.as_deref().unwrap_or("-")
                ),
            );
            let _ = output::prefixed(
                &mut err,
                "hint: ",
                "resume it with 'git track merge --continue', or undo it with 'git track merge --abort'",
            );
        }
        Ok(_) => {}
        Err(e) => {
            let _ = output::prefixed(&mut err, "warning: ", &format!("{e:#}"));
        }
    }
}

/// Prints an error in git's style and returns its exit code.
fn report(e: &anyhow::Error) -> i32 {
    let stderr = io::stderr();
    let mut err = stderr.lock();
    match errors::describe(e) {
        Some(f) => {
            let prefix = if f.code == EXIT_FATAL {
                "fatal: "
            } else {
                "error: "
            };
            let _ = output::prefixed(&mut err, prefix, &f.message);
            for h in &f.hints {
                let _ = output::prefixed(&mut err, "hint: ", h);
            }
            f.code
        }
        None => {
            let _ = writeln!(err, "fatal: {e:#}");
            EXIT_FATAL
        }
    }
}

/// "-" for nothing, as tables and `show` print it.
fn or_dash(v: Option<&str>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or("-").to_owned()
}

/// A list for a person: comma-separated, or "-".
fn list_or_dash(v: &[String]) -> String {
    if v.is_empty() {
        "-".to_owned()
    } else {
        v.join(", ")
    }
}

/// The whole command line definition, every command built (help, the manual,
/// completions and tests read it).
pub fn command() -> clap::Command {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    cmd.build();
    cmd
}

/// Parses the command line against a definition holding only the command named on it:
/// building every command costs a quarter of a millisecond, and clap copies the global
/// options into every command it holds, which costs half a millisecond more. Leaving
/// commands out cannot change what a line that parses means (the first word that is not
/// an option names the command). When parsing fails, help included, the line is parsed
/// again against the whole definition, so that help and suggestions see every command.
fn parse() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let parse_with = |cmd: clap::Command| {
        cmd.try_get_matches_from(&args)
            .and_then(|mut m| Cli::from_arg_matches_mut(&mut m))
    };
    let deferred = Cli::command();
    let named = command_named(&args).and_then(|name| deferred.find_subcommand(name));
    let narrowed = match named {
        Some(command) => clap::Command::new("git-track")
            .args(deferred.get_arguments().cloned())
            .subcommand(command.clone()),
        None => deferred,
    };
    parse_with(narrowed).or_else(|_| parse_with(command()))
}

/// The first word of `args` (after the program's) that is neither an option nor the
/// value of `-C`: the command, on a line that parses.
fn command_named(args: &[std::ffi::OsString]) -> Option<&str> {
    let mut words = args.iter().skip(1);
    while let Some(word) = words.next() {
        match word.to_str()? {
            "-C" => {
                words.next();
            }
            "--" => return None,
            option if option.starts_with('-') => {}
            name => return Some(name),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::command().debug_assert();
    }
}
