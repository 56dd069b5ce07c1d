use super::output::{Output, table};
use crate::cli::failure::Failure;
use git_track::config;
use git_track::refs;
use git_track::repo::Repo;
use git_track::settings::{KEY_BASE, KEY_INTEGRATION, KEY_WORKTREE_ROOT};
use serde::Serialize;

/// Write git-track's settings to the repository's git config (idempotent)
///
/// Keys already set keep their values unless given here. Every command also works
/// without init, on the defaults.
#[derive(clap::Args)]
pub struct Args {
    /// The branch tracks are merged into [config: track.integration; default: integration]
    #[arg(long, value_name = "branch")]
    integration: Option<String>,
    /// What tracks fork from and the integration branch starts at [config: track.base;
    /// default: the repository's default branch]
    #[arg(long, value_name = "rev")]
    base: Option<String>,
    /// Where track worktrees go [config: track.worktreeRoot; default: <repo>.tracks/ beside
    /// the main worktree]
    #[arg(long, value_name = "dir")]
    worktree_root: Option<String>,
    /// Also make a plain 'git fetch <remote>' bring track definitions and notes (adds two
    /// fetch refspecs to remote.<remote>.fetch); without it, no remote setting changes
    #[arg(long, value_name = "remote")]
    remote: Option<String>,
}

#[derive(Serialize)]
struct Settings {
    integration: String,
    base: String,
    worktree_root: Option<String>,
    /// Fetch refspecs added by --remote (empty when they were there already).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fetch_refspecs_added: Vec<String>,
}

pub fn run(repo: &Repo, args: Args) -> anyhow::Result<Output> {
    if let Some(b) = &args.integration
        && gix::validate::reference::name_partial(refs::branch_ref(b).as_str().into()).is_err()
    {
        return Err(Failure::usage(format!("'{b}' is not a valid branch name")).into());
    }
    if let Some(base) = &args.base {
        repo.resolve_commit(base)?;
    }
    let remote = args
        .remote
        .as_deref()
        .map(|r| git_track::remote::Remote::resolve(repo, Some(r)))
        .transpose()?;
    let s = &repo.settings;
    let mut values = vec![
        (
            KEY_INTEGRATION,
            args.integration
                .clone()
                .unwrap_or_else(|| s.integration.clone()),
            args.integration.is_some(),
        ),
        (
            KEY_BASE,
            args.base.clone().unwrap_or_else(|| s.base.clone()),
            args.base.is_some(),
        ),
    ];
    let root = match &args.worktree_root {
        Some(r) => Some((r.clone(), true)),
        None => s
            .worktree_root
            .as_ref()
            .map(|p| (p.display().to_string(), false)),
    };
    if let Some((r, given)) = root {
        values.push((KEY_WORKTREE_ROOT, r, given));
    }
    config::set_local(
        repo,
        &values
            .iter()
            .map(|(k, v, force)| (*k, v.as_str(), *force))
            .collect::<Vec<_>>(),
    )?;

    let refspecs_added = match &remote {
        Some(r) => git_track::remote::add_fetch_refspecs(repo, r)?,
        None => Vec::new(),
    };

    let repo = Repo::from_gix(gix::open(repo.gix.git_dir())?, repo.git_env.clone())?;
    let s = repo.settings.clone();
    let data = Settings {
        integration: s.integration,
        base: s.base,
        worktree_root: s.worktree_root.map(|p| p.display().to_string()),
        fetch_refspecs_added: refspecs_added,
    };
    Ok(Output::new(data, |d, w| {
        table(
            &[
                vec![KEY_INTEGRATION.into(), d.integration.clone()],
                vec![KEY_BASE.into(), d.base.clone()],
                vec![
                    KEY_WORKTREE_ROOT.into(),
                    super::or_dash(d.worktree_root.as_deref()),
                ],
            ],
            w,
        )?;
        for r in &d.fetch_refspecs_added {
            writeln!(w, "added fetch refspec {r}")?;
        }
        Ok(())
    }))
}
