use super::check::describe;
use super::output::{Output, table};
use crate::cli::failure::Failure;
use git_track::hooks::checks::{self, Finding};
use git_track::hooks::install::{self, Done, HookAction, HookState, HookStatus};
use git_track::repo::Repo;
use serde::Serialize;
use std::io::Read;

/// Install, remove or inspect the git hooks that hold tracks to their scopes
///
/// pre-commit refuses a commit that stages paths outside the scope of the worktree's
/// track; pre-push refuses pushing a track branch whose new commits change such paths;
/// pre-merge-commit refuses merging a track branch that changed such paths. On a branch
/// that is not a track the hooks do nothing. The hooks go where git looks for them
/// (core.hooksPath, else the hooks folder all worktrees share). A hook already there is
/// kept and run first; uninstall puts it back as it was. --no-verify bypasses the hooks,
/// as it does any git hook.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Sub,
}

#[derive(clap::Subcommand)]
enum Sub {
    /// Install the hooks (an existing hook is chained, never overwritten)
    Install(JsonFlag),
    /// Remove the hooks and put back the hooks they chained
    Uninstall(JsonFlag),
    /// Show which hooks are installed and where
    Status(JsonFlag),
    /// What the installed hooks run: git-track hooks run <hook> [<hook arguments>]
    #[command(hide = true)]
    Run {
        hook: String,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(clap::Args)]
struct JsonFlag {
    /// Print one JSON object: {dir, hooks: [...]}
    #[arg(long)]
    json: bool,
}

impl Args {
    pub fn wants_json(&self) -> bool {
        match &self.action {
            Sub::Install(f) | Sub::Uninstall(f) | Sub::Status(f) => f.json,
            Sub::Run { .. } => false,
        }
    }
}

#[derive(Serialize)]
struct Changed {
    dir: String,
    hooks: Vec<Done>,
}

#[derive(Serialize)]
struct Statuses {
    dir: String,
    hooks: Vec<HookStatus>,
}

pub fn run(repo: &Repo, args: Args) -> anyhow::Result<Output> {
    match args.action {
        Sub::Install(_) => {
            let dir = install::dir(repo)?;
            let done = install::install(&dir)?;
            Ok(changed(dir, done))
        }
        Sub::Uninstall(_) => {
            let dir = install::dir(repo)?;
            let done = install::uninstall(&dir)?;
            Ok(changed(dir, done))
        }
        Sub::Status(_) => {
            let dir = install::dir(repo)?;
            let data = Statuses {
                dir: dir.display().to_string(),
                hooks: install::status(&dir),
            };
            Ok(Output::new(data, |d, w| {
                let rows: Vec<Vec<String>> = d
                    .hooks
                    .iter()
                    .map(|h| {
                        let state = match h.state {
                            HookState::Installed => "installed",
                            HookState::Missing => "not installed",
                            HookState::Other => "another hook (not git-track's)",
                        };
                        let chained = h
                            .chained
                            .as_deref()
                            .map(|c| format!("runs {c} first"))
                            .unwrap_or_default();
                        vec![h.name.clone(), state.to_owned(), chained]
                    })
                    .collect();
                writeln!(w, "hooks folder: {}", d.dir)?;
                table(&rows, w)
            }))
        }
        Sub::Run { hook, args } => run_hook(repo, &hook, &args),
    }
}

fn changed(dir: std::path::PathBuf, hooks: Vec<Done>) -> Output {
    let mut notes = Vec::new();
    for h in &hooks {
        let note = match (h.action, &h.chained) {
            (HookAction::Installed, Some(c)) => {
                format!(
                    "Installed {} (the hook that was there runs first, from {c})",
                    h.path
                )
            }
            (HookAction::Installed, None) => format!("Installed {}", h.path),
            (HookAction::Updated, _) => format!("Updated {}", h.path),
            (HookAction::AlreadyInstalled, _) => format!("{} is already installed", h.path),
            (HookAction::Removed, Some(_)) => {
                format!("Removed {} and put back the hook it chained", h.path)
            }
            (HookAction::Removed, None) => format!("Removed {}", h.path),
            (HookAction::NotInstalled, Some(_)) => format!("Put back {}", h.path),
            (HookAction::NotInstalled, None) => format!("{} is not installed", h.path),
            (HookAction::LeftAlone, _) => format!("{} is not git-track's hook; left alone", h.path),
        };
        notes.push(note);
    }
    let mut out = Output::new(
        Changed {
            dir: dir.display().to_string(),
            hooks,
        },
        |_, _| Ok(()),
    );
    for n in notes {
        out = out.info(n);
    }
    out
}

/// Runs the checks of one hook; violations make it exit 1, which stops git.
fn run_hook(repo: &Repo, hook: &str, _args: &[String]) -> anyhow::Result<Output> {
    let (found, bypass) = match hook {
        "pre-commit" => (checks::pre_commit(repo)?, "git commit --no-verify"),
        "pre-merge-commit" => (checks::pre_merge_commit(repo)?, "git merge --no-verify"),
        "pre-push" => {
            let mut input = String::new();
            std::io::stdin()
                .read_to_string(&mut input)
                .map_err(|e| Failure::fatal(format!("could not read the pre-push input: {e}")))?;
            (
                checks::pre_push(repo, &checks::parse_push_input(&input))?,
                "git push --no-verify",
            )
        }
        other => {
            return Err(Failure::usage(format!("'{other}' is not a git-track hook"))
                .hint(format!("the hooks are: {}", install::NAMES.join(", ")))
                .into());
        }
    };
    if found.is_empty() {
        return Ok(Output::none());
    }
    let mut out = Output::none().code(1);
    for f in &found {
        out = report_finding(out, f);
    }
    Ok(out.hint(format!(
        "keep to the paths in scope, widen a scope with 'git track edit <track> --add-scope <glob>', or bypass this check once with '{bypass}'"
    )))
}

fn report_finding(mut out: Output, f: &Finding) -> Output {
    let scope = if f.scope.is_empty() {
        "everything".to_owned()
    } else {
        f.scope.join(" ")
    };
    let n = f.violations.len();
    out = out.info(format!(
        "error: track '{}' may change only {scope}; {} ({}) {} not allowed:",
        f.track,
        if n == 1 {
            "1 path".to_owned()
        } else {
            format!("{n} paths")
        },
        f.what,
        if n == 1 { "is" } else { "are" }
    ));
    for v in &f.violations {
        out = out.info(format!("    {}", describe(v, &f.track)));
    }
    out
}
