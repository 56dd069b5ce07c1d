use super::output::Output;
use super::show::TrackJson;
use git_track::agents::{self, Configured};
use git_track::lifecycle::{self, NewTrack};
use git_track::repo::Repo;
use git_track::setup::Prepared;
use git_track::track::Kind;
use git_track::track_env::TrackEnv;
use serde::Serialize;

/// Create a track: a branch, a linked worktree and a stored definition
///
/// Creates branch track/<name> at --from (default: the base), or adopts an existing
/// branch with --branch; adds a worktree at <worktreeRoot>/<name> unless --no-worktree,
/// or adopts a linked worktree another tool made with --worktree <path> (and its branch);
/// writes the definition to refs/tracks/<name>. Prints the worktree path, so that
/// `cd "$(git track new x)"` works. All or nothing: when a step fails, nothing of it
/// remains. Then the worktree is set up as 'git track setup' does (included files copied,
/// track.setup run; a failed set-up keeps the track and exits 1), and with --agent the
/// agent's hook is written as 'git track agent-setup' does.
#[derive(clap::Args)]
pub struct Args {
    /// The track's name: one ref component, e.g. auth-backend
    #[arg(value_name = "name")]
    name: String,
    /// A path glob the track may change (repeatable; !glob excludes; the last match wins)
    #[arg(long, value_name = "glob")]
    scope: Vec<String>,
    /// The ref the track forks from and is compared with [default: track.base]
    #[arg(long, value_name = "rev")]
    base: Option<String>,
    /// Start the new branch at this commit instead of the base
    #[arg(long, value_name = "rev", conflicts_with = "branch")]
    from: Option<String>,
    /// Adopt this existing branch as the track's branch
    #[arg(long, value_name = "branch")]
    branch: Option<String>,
    /// Create no worktree (the only choice in a bare repository)
    #[arg(long)]
    no_worktree: bool,
    /// What kind of work this is
    #[arg(long, value_name = "kind", default_value = "feat", value_parser = clap::builder::PossibleValuesParser::new(Kind::ALL))]
    kind: String,
    /// Who works on it (a person or an agent)
    #[arg(long, value_name = "who")]
    owner: Option<String>,
    /// A track that must be merged before this one (repeatable)
    #[arg(long, value_name = "track")]
    depends_on: Vec<String>,
    /// A glob of interface files this track publishes to others (repeatable)
    #[arg(long = "contract", value_name = "glob")]
    contracts: Vec<String>,
    /// The experiment this track competes in
    #[arg(long, value_name = "group", requires = "hypothesis")]
    experiment: Option<String>,
    /// What this track's approach is betting on (with --experiment)
    #[arg(long, value_name = "text", requires = "experiment")]
    hypothesis: Option<String>,
    /// How much work it is, in hours or points (the weight of the critical path in
    /// 'git track graph'; 1 when not given)
    #[arg(long, value_name = "n")]
    estimate: Option<String>,
    /// A sentence on what the track is for
    #[arg(long, value_name = "text")]
    description: Option<String>,
    /// Adopt this existing linked worktree (made by another tool) with its branch
    #[arg(long = "worktree", value_name = "path", conflicts_with_all = ["branch", "from", "no_worktree"])]
    adopt_worktree: Option<std::path::PathBuf>,
    /// Write this agent's pre-edit hook configuration into the worktree (see agent-setup)
    #[arg(long, value_name = "agent", value_parser = clap::builder::PossibleValuesParser::new(git_track::agents::NAMES))]
    agent: Option<String>,
    /// Copy no included files and run no track.setup command
    #[arg(long)]
    no_setup: bool,
    /// Print one JSON object: the definition plus {ref, definition, env, prepared, agent}
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct NewJson {
    #[serde(flatten)]
    track: TrackJson,
    /// GIT_TRACK, GIT_TRACK_INDEX and GIT_TRACK_PORT as commands for the track see them;
    /// always there with `--json` (see `run`).
    env: Option<TrackEnv>,
    /// Included files copied and the set-up command run, when there is a worktree.
    prepared: Option<Prepared>,
    /// The agent configuration written, with --agent.
    agent: Option<Configured>,
}

pub fn run(repo: &Repo, args: Args) -> anyhow::Result<Output> {
    let req = NewTrack {
        name: args.name,
        scope: args.scope,
        base: args.base,
        from: args.from,
        branch: args.branch,
        no_worktree: args.no_worktree,
        kind: args.kind.parse().map_err(anyhow::Error::msg)?,
        owner: args.owner,
        depends_on: args.depends_on,
        contracts: args.contracts,
        experiment: args.experiment,
        hypothesis: args.hypothesis,
        description: args.description,
        adopt_worktree: args.adopt_worktree,
        estimate: args
            .estimate
            .as_deref()
            .map(parse_estimate)
            .transpose()?
            .flatten(),
    };
    let created = lifecycle::create(repo, &req)?;
    let t = &created.stored.track;
    // A track's index is given on first use: the set-up of its worktree, or this output
    // when it reports it. A track made with neither waits (and `new` spares the lock and
    // the rewrite of the index table).
    let (env, prepared) = if created.worktree.is_some() || args.json {
        let (env, prepared) =
            super::setup::set_up_new(repo, &t.name, created.worktree.as_deref(), args.no_setup)?;
        (Some(env), prepared)
    } else {
        (None, None)
    };
    let configured = match (&created.worktree, &args.agent) {
        (Some(wt), Some(agent)) => Some(agents::configure(repo, agent, wt)?),
        _ => None,
    };
    let note = match &created.worktree {
        Some(p) => format!(
            "Created track '{}' on branch '{}' with a worktree at {}",
            t.name,
            t.branch,
            p.display()
        ),
        None => format!(
            "Created track '{}' on branch '{}' (no worktree)",
            t.name, t.branch
        ),
    };
    let data = NewJson {
        track: TrackJson::new(&created.stored),
        env,
        prepared: prepared.clone(),
        agent: configured.clone(),
    };
    let mut out = Output::new(data, |d, w| match &d.track.track.worktree {
        Some(p) => writeln!(w, "{p}"),
        None => Ok(()),
    })
    .info(note);
    if let Some(p) = &prepared {
        out = super::setup::report(out, &t.name, p);
    }
    if let Some(c) = &configured {
        out = super::agent_setup::report(out, &t.name, c);
    }
    for warning in super::scope::lint_warnings(repo, t) {
        out = out.warn(warning);
    }
    Ok(out)
}

/// An estimate as typed: a positive number, or "" for none.
pub fn parse_estimate(text: &str) -> anyhow::Result<Option<f64>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match text.trim().parse::<f64>() {
        Ok(e) => {
            git_track::track::validate_estimate(e)?;
            Ok(Some(e))
        }
        Err(_) => Err(crate::cli::failure::Failure::usage(format!(
            "invalid estimate '{text}': it must be a positive number"
        ))
        .hint("an estimate is hours or points, e.g. --estimate 3 or --estimate 0.5")
        .into()),
    }
}
