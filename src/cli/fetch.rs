use super::output::{Output, table};
use crate::cli::failure::EXIT_FOUND;
use git_track::remote::Remote;
use git_track::remote::fetch::{self, Fetched};
use git_track::remote::fields;
use git_track::remote::reconcile::{Action, Reconciled};
use git_track::repo::Repo;
use git_track::store::Invalid;
use std::io::{self, Write};

/// Fetch the tracks defined on a remote and reconcile them with the local ones
///
/// Brings the remote's definitions into refs/track-remotes/<remote>/<name>, its
/// Integration Notes into refs/notes/track-remotes/<remote>/tracks and its branches into
/// refs/remotes/<remote>/, then reconciles each track: defined there only, it appears
/// here; behind, it fast-forwards; ahead, it stays (push to share); changed on both
/// sides, the definitions merge field by field into a merge commit on refs/tracks/<name>.
/// A field changed two ways keeps the local value and is reported with both (exit 1);
/// a track removed on one side and edited on the other is reported and held. Notes merge
/// as a union. Nothing fetched is executed; malformed definitions are skipped.
#[derive(clap::Args)]
pub struct Args {
    /// The remote [default: the remote of the integration branch's upstream, else origin]
    #[arg(value_name = "remote")]
    remote: Option<String>,
    /// Print one JSON object: {remote, tracks: [{name, action, local, remote, from_remote, conflicts, saved, pushed}], invalid, notes}
    #[arg(long)]
    pub json: bool,
}

pub fn run(repo: &Repo, args: Args) -> anyhow::Result<Output> {
    let remote = Remote::resolve(repo, args.remote.as_deref())?;
    let fetched = fetch::fetch(repo, &remote)?;
    let conflicts = fetched.has_conflicts();
    let mut out = messages(
        Output::new(fetched.clone(), |f: &Fetched, w| {
            write_outcomes(&f.remote, &f.tracks, w)
        }),
        &remote.name,
        &fetched.tracks,
        &fetched.invalid,
    );
    if let Some(w) = &fetched.warning {
        out = out.warn(format!(
            "the record of what was in sync with '{}' could not be read ({w}); no removal was carried over",
            remote.name
        ));
    }
    Ok(out.code(if conflicts { EXIT_FOUND } else { 0 }))
}

/// One line per track that is not simply up to date, then each field conflict.
pub(super) fn write_outcomes(
    remote: &str,
    tracks: &[Reconciled],
    w: &mut dyn Write,
) -> io::Result<()> {
    let rows: Vec<Vec<String>> = tracks
        .iter()
        .filter(|t| t.action != Action::UpToDate || t.pushed)
        .map(|t| vec![t.name.clone(), describe(remote, t)])
        .collect();
    table(&rows, w)?;
    for t in tracks {
        for c in &t.conflicts {
            writeln!(
                w,
                "conflict in '{}': {}: kept {} (here); {remote} had {}; was {}",
                t.name,
                c.field,
                fields::show(&c.local),
                fields::show(&c.remote),
                fields::show(&c.base)
            )?;
        }
    }
    Ok(())
}

fn describe(remote: &str, t: &Reconciled) -> String {
    let pushed = if t.pushed { ", pushed" } else { "" };
    match t.action {
        Action::UpToDate => format!("up to date{pushed}"),
        Action::Created => format!("new from {remote}"),
        Action::FastForward => "fast-forward".to_owned(),
        Action::Ahead if t.pushed => "pushed".to_owned(),
        Action::Ahead => "ahead (push to share)".to_owned(),
        Action::Merged => {
            let from = if t.from_remote.is_empty() {
                String::new()
            } else {
                format!(" ({} from {remote})", t.from_remote.join(", "))
            };
            let conflicts = if t.conflicts.is_empty() {
                String::new()
            } else {
                format!(", {} conflict(s)", t.conflicts.len())
            };
            format!("merged{from}{conflicts}{pushed}")
        }
        Action::LocalOnly if t.pushed => "pushed (new)".to_owned(),
        Action::LocalOnly => "only here (push to share)".to_owned(),
        Action::Removed => format!(
            "removed (removed on {remote}; saved as {})",
            t.saved.as_deref().unwrap_or("-")
        ),
        Action::RemovedHere if t.pushed => format!("removed on {remote}"),
        Action::RemovedHere => format!("removed here (push to remove it on {remote})"),
        Action::RemovedThereEditedHere if t.pushed => format!("recreated on {remote}"),
        Action::RemovedThereEditedHere => format!("CONFLICT: removed on {remote}, edited here"),
        Action::RemovedHereEditedThere if t.pushed => format!("removed on {remote}"),
        Action::RemovedHereEditedThere => format!("CONFLICT: removed here, edited on {remote}"),
    }
}

/// Warnings for skipped refs and hints for what needs a decision.
pub(super) fn messages(
    mut out: Output,
    remote: &str,
    tracks: &[Reconciled],
    invalid: &[Invalid],
) -> Output {
    for i in invalid {
        out = out.warn(format!("skipped {}: {}", i.refname, i.error));
    }
    if tracks.iter().any(|t| !t.conflicts.is_empty()) {
        out = out.hint(
            "the local value was kept and both are in the definition's history ('git track log <name>');",
        );
        out = out.hint("take the other with 'git track edit <name> --<field> <value>', then push");
    }
    for t in tracks.iter().filter(|t| !t.pushed) {
        let name = &t.name;
        match t.action {
            Action::RemovedThereEditedHere => {
                out = out.hint(format!(
                    "'{name}': keep it with 'git track push {remote} {name}' (recreates it there), or drop it with 'git track remove {name}'"
                ))
            }
            Action::RemovedHereEditedThere => {
                out = out.hint(format!(
                    "'{name}': restore it with 'git update-ref refs/tracks/{name} refs/track-remotes/{remote}/{name}', or remove it there too with 'git track push {remote} {name}'"
                ))
            }
            _ => {}
        }
    }
    out
}
