use super::output::Output;
use git_track::edit::{Edit, ListEdit};
use git_track::repo::Repo;
use git_track::track::{Kind, Status};

/// Change a track's definition
///
/// Each edit is a new commit on refs/tracks/<name> whose message says what changed
/// (see `git track log`). List fields take --<field> to replace the whole list, or
/// --add-<field> / --remove-<field>. An empty text clears an optional field. Concurrent
/// edits never overwrite each other: a writer that loses the race re-reads and retries.
#[derive(clap::Args)]
pub struct Args {
    /// The track to change
    #[arg(value_name = "name")]
    name: String,
    #[arg(long, value_name = "kind", value_parser = clap::builder::PossibleValuesParser::new(Kind::ALL))]
    kind: Option<String>,
    #[arg(long, value_name = "status", value_parser = clap::builder::PossibleValuesParser::new(Status::ALL))]
    status: Option<String>,
    /// Who works on it ("" clears)
    #[arg(long, value_name = "who")]
    owner: Option<String>,
    #[arg(long, value_name = "text")]
    description: Option<String>,
    #[arg(long, value_name = "group")]
    experiment: Option<String>,
    #[arg(long, value_name = "text")]
    hypothesis: Option<String>,
    /// Why the status is what it is (e.g. why a track was cancelled)
    #[arg(long, value_name = "text")]
    reason: Option<String>,
    /// How much work the track is, in hours or points (the weight of the critical path
    /// in 'git track graph'; "" clears it, 1 counts then)
    #[arg(long, value_name = "n")]
    estimate: Option<String>,
    /// Point the track at another existing branch
    #[arg(long, value_name = "branch")]
    branch: Option<String>,
    /// Record another base ref (and the fork point with it)
    #[arg(long, value_name = "rev")]
    base: Option<String>,
    /// Replace the scope with these globs (repeatable)
    #[arg(long, value_name = "glob")]
    scope: Vec<String>,
    /// Add a scope glob (repeatable)
    #[arg(long, value_name = "glob")]
    add_scope: Vec<String>,
    /// Remove a scope glob (repeatable)
    #[arg(long, value_name = "glob")]
    remove_scope: Vec<String>,
    /// Remove every scope glob: the track may change everything
    #[arg(long, conflicts_with = "scope")]
    clear_scope: bool,
    /// Replace the contracts with these globs (repeatable)
    #[arg(long = "contract", value_name = "glob")]
    contracts: Vec<String>,
    #[arg(long, value_name = "glob")]
    add_contract: Vec<String>,
    #[arg(long, value_name = "glob")]
    remove_contract: Vec<String>,
    /// Replace the dependencies with these tracks (repeatable)
    #[arg(long, value_name = "track")]
    depends_on: Vec<String>,
    #[arg(long, value_name = "track")]
    add_depends_on: Vec<String>,
    #[arg(long, value_name = "track")]
    remove_depends_on: Vec<String>,
}

fn list(set: Vec<String>, clear: bool, add: Vec<String>, remove: Vec<String>) -> ListEdit {
    let set = if clear {
        Some(Vec::new())
    } else if set.is_empty() {
        None
    } else {
        Some(set)
    };
    ListEdit { set, add, remove }
}

pub fn run(repo: &Repo, a: Args) -> anyhow::Result<Output> {
    let edit = Edit {
        kind: a
            .kind
            .map(|k| k.parse())
            .transpose()
            .map_err(anyhow::Error::msg)?,
        status: a
            .status
            .map(|s| s.parse())
            .transpose()
            .map_err(anyhow::Error::msg)?,
        owner: a.owner,
        description: a.description,
        experiment: a.experiment,
        hypothesis: a.hypothesis,
        reason: a.reason,
        estimate: a
            .estimate
            .map(|e| super::new::parse_estimate(&e))
            .transpose()?,
        branch: a.branch,
        base: a.base,
        scope: list(a.scope, a.clear_scope, a.add_scope, a.remove_scope),
        contracts: list(a.contracts, false, a.add_contract, a.remove_contract),
        depends_on: list(a.depends_on, false, a.add_depends_on, a.remove_depends_on),
    };
    let (stored, summary) = git_track::edit::edit(repo, &a.name, &edit)?;
    let scope_edited =
        edit.scope.set.is_some() || !edit.scope.add.is_empty() || !edit.scope.remove.is_empty();
    Ok(match summary {
        Some(s) => {
            let mut out = Output::none().info(format!("Edited track '{}': {s}", stored.track.name));
            if scope_edited {
                for warning in super::scope::lint_warnings(repo, &stored.track) {
                    out = out.warn(warning);
                }
            }
            out
        }
        None => Output::none().info(format!(
            "Track '{}' already is as asked; nothing changed",
            stored.track.name
        )),
    })
}
