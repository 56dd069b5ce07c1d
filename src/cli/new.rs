use super::output::Output;
use super::show::TrackJson;
use git_track::lifecycle::{self, NewTrack};
use git_track::repo::Repo;
use git_track::track::Kind;

/// Create a track: a branch, a linked worktree and a stored definition
///
/// Creates branch track/<name> at --from (default: the base), or adopts an existing
/// branch with --branch; adds a worktree at <worktreeRoot>/<name> unless --no-worktree;
/// writes the definition to refs/tracks/<name>. Prints the worktree path, so that
/// `cd "$(git track new x)"` works. All or nothing: when a step fails, nothing of it
/// remains.
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
    /// Print one JSON object: the definition plus {ref, definition}
    #[arg(long)]
    pub json: bool,
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
        estimate: args
            .estimate
            .as_deref()
            .map(parse_estimate)
            .transpose()?
            .flatten(),
    };
    let created = lifecycle::create(repo, &req)?;
    let t = &created.stored.track;
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
    let mut out = Output::new(TrackJson::new(&created.stored), |d, w| {
        match &d.track.worktree {
            Some(p) => writeln!(w, "{p}"),
            None => Ok(()),
        }
    })
    .info(note);
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
        Err(_) => Err(git_track::error::Failure::usage(format!(
            "invalid estimate '{text}': it must be a positive number"
        ))
        .hint("an estimate is hours or points, e.g. --estimate 3 or --estimate 0.5")
        .into()),
    }
}
