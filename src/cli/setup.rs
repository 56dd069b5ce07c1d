use super::output::Output;
use crate::cli::failure::Failure;
use git_track::lifecycle;
use git_track::repo::Repo;
use git_track::setup::{self, Prepared};
use git_track::store;
use git_track::track_env;
use serde::Serialize;

/// Make a track's worktree ready to run: copy included files, run track.setup
///
/// Copies the untracked files of the main worktree that git ignores and that match a
/// pattern of .worktreeinclude (gitignore syntax, at the root of the main worktree) or of
/// track.include, never overwriting a file the worktree has; then runs the command in git
/// config track.setup with 'sh -c' in the worktree, with GIT_TRACK, GIT_TRACK_INDEX and
/// GIT_TRACK_PORT set, its output on stderr. 'git track new' does this when it makes a
/// worktree; run this to do it again, e.g. after the set-up command failed (the track is
/// then marked as not set up until it succeeds). track.setup is only read from config you
/// own: a value from a file inside a working tree (an include of a committed file) is not
/// run.
///
/// Exit status: 0 when set up, 1 when the set-up command failed.
#[derive(clap::Args)]
pub struct Args {
    /// The track (default: the track of the current worktree)
    #[arg(value_name = "name")]
    name: Option<String>,
    /// Print one JSON object: {track, worktree, env, copied, kept, setup}
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct SetupJson {
    track: String,
    worktree: String,
    env: track_env::TrackEnv,
    #[serde(flatten)]
    prepared: Prepared,
}

pub fn run(repo: &Repo, args: Args) -> anyhow::Result<Output> {
    let listing = store::list(repo)?;
    let stored = match &args.name {
        Some(name) => store::load_existing(repo, name)?,
        None => lifecycle::current_track(repo, &listing)?,
    };
    let name = stored.track.name.clone();
    let Some(worktree) = lifecycle::find_worktree(repo, &stored.track)? else {
        return Err(
            Failure::usage(format!("track '{name}' has no worktree to set up"))
                .hint(format!(
                    "check its branch out in a linked worktree: git worktree add <path> {}",
                    stored.track.branch
                ))
                .into(),
        );
    };
    let env = track_env::for_track(repo, &name)?;
    let prepared = setup::prepare(repo, &env, &worktree, &mut |l| progress(l))?;
    let data = SetupJson {
        track: name.clone(),
        worktree: worktree.display().to_string(),
        env,
        prepared: prepared.clone(),
    };
    let out = Output::new(data, |_, _| Ok(()));
    let out = report(out, &name, &prepared);
    if prepared.setup.is_none() && prepared.copied.is_empty() && prepared.kept.is_empty() {
        return Ok(out.info(format!(
            "Nothing to set up for '{name}': no .worktreeinclude, track.include or track.setup"
        )));
    }
    Ok(out)
}

/// The environment of track `name`, and its new `worktree` set up unless `skip`: what
/// `new` and `attach` do once the worktree exists.
pub fn set_up_new(
    repo: &Repo,
    name: &str,
    worktree: Option<&std::path::Path>,
    skip: bool,
) -> anyhow::Result<(track_env::TrackEnv, Option<Prepared>)> {
    let env = track_env::for_track(repo, name)?;
    let prepared = match worktree {
        Some(wt) if !skip => Some(setup::prepare(repo, &env, wt, &mut |l| progress(l))?),
        _ => None,
    };
    Ok((env, prepared))
}

/// A progress line, on stderr at once (the set-up command's output follows it there).
pub fn progress(line: &str) {
    eprintln!("{line}");
}

/// What set-up did, as notes and warnings; exit 1 when the command failed.
pub fn report(mut out: Output, name: &str, p: &Prepared) -> Output {
    for f in &p.copied {
        out = out.info(format!("Copied {f} from the main worktree"));
    }
    for f in &p.kept {
        out = out.info(format!("Kept {f}: the worktree has it already"));
    }
    if let Some(path) = &p.untrusted_setup {
        out = out
            .warn(format!(
                "track.setup in {path} was not run: that file is inside a working tree, where a commit or a fetch can change it"
            ))
            .hint("copy the value into your own config to trust it: git config track.setup '<command>'");
    }
    if let Some(run) = p.setup.as_ref().filter(|r| !r.success) {
        let how = match run.code {
            Some(c) => format!("exit {c}"),
            None => "killed by a signal".to_owned(),
        };
        out = out
            .code(1)
            .warn(format!(
                "the set-up command '{}' failed ({how}); track '{name}' is kept but not set up",
                run.command
            ))
            .hint(format!("run it again with 'git track setup {name}'"));
    }
    out
}
