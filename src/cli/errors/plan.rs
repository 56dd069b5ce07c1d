//! The plan's errors as the command line words them: experiments (`pick`, `compare`)
//! and cycles in the tracks' dependencies.

use crate::cli::failure::Failure;
use git_track::plan::experiments::ExperimentError;
use git_track::plan::graph::Cycle;

use super::{fatal, usage};

pub(super) fn experiment(e: &ExperimentError) -> Failure {
    use ExperimentError as E;
    match e {
        E::NoSuchGroup { groups, .. } if groups.is_empty() => usage(e).hint(
            "no track is in an experiment; start one with 'git track new <name> --experiment <group> --hypothesis <text>'",
        ),
        E::NoSuchGroup { groups, .. } => {
            usage(e).hint(format!("the experiments are: {}", groups.join(", ")))
        }
        E::InvalidMetric { metric, cause } => Failure::usage(format!(
            "invalid --metric regular expression '{metric}': {cause}"
        ))
        .hint("e.g. --metric 'time: ([0-9.]+)'; the first group is the figure"),
        E::NoReason => Failure::usage("a pick needs a reason: --reason <text>"),
        E::NotInGroup { group, members, .. } => usage(e).hint(format!(
            "the tracks of '{group}' are: {}",
            members.join(", ")
        )),
        E::InNoGroup { track } => usage(e).hint(format!(
            "put it in one with 'git track edit {track} --experiment <group> --hypothesis <text>'"
        )),
        E::WinnerFinished { track, .. } => {
            usage(e).hint(format!("reopen it first with 'git track reopen {track}'"))
        }
        E::Decided { file, .. } => usage(e).hint(format!("'git show {file}' shows the decision")),
        E::MalformedDecision { .. } => fatal(e),
        E::DecisionChanged { .. } => usage(e).hint(
            "another git track pick ran at the same time; 'git track show' the tracks and try again",
        ),
    }
}

pub(super) fn cycle(e: &Cycle) -> Failure {
    usage(e).hint("break it with 'git track edit <name> --remove-depends-on <track>'")
}
