use super::output::Output;
use crate::cli::failure::{EXIT_FATAL, Failure};
use git_track::demo::{self, DemoStep};
use git_track::git;
use git_track::repo::Repo;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Show the whole loop on a built-in scenario, in a scratch repository
///
/// Builds a small web shop with three parallel tracks (backend, frontend, infra) and an
/// experiment of two competing search engines, makes real commits in each track's
/// worktree — one file changed by two tracks, one edit outside a scope — then runs
/// status, check, overlap, compare --exec (the benchmark in every worktree), pick,
/// graph, ready, merge --dry-run and merge --checkpoint (stopping on the conflict,
/// resolving it, --continue) and shows the Integration Notes with the decision. Each step prints the command it runs. The repository you run it
/// from is never touched.
#[derive(clap::Args)]
pub struct Args {
    /// Where to build (must not exist or be empty) [default: a new temporary folder]
    #[arg(value_name = "dir")]
    dir: Option<PathBuf>,
}

/// Variables that would point git at another repository than the demo's own.
const REDIRECTING_ENV: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
];

pub fn run(args: Args) -> anyhow::Result<Output> {
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find the git-track binary: {e}"))?;
    if REDIRECTING_ENV
        .iter()
        .any(|key| std::env::var_os(key).is_some())
    {
        return run_apart(&exe, &args);
    }
    let scenario = demo::webshop()?;
    let dir = demo::prepare_dir(args.dir.as_deref())?;
    let mut out = std::io::stdout();

    writeln!(out, "git track demo: {}", scenario.title)?;
    writeln!(out, "Building a scratch repository in {}\n", dir.display())?;
    let built = demo::build(&dir, &scenario)?;
    for action in &built.actions {
        writeln!(out, "$ {action}")?;
    }
    writeln!(
        out,
        "\nThe repository stays at {} for you to explore afterwards.",
        built.root.display()
    )?;
    writeln!(out, "$ cd {}", built.root.display())?;

    for step in &scenario.steps {
        run_step(&mut out, &exe, &built.root, step)?;
    }
    Ok(Output::none())
}

/// Runs the demo in a process of its own whose environment lacks [`REDIRECTING_ENV`]
/// (git, and gix in process, would honour them); this process's is left as it is.
fn run_apart(exe: &Path, args: &Args) -> anyhow::Result<Output> {
    let mut cmd = Command::new(exe);
    cmd.arg("demo").args(&args.dir);
    for key in REDIRECTING_ENV {
        cmd.env_remove(key);
    }
    let status = cmd
        .status()
        .map_err(|e| anyhow::anyhow!("could not run {} demo: {e}", exe.display()))?;
    Ok(Output::none().code(status.code().unwrap_or(EXIT_FATAL)))
}

fn run_step(
    out: &mut std::io::Stdout,
    exe: &Path,
    root: &Path,
    step: &DemoStep,
) -> anyhow::Result<()> {
    if let Some(say) = &step.say {
        writeln!(out, "\n# {say}")?;
    }
    if let Some(args) = &step.run {
        writeln!(out, "$ git track {}", args.join(" "))?;
        out.flush()?;
        let status = Command::new(exe).arg("-C").arg(root).args(args).status()?;
        let code = status.code().unwrap_or(-1);
        if code == 1 {
            writeln!(out, "(exit 1: found something)")?;
        } else if code != 0 {
            return Err(Failure::fatal(format!(
                "the demo step 'git track {}' failed with exit {code}",
                args.join(" ")
            ))
            .into());
        }
    }
    if let Some(args) = &step.git {
        writeln!(out, "$ git {}", args.join(" "))?;
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        write!(out, "{}", git::Git::in_dir(root).run(&args)?)?;
    }
    if let Some(resolve) = &step.resolve {
        let repo = Repo::open(root)?;
        let branch = repo.settings.integration_ref();
        let worktree = repo
            .worktree_of_branch(&branch)?
            .ok_or_else(|| {
                anyhow::anyhow!("no worktree has {branch} checked out to resolve the conflict in")
            })?
            .path;
        writeln!(out, "$ cd {}", worktree.display())?;
        writeln!(out, "$ $EDITOR {}", resolve.path)?;
        for line in resolve.content.lines() {
            writeln!(out, "    {line}")?;
        }
        demo::write_file(&worktree.join(&resolve.path), &resolve.content)?;
        writeln!(out, "$ git add {}", resolve.path)?;
        git::add(&worktree, &resolve.path)?;
    }
    Ok(())
}
